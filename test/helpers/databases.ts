// The two backends every storage and service test runs on: an in-memory SQLite database, and a
// fresh database on a real PostgreSQL server that this test file starts (see postgres.ts).
import { afterAll, beforeAll } from 'vitest';
import { openDatabase } from '../../src/storage/db.js';
import type { Db } from '../../src/storage/schema.js';
import { openPostgres } from '../../src/storage/postgres.js';
import { startTestPostgres, type TestPostgres } from './postgres.js';

export type Backend = 'sqlite' | 'postgres';
export const Backends: Backend[] = ['sqlite', 'postgres'];

export interface TestDatabase {
  db: Db;
  /** What another process opens to reach the same database: a Postgres URL, or the SQLite path. */
  target: string;
  close(): Promise<void>;
}

export interface BackendFixture {
  /** A new, empty (unmigrated) database; on SQLite in memory unless a file is given. */
  open(file?: string): Promise<TestDatabase>;
  /** Settings that point a whole app at a new, empty database: DATABASE_URL on Postgres, nothing on SQLite. */
  env(): Promise<Record<string, string>>;
}

/** Call at collection time inside the describe block of `backend`: on Postgres it starts the server for that block. */
export function backendFixture(backend: Backend): BackendFixture {
  let server: TestPostgres | null = null;
  if (backend === 'postgres') {
    beforeAll(async () => {
      server = await startTestPostgres();
    });
    afterAll(async () => {
      await server?.close();
    });
  }
  const postgres = () => {
    if (!server) throw new Error('the test PostgreSQL server did not start (see the beforeAll error)');
    return server;
  };
  return {
    async open(file = ':memory:') {
      if (backend === 'sqlite') {
        const handle = openDatabase({ path: file });
        return { db: handle.db, target: file, close: () => handle.close() };
      }
      const url = await postgres().createDatabase();
      const handle = openPostgres({ url });
      return { db: handle.db, target: url, close: () => handle.close() };
    },
    async env() {
      const env: Record<string, string> = backend === 'postgres' ? { DATABASE_URL: await postgres().createDatabase() } : {};
      return env;
    },
  };
}
