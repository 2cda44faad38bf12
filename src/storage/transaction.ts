// Write transactions are serialised, so a read-then-write inside one (the next seq, a fair pick,
// "is this blob still referenced") sees no other writer in between. SQLite: BEGIN IMMEDIATE takes
// the write lock up front (a deferred transaction that reads and then writes can fail with
// SQLITE_BUSY when another process committed in between, and busy_timeout cannot save it).
// Postgres: a transaction-scoped advisory lock gives every process on the database the same
// guarantee; these transactions are short (rows only, never a blob or a page load), and the hot
// path of many workers, claiming a job, does not take it (see jobs.ts: FOR UPDATE SKIP LOCKED).
import { type Kysely, sql } from 'kysely';
import { isPostgres } from './dialect.js';
import type { Database } from './schema.js';

/** Any 64-bit number no other application on the database uses for an advisory lock. */
export const WriteLockKey = 0x6c6e6b73_6e6170n; // "lnksnap"

/** Connections inside a BEGIN IMMEDIATE, so a nested call joins the open transaction. */
const openTransactions = new WeakSet<Kysely<Database>>();

export async function writeTransaction<T>(db: Kysely<Database>, work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  if (db.isTransaction || openTransactions.has(db)) return work(db);
  if (isPostgres(db)) {
    return db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${sql.lit(WriteLockKey.toString())}::bigint)`.execute(trx);
      return work(trx);
    });
  }
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
