import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { announceJob, JobsChannel } from '../src/storage/jobs.js';
import { openStoreDatabase } from '../src/storage/open-database.js';
import { SnapshotsChannel } from '../src/storage/snapshots.js';
import { NotFoundError } from '../src/core/errors.js';
import { JobPriority } from '../src/core/queue.js';
import {
  completeCapture,
  completeJob,
  countJobs,
  createSnapshot,
  enqueueJob,
  ensureWorkspace,
  failJob,
  getJob,
  leaseNextJob,
  migrateToLatest,
  releaseJob,
  renewLease,
  upsertLink,
  type Db,
} from '../src/storage/index.js';
import { Backends, backendFixture, type TestDatabase } from './helpers/databases.js';

describe.each(Backends)('on %s', (backend) => {
  const databases = backendFixture(backend);

  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const opened: TestDatabase[] = [];
  const targets = new Map<Db, string>();
  const dirs: string[] = [];

  afterEach(async () => {
    for (const handle of opened.splice(0)) await handle.close();
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function open(file = ':memory:'): Promise<Db> {
    const handle = await databases.open(file);
    opened.push(handle);
    targets.set(handle.db, handle.target);
    await migrateToLatest(handle.db);
    return handle.db;
  }

  async function queuedSnapshots(db: Db, count: number, maxAttempts = 3, now = new Date('2025-01-01T00:00:00.000Z')): Promise<string[]> {
    await ensureWorkspace(db, { id: 'local', platform: 'web' });
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const link = await upsertLink(db, 'local', `https://jobs.test/${i}`);
      const snapshot = await createSnapshot(db, { workspaceId: 'local', linkId: link.id, url: link.url, now: new Date(now.getTime() + i), job: { maxAttempts } });
      ids.push(snapshot.id);
    }
    return ids;
  }

  const at = (iso: string) => new Date(iso);

  if (backend === 'postgres') {
    it('announces a queued job and a finished capture to listening processes by NOTIFY', async () => {
      const db = await open();
      const listener = openStoreDatabase({ dbPath: '', databaseUrl: targets.get(db)! });
      const heard: string[] = [];
      const stop = await listener.listen!({ [JobsChannel]: () => heard.push('job'), [SnapshotsChannel]: () => heard.push('snapshot') });
      try {
        const [snapshotId] = await queuedSnapshots(db, 1);
        await announceJob(db);
        await vi.waitFor(() => expect(heard).toContain('job'));
        heard.length = 0;
        // A job queued again (a retry, a recapture) announces itself.
        await enqueueJob(db, snapshotId, 3);
        await vi.waitFor(() => expect(heard).toContain('job'));
        expect(heard).not.toContain('snapshot');
        const job = (await leaseNextJob(db, 'w', 60_000))!;
        await completeCapture(db, { jobId: job.id, owner: 'w' }, snapshotId, {}, [], { title: null, description: null, url: 'u', text: '' });
        await vi.waitFor(() => expect(heard).toContain('snapshot'));
      } finally {
        await stop();
        await listener.close();
      }
    });
  }

  describe('capture jobs', () => {
    it('leases fairly between workspaces: a flood in one never holds back another workspace, and an asked-for capture goes first', async () => {
      const db = await open();
      const t0 = at('2025-01-01T00:00:00.000Z');
      for (const id of ['flood', 'quiet']) await ensureWorkspace(db, { id, platform: 'discord' });
      const add = async (workspaceId: string, name: string, offsetMs: number, priority: number) => {
        const link = await upsertLink(db, workspaceId, `https://fair.test/${name}`);
        return (await createSnapshot(db, { workspaceId, linkId: link.id, url: link.url, now: new Date(t0.getTime() + offsetMs), job: { maxAttempts: 3, priority } })).id;
      };
      for (let i = 0; i < 50; i++) await add('flood', `f${i}`, i, 1);
      const now = at('2025-01-01T00:01:00.000Z');
      const first = await leaseNextJob(db, 'w1', 60_000, now);
      const second = await leaseNextJob(db, 'w2', 60_000, now);
      // The quiet workspace's /snap arrives after 50 queued links; it is the very next lease.
      const snap = await add('quiet', 'asked', 1_000, 0);
      const third = await leaseNextJob(db, 'w3', 60_000, now);
      expect([first, second].every((job) => job !== null)).toBe(true);
      expect(third?.snapshotId).toBe(snap);
      // Within one workspace an asked-for capture goes before the links from messages queued earlier.
      const asked = await add('flood', 'asked', 2_000, 0);
      await completeJob(db, third!.id);
      expect((await leaseNextJob(db, 'w4', 60_000, now))?.snapshotId).toBe(asked);
    });


    it('leases due jobs oldest first, one owner each, and finishes them', async () => {
      const db = await open();
      const [first, second] = await queuedSnapshots(db, 2);
      const now = at('2025-01-01T00:01:00.000Z');
      const a = await leaseNextJob(db, 'worker-a', 60_000, now);
      const b = await leaseNextJob(db, 'worker-b', 60_000, now);
      expect(a).toMatchObject({ snapshotId: first, attempts: 1, maxAttempts: 3 });
      expect(b).toMatchObject({ snapshotId: second, attempts: 1 });
      expect(await leaseNextJob(db, 'worker-c', 60_000, now)).toBeNull();
      expect(await countJobs(db)).toEqual({ queued: 0, leased: 2, done: 0, failed: 0 });

      await completeJob(db, a!.id);
      await failJob(db, b!.id, 'The browser crashed', null);
      expect(await countJobs(db)).toEqual({ queued: 0, leased: 0, done: 1, failed: 1 });
      expect((await getJob(db, b!.id)).last_error).toBe('The browser crashed');
      await expect(completeJob(db, 'missing')).rejects.toBeInstanceOf(NotFoundError);
    });

    it('does not lease a job before its retry time', async () => {
      const db = await open();
      await queuedSnapshots(db, 1);
      const job = (await leaseNextJob(db, 'w', 60_000, at('2025-01-01T00:00:10.000Z')))!;
      await failJob(db, job.id, 'DNS failed', at('2025-01-01T00:05:00.000Z'));
      expect(await leaseNextJob(db, 'w', 60_000, at('2025-01-01T00:04:59.999Z'))).toBeNull();
      expect(await leaseNextJob(db, 'w', 60_000, at('2025-01-01T00:05:00.000Z'))).toMatchObject({ id: job.id, attempts: 2 });
    });

    it('leases a job again once the lease of a dead owner expired, and only then', async () => {
      const db = await open();
      await queuedSnapshots(db, 1);
      const t0 = at('2025-01-01T00:01:00.000Z');
      const dead = (await leaseNextJob(db, 'dead', 30_000, t0))!;
      expect(await leaseNextJob(db, 'alive', 30_000, at('2025-01-01T00:01:29.999Z'))).toBeNull();
      expect(await renewLease(db, dead.id, 'dead', 30_000, at('2025-01-01T00:01:20.000Z'))).toBe(true);
      expect(await leaseNextJob(db, 'alive', 30_000, at('2025-01-01T00:01:49.999Z'))).toBeNull();
      const again = await leaseNextJob(db, 'alive', 30_000, at('2025-01-01T00:01:50.000Z'));
      expect(again).toMatchObject({ id: dead.id, attempts: 2 });
      // The old owner has lost it: it can neither renew nor release it.
      expect(await renewLease(db, dead.id, 'dead', 30_000, at('2025-01-01T00:01:51.000Z'))).toBe(false);
      await releaseJob(db, dead.id, 'dead');
      expect((await getJob(db, dead.id)).lease_owner).toBe('alive');
    });

    it('gives a released job back at once without counting the attempt', async () => {
      const db = await open();
      await queuedSnapshots(db, 1);
      const now = at('2025-01-01T00:01:00.000Z');
      const job = (await leaseNextJob(db, 'w', 60_000, now))!;
      await releaseJob(db, job.id, 'w', now);
      expect(await leaseNextJob(db, 'w2', 60_000, now)).toMatchObject({ id: job.id, attempts: 1 });
      const other = await enqueueJob(db, (await getJob(db, job.id)).snapshot_id, 2, now);
      expect(await leaseNextJob(db, 'w3', 60_000, now)).toMatchObject({ id: other, attempts: 1, maxAttempts: 2 });
    });

    if (backend === 'postgres') {
      // (On SQLite a claim takes the database's write lock first, so claims never overlap.)
      it('never runs two imported captures of one host at once, even when workers claim at the same instant', async () => {
        const db = await open();
        const target = targets.get(db)!;
        // Connections of their own, as other worker processes have.
        const workers = Array.from({ length: 6 }, () => openStoreDatabase({ dbPath: '', databaseUrl: target }));
        try {
          await ensureWorkspace(db, { id: 'local', platform: 'web' });
          const hosts = 30;
          const t0 = at('2025-01-01T00:00:00.000Z');
          for (let h = 0; h < hosts; h++) {
            for (let i = 0; i < 3; i++) {
              const link = await upsertLink(db, 'local', `https://host${h}.test/${i}`);
              await createSnapshot(db, { workspaceId: 'local', linkId: link.id, url: link.url, now: new Date(t0.getTime() + h * 10 + i), job: { maxAttempts: 3, priority: JobPriority.imported } });
            }
          }
          const now = at('2025-01-01T01:00:00.000Z');
          let claims = 0;
          for (let round = 0; round < hosts * 3; round++) {
            const all = await Promise.all(workers.map((worker, i) => leaseNextJob(worker.db, `w${i}`, 600_000, now)));
            claims += all.filter((job) => job !== null).length;
            if (all.every((job) => job === null)) break;
          }
          const running = await db.selectFrom('jobs').select(['host', (eb) => eb.fn.countAll<number>().as('n')]).where('status', '=', 'leased').groupBy('host').execute();
          // Every host has exactly one capture running, none two.
          expect(running.map((row) => `${row.host} ${row.n}`).sort()).toEqual(Array.from({ length: hosts }, (_, h) => `host${h}.test 1`).sort());
          expect(claims).toBe(hosts);
        } finally {
          for (const worker of workers) await worker.close();
        }
      });
    }

    it('never hands one job to two processes leasing from the same database at once', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'linksnap-jobs-'));
      dirs.push(dir);
      const file = path.join(dir, 'jobs.db');
      const jobCount = 300;
      const db = await open(file);
      await queuedSnapshots(db, jobCount);

      const script = path.join(dir, 'lease-worker.mts');
      fs.writeFileSync(
        script,
        `import fs from 'node:fs';
  import { leaseNextJob } from ${JSON.stringify(path.join(repoRoot, 'src/storage/index.ts'))};
  import { openStoreDatabase } from ${JSON.stringify(path.join(repoRoot, 'src/storage/open-database.ts'))};
  const [target, owner, dir] = process.argv.slice(2);
  const postgres = target.startsWith('postgres');
  const { db, close } = openStoreDatabase({ dbPath: postgres ? '' : target, databaseUrl: postgres ? target : null });
  fs.writeFileSync(dir + '/ready-' + owner, '');
  // Start together, so the two processes really contend for the same rows.
  while (fs.readdirSync(dir).filter((name) => name.startsWith('ready-')).length < 2) await new Promise((r) => setTimeout(r, 5));
  const leased = [];
  for (;;) {
    const job = await leaseNextJob(db, owner, 600000, new Date('2025-01-01T01:00:00.000Z'));
    if (!job) break;
    leased.push(job.id);
  }
  await close();
  process.stdout.write(JSON.stringify(leased));
  `,
      );
      const run = (owner: string) =>
        new Promise<string[]>((resolve, reject) => {
          const child = spawn(process.execPath, ['--import', 'tsx', script, targets.get(db)!, owner, dir], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
          let out = '';
          let err = '';
          child.stdout.on('data', (chunk) => (out += chunk));
          child.stderr.on('data', (chunk) => (err += chunk));
          child.on('error', reject);
          child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as string[]) : reject(new Error(`worker ${owner} exited ${code}: ${err}`))));
        });
      const [a, b] = await Promise.all([run('a'), run('b')]);
      const overlap = a.filter((id) => b.includes(id));
      expect(overlap).toEqual([]);
      expect(new Set([...a, ...b]).size).toBe(jobCount);
      expect(a.length + b.length).toBe(jobCount);
      const owners = await db.selectFrom('jobs').select(['lease_owner', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('lease_owner').execute();
      expect(owners.reduce((sum, row) => sum + Number(row.n), 0)).toBe(jobCount);
      expect(owners.find((row) => row.lease_owner === 'a')?.n ?? 0).toBe(a.length);
    });
  });
});
