// A capture's result counts once, and only from the worker holding the job's lease: the snapshot
// and the job's completion are one transaction, a lost lease aborts the capture and writes nothing,
// and a store that fails under a good capture sends the job back instead of failing the snapshot.
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseLostError } from '../src/core/errors.js';
import { silentLogger } from '../src/core/logger.js';
import { JobRunner } from '../src/core/queue.js';
import {
  completeCapture,
  createSnapshot,
  deleteLink,
  ensureWorkspace,
  failCapture,
  getJob,
  getSnapshotById,
  leaseNextJob,
  migrateToLatest,
  openDatabase,
  releaseJob,
  renewLease,
  upsertLink,
  type Db,
} from '../src/storage/index.js';
import { startFixtureServer, type FixtureServer } from './helpers/fixture-server.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { Backends, backendFixture } from './helpers/databases.js';
import { WriteLockKey } from '../src/storage/transaction.js';

const search = { title: 'T', description: null, url: 'https://once.test/', text: 'text' };

async function queued(db: Db, url = 'https://once.test/') {
  const link = await upsertLink(db, 'w', url);
  const snapshot = await createSnapshot(db, { workspaceId: 'w', linkId: link.id, url: link.url, job: { maxAttempts: 3 } });
  return { link, snapshot };
}

describe.each(Backends)('on %s', (backend) => {
  const databases = backendFixture(backend);

  async function memory(): Promise<{ db: Db; close: () => Promise<void> }> {
    const handle = await databases.open();
    await migrateToLatest(handle.db);
    await ensureWorkspace(handle.db, { id: 'w', platform: 'web' });
    return { db: handle.db, close: () => handle.close() };
  }

  describe('results are written by the lease holder only', () => {
    it('completes a job and its snapshot together, and refuses a worker whose lease was taken over', async () => {
      const { db, close } = await memory();
      try {
        const { snapshot } = await queued(db);
        const t0 = new Date();
        const first = (await leaseNextJob(db, 'worker-a', 1_000, t0))!;
        // worker-a stalls past its lease; worker-b takes the job over.
        const second = (await leaseNextJob(db, 'worker-b', 60_000, new Date(t0.getTime() + 2_000)))!;
        expect(second.id).toBe(first.id);
        expect(await renewLease(db, first.id, 'worker-a', 1_000)).toBe(false);

        const artifacts = [{ kind: 'screenshot' as const, sha256: 'c'.repeat(64), size: 10, mime: 'image/png' }];
        expect(await completeCapture(db, { jobId: first.id, owner: 'worker-a' }, snapshot.id, { title: 'from a' }, artifacts, search)).toBe(false);
        expect(await failCapture(db, { jobId: first.id, owner: 'worker-a' }, snapshot.id, { message: 'late', code: 'capture_failed' }, null)).toBe(false);
        let stored = await getSnapshotById(db, snapshot.id);
        expect(stored.status).toBe('queued');
        expect(stored.artifacts).toEqual({});

        expect(await completeCapture(db, { jobId: first.id, owner: 'worker-b' }, snapshot.id, { title: 'from b' }, artifacts, search)).toBe(true);
        stored = await getSnapshotById(db, snapshot.id);
        expect(stored).toMatchObject({ status: 'done', title: 'from b' });
        expect((await getJob(db, first.id)).status).toBe('done');
        // Once done, nobody can record again: a done snapshot never flips back.
        expect(await failCapture(db, { jobId: first.id, owner: 'worker-b' }, snapshot.id, { message: 'x', code: 'capture_failed' }, null)).toBe(false);
        expect((await getSnapshotById(db, snapshot.id)).status).toBe('done');
      } finally {
        await close();
      }
    });

    it('writes nothing for a capture whose link was forgotten meanwhile', async () => {
      const { db, close } = await memory();
      try {
        const { link, snapshot } = await queued(db);
        const job = (await leaseNextJob(db, 'worker', 60_000))!;
        await deleteLink(db, 'w', link.id);
        expect(await completeCapture(db, { jobId: job.id, owner: 'worker' }, snapshot.id, {}, [{ kind: 'text', sha256: 'd'.repeat(64), size: 1, mime: 'text/plain' }], search)).toBe(false);
        expect((await db.selectFrom('artifacts').selectAll().execute()).length).toBe(0);
      } finally {
        await close();
      }
    });
  });

  describe('the runner', () => {
    it('aborts a capture at once when a renewal says the lease is gone', async () => {
      const { db, close } = await memory();
      try {
        await queued(db);
        let reason: unknown = null;
        let stolen = false;
        const runner = new JobRunner({
          source: {
            leaseNextJob: (owner, leaseMs) => (stolen ? Promise.resolve(null) : leaseNextJob(db, owner, leaseMs)),
            renewLease: (jobId, owner, leaseMs) => renewLease(db, jobId, owner, leaseMs),
            releaseJob: (jobId, owner) => releaseJob(db, jobId, owner),
          },
          run: async (job, signal) => {
            // Another worker takes the job over, as after this one stalled past its lease.
            await leaseNextJob(db, 'thief', 60_000, new Date(Date.now() + 10 * 60_000));
            stolen = true;
            expect((await getJob(db, job.id)).lease_owner).toBe('thief');
            await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
            reason = signal.reason;
          },
          owner: 'runner',
          concurrency: 1,
          leaseMs: 1_500,
          pollMs: 50,
          logger: silentLogger,
        });
        runner.start();
        for (let i = 0; i < 200 && reason === null; i += 1) await new Promise((resolve) => setTimeout(resolve, 25));
        await runner.stop(100);
        expect(reason).toBeInstanceOf(LeaseLostError);
      } finally {
        await close();
      }
    });
  });
});

describe('a store that fails under a good capture', () => {
  let fixtures: FixtureServer;
  let t: TestApp;
  beforeAll(async () => {
    fixtures = await startFixtureServer();
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
    await fixtures?.close();
  });

  it('sends the job back to the queue instead of marking the snapshot failed, then finishes it', { timeout: 90_000 }, async () => {
    const accepted = await t.service.snap({
      url: fixtures.url('/slow?ms=1500&store=busy'),
      workspace: { id: 'local', platform: 'web' },
      requester: { id: 'tester' },
      source: { platform: 'web' },
    });
    const reader = openDatabase({ path: t.config.dbPath });
    try {
      for (let i = 0; i < 400 && (await getSnapshotById(reader.db, accepted.snapshot.id)).status !== 'capturing'; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      // Another process holds the write lock from before the page is captured until longer than the
      // store waits for it (busy_timeout 5 s) after, so writing the result meets SQLITE_BUSY.
      const locker = new SqliteDatabase(t.config.dbPath);
      locker.exec('BEGIN IMMEDIATE');
      for (let i = 0; i < 2_400 && !t.logs.some((event) => event.message === 'Captured a page'); i += 1) await new Promise((resolve) => setTimeout(resolve, 25));
      await new Promise((resolve) => setTimeout(resolve, 6_500));
      locker.exec('ROLLBACK');
      locker.close();
      const done = await t.service.waitFor(accepted.snapshot.id);
      expect(done.status).toBe('done');
      expect(t.logs.some((event) => event.message === 'The store failed under a capture; the job goes back to the queue')).toBe(true);
      expect(t.logs.some((event) => event.message === 'Capture failed')).toBe(false);
    } finally {
      await reader.close();
    }
  });
});

describe('a Postgres connection lost under a good capture', () => {
  const databases = backendFixture('postgres');
  let fixtures: FixtureServer;
  let t: TestApp;
  let url: string;
  beforeAll(async () => {
    fixtures = await startFixtureServer();
    const env = await databases.env();
    url = env.DATABASE_URL;
    t = await startTestApp({ env });
  });
  afterAll(async () => {
    await t?.close();
    await fixtures?.close();
  });

  it('sends the job back to the queue instead of marking the snapshot failed, then finishes it', { timeout: 90_000 }, async () => {
    const accepted = await t.service.snap({
      url: fixtures.url('/slow?ms=1500&store=lost'),
      workspace: { id: 'local', platform: 'web' },
      requester: { id: 'tester' },
      source: { platform: 'web' },
    });
    for (let i = 0; i < 400 && (await t.service.getSnapshot('local', accepted.snapshot.id)).status !== 'capturing'; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    // Another session holds the store's write lock while the page is captured; the write of the
    // result waits for it, and its connection is then cut by the server, as in a failover.
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query('SELECT pg_advisory_lock($1::bigint)', [WriteLockKey.toString()]);
      for (let i = 0; i < 2_400 && !t.logs.some((event) => event.message === 'Captured a page'); i += 1) await new Promise((resolve) => setTimeout(resolve, 25));
      let cut = 0;
      for (let i = 0; i < 400 && !t.logs.some((event) => event.message === 'The store failed under a capture; the job goes back to the queue'); i += 1) {
        const waiting = await admin.query(`SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND pid <> pg_backend_pid()`);
        for (const row of waiting.rows) cut += (await admin.query('SELECT pg_terminate_backend($1)', [row.pid])).rowCount ?? 0;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect(cut).toBeGreaterThan(0);
      await admin.query('SELECT pg_advisory_unlock($1::bigint)', [WriteLockKey.toString()]);
    } finally {
      await admin.end();
    }
    const done = await t.service.waitFor(accepted.snapshot.id);
    expect(done.status).toBe('done');
    expect(t.logs.some((event) => event.message === 'The store failed under a capture; the job goes back to the queue')).toBe(true);
    expect(t.logs.some((event) => event.message === 'Capture failed')).toBe(false);
  });
});
