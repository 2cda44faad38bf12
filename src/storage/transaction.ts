// Write transactions take SQLite's write lock up front (BEGIN IMMEDIATE). A deferred transaction
// that reads and then writes can fail with SQLITE_BUSY when another process committed in between,
// and busy_timeout cannot save it; an immediate one simply waits its turn.
import { type Kysely, SqliteAdapter, sql } from 'kysely';
import type { Database } from './schema.js';

/** Connections inside a BEGIN IMMEDIATE, so a nested call joins the open transaction. */
const openTransactions = new WeakSet<Kysely<Database>>();

export async function writeTransaction<T>(db: Kysely<Database>, work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  if (!(db.getExecutor().adapter instanceof SqliteAdapter)) {
    return db.transaction().execute((trx) => work(trx));
  }
  if (db.isTransaction || openTransactions.has(db)) return work(db);
  return db.connection().execute(async (conn) => {
    await sql`BEGIN IMMEDIATE`.execute(conn);
    openTransactions.add(conn);
    try {
      const result = await work(conn);
      await sql`COMMIT`.execute(conn);
      return result;
    } catch (error) {
      await sql`ROLLBACK`.execute(conn).catch(() => undefined);
      throw error;
    } finally {
      openTransactions.delete(conn);
    }
  });
}
