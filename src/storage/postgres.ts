// Opens PostgreSQL behind Kysely (DATABASE_URL). bigint columns (seq, sizes, counts) come back as
// JS numbers, as better-sqlite3 gives them: every value the store keeps there is far below 2^53.
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export interface OpenPostgresOptions {
  url: string;
  /** Connections this process may hold (DATABASE_POOL_SIZE); the queue's listener takes one more. */
  poolSize?: number;
}

export interface OpenedPostgres {
  db: Kysely<Database>;
  close(): Promise<void>;
}

export const DefaultPoolSize = 10;

export function openPostgres({ url, poolSize = DefaultPoolSize }: OpenPostgresOptions): OpenedPostgres {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 10_000, idleTimeoutMillis: 30_000 });
  // A client whose server went away emits 'error' (on the pool while idle, on the client while
  // checked out); without a listener that would crash the process. The query in flight still
  // fails with it, and the store treats that as transient.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let closed = false;
  return {
    db,
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}

/** The URL with its password hidden, for logs and `migrate` output. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://…';
  }
}
