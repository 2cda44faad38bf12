// Opens the SQLite database behind Kysely. WAL lets the web page read while a capture writes;
// busy_timeout makes a second process (CLI next to the server) wait for the write lock instead of
// failing at once; foreign keys drive the cascades that deleting a link relies on.
import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from './schema.js';

export interface OpenDatabaseOptions {
  /** File path, or `:memory:` for tests. */
  path: string;
  busyTimeoutMs?: number;
}

export interface OpenedDatabase {
  db: Kysely<Database>;
  sqlite: SqliteDatabase.Database;
  close(): Promise<void>;
}

export const DefaultBusyTimeoutMs = 5_000;

export function openDatabase({ path: file, busyTimeoutMs = DefaultBusyTimeoutMs }: OpenDatabaseOptions): OpenedDatabase {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new SqliteDatabase(file);
  sqlite.pragma(`busy_timeout = ${Math.max(0, Math.round(busyTimeoutMs))}`);
  if (file !== ':memory:') sqlite.pragma('journal_mode = WAL');
  // NORMAL is durable across application crashes under WAL; only a power loss may drop the last commits.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  let closed = false;
  return {
    db,
    sqlite,
    async close() {
      if (closed) return;
      closed = true;
      // Kysely's destroy closes the better-sqlite3 handle too.
      await db.destroy();
    },
  };
}
