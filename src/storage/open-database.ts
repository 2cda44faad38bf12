// The database the configuration names: PostgreSQL when DATABASE_URL is set, else the SQLite file
// under the data folder. Callers get Kysely and, on Postgres, a way to hear NOTIFY.
import pg from 'pg';
import type { Kysely } from 'kysely';
import { openDatabase } from './db.js';
import { openPostgres, redactDatabaseUrl } from './postgres.js';
import type { Database } from './schema.js';

export interface DatabaseSettings {
  dbPath: string;
  databaseUrl: string | null;
  databasePoolSize?: number;
}

export interface StoreDatabase {
  db: Kysely<Database>;
  /** Where the rows are, for messages (a Postgres URL without its password). */
  description: string;
  /**
   * On one connection, calls a channel's handler on each NOTIFY on it until the returned stop is
   * called. Postgres only (null on SQLite, where a short poll does the same). A lost connection is
   * re-made with backoff, and every handler is called after each reconnect, since notifications
   * sent meanwhile are gone.
   */
  listen: ((handlers: Record<string, () => void>) => Promise<() => Promise<void>>) | null;
  close(): Promise<void>;
}

export function openStoreDatabase(settings: DatabaseSettings): StoreDatabase {
  if (!settings.databaseUrl) {
    const sqlite = openDatabase({ path: settings.dbPath });
    return { db: sqlite.db, description: settings.dbPath, listen: null, close: () => sqlite.close() };
  }
  const url = settings.databaseUrl;
  const opened = openPostgres({ url, poolSize: settings.databasePoolSize });
  return {
    db: opened.db,
    description: redactDatabaseUrl(url),
    listen: (handlers) => listenFor(url, handlers),
    close: () => opened.close(),
  };
}

async function listenFor(url: string, handlers: Record<string, () => void>): Promise<() => Promise<void>> {
  const onNotify = () => {
    for (const handler of Object.values(handlers)) handler();
  };
  let stopped = false;
  let client: pg.Client | null = null;
  let retryMs = 250;
  let retry: NodeJS.Timeout | null = null;
  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: url });
    next.on('notification', (message) => handlers[message.channel]?.());
    next.on('error', () => reconnect(next));
    next.on('end', () => reconnect(next));
    await next.connect();
    for (const channel of Object.keys(handlers)) await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    if (stopped) {
      await next.end().catch(() => undefined);
      return;
    }
    client = next;
    retryMs = 250;
  };
  const reconnect = (lost: pg.Client) => {
    if (stopped || client !== lost) return;
    client = null;
    lost.end().catch(() => undefined);
    const attempt = () => {
      retry = null;
      if (stopped) return;
      connect().then(onNotify, () => {
        retryMs = Math.min(retryMs * 2, 10_000);
        retry = setTimeout(attempt, retryMs);
        retry.unref();
      });
    };
    retry = setTimeout(attempt, retryMs);
    retry.unref();
  };
  await connect();
  return async () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    const current = client;
    client = null;
    await current?.end().catch(() => undefined);
  };
}
