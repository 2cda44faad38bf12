// linksnap gc: deletes blobs no artifact references once they are older than the grace period;
// keeps referenced and young ones; a blob found present again is touched, so a capture that is
// about to reference it never loses it; a second run finds nothing more to do. On the file store
// and on the S3 store alike.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { collectGarbage } from '../src/storage/gc.js';
import { captureSnapshot, type CaptureDeps } from '../src/core/capture-job.js';
import { completeSnapshot, createSnapshot, ensureWorkspace, FileBlobStore, getSnapshotById, leaseNextJob, migrateToLatest, upsertLink, type BlobStore } from '../src/storage/index.js';
import { createServiceStore } from '../src/storage/service-store.js';
import { openBlobStore } from '../src/storage/open-blob-store.js';
import { S3BlobStore } from '../src/storage/s3-blob-store.js';
import { backendFixture } from './helpers/databases.js';
import { TestEnv } from './helpers/app.js';
import { startS3StandIn, type S3StandIn } from './stand-ins/s3/s3-server.js';

let s3: S3StandIn;
beforeAll(async () => {
  s3 = await startS3StandIn();
});
afterAll(async () => {
  await s3?.close();
});

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'linksnap-gc-'));
  dirs.push(dir);
  return dir;
}

const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000);

interface Backend {
  blobs: BlobStore;
  /** Makes a blob look written or touched at `when`. */
  age(sha256: string, when: Date): void;
  /** Plants a leftover of an unfinished write next to `sha256`, when the store can have one. */
  leftover(sha256: string, when: Date): string | null;
  env: Record<string, string>;
}

let runs = 0;
const backends: Record<'file' | 's3', (dir: string) => Backend> = {
  file: (dir) => {
    const blobs = new FileBlobStore(path.join(dir, 'blobs'));
    return {
      blobs,
      age: (sha256, when) => fs.utimesSync(blobs.locator(sha256), when, when),
      leftover: (sha256, when) => {
        const stale = path.join(path.dirname(blobs.locator(sha256)), `${sha256}.1.abc.tmp`);
        fs.writeFileSync(stale, 'half');
        fs.utimesSync(stale, when, when);
        return stale;
      },
      env: {},
    };
  },
  s3: () => {
    runs += 1;
    const env = s3.env(`gc-${runs}`);
    const blobs = openBlobStore(loadConfig(env).blobs) as S3BlobStore;
    return { blobs, age: (sha256, when) => s3.age(blobs.key(sha256), when), leftover: () => null, env };
  },
};

/** Files with SQLite as shipped, and the scale-out pair: a bucket with Postgres. */
const Configurations = [
  { db: 'sqlite', blobs: 'file' },
  { db: 'postgres', blobs: 's3' },
] as const;

describe.each(Configurations)('gc on $db with $blobs blobs', ({ db: backend, blobs: name }) => {
  const databases = backendFixture(backend);
  it('deletes only old blobs nothing references, and can run again', async () => {
    const dir = tempDir();
    const { blobs, age, leftover } = backends[name](dir);
    const handle = await databases.open(path.join(dir, 'linksnap.db'));
    try {
      await migrateToLatest(handle.db);
      await ensureWorkspace(handle.db, { id: 'w', platform: 'web' });
      const kept = await blobs.put(Buffer.from('referenced'));
      const orphan = await blobs.put(Buffer.from('nobody uses me'));
      const young = await blobs.put(Buffer.from('just written'));
      const again = await blobs.put(Buffer.from('found present again'));
      for (const blob of [kept, orphan, again]) age(blob.sha256, hoursAgo(3));
      const stale = leftover(orphan.sha256, hoursAgo(3));

      const link = await upsertLink(handle.db, 'w', 'https://gc.test/');
      const snapshot = await createSnapshot(handle.db, { workspaceId: 'w', linkId: link.id, url: link.url });
      await completeSnapshot(handle.db, snapshot.id, {}, [{ kind: 'screenshot', sha256: kept.sha256, size: kept.size, mime: 'image/png' }], { title: null, description: null, url: link.url, text: '' });
      // A capture finds this one already stored: its put touches it, so it is young again.
      await blobs.put(Buffer.from('found present again'));

      const report = await collectGarbage(handle.db, blobs, { graceMs: 3_600_000 });
      // On S3 a touch may leave the listing's LastModified old: it is caught by the final check
      // instead of the first, and counted as neither deleted nor too young.
      expect(report).toMatchObject({ scanned: 4, deleted: 1, deletedBytes: orphan.size, staleTemporaryFiles: stale ? 1 : 0 });
      expect(report.tooYoung).toBeGreaterThanOrEqual(1);
      expect(await blobs.exists(orphan.sha256)).toBe(false);
      if (stale) expect(fs.existsSync(stale)).toBe(false);
      for (const blob of [kept, young, again]) expect(await blobs.exists(blob.sha256)).toBe(true);
      expect((await collectGarbage(handle.db, blobs, { graceMs: 3_600_000 })).deleted).toBe(0);
    } finally {
      await handle.close();
    }
  });

  it('runs from the command line: linksnap gc --grace 0s --json', async () => {
    const dir = tempDir();
    const { blobs, env } = backends[name](dir);
    const orphan = await blobs.put(Buffer.from('left behind'));
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'gc', '--grace', '0s', '--json'], {
      env: { ...process.env, ...TestEnv, ...env, ...(await databases.env()), LINKSNAP_LOG_LEVEL: 'error', LINKSNAP_DATA_DIR: dir },
    });
    expect(JSON.parse(stdout)).toMatchObject({ scanned: 1, deleted: 1 });
    expect(await blobs.exists(orphan.sha256)).toBe(false);
    // With a bucket configured, nothing is kept on the local disk.
    if (name === 's3') expect(fs.existsSync(path.join(dir, 'blobs'))).toBe(false);
  });
});

describe.each(Configurations)('a capture racing gc on $db with $blobs blobs', ({ db: backend, blobs: name }) => {
  const databases = backendFixture(backend);
  it('writes a blob again when gc deleted it between the capture finding it and the commit', async () => {
    const dir = tempDir();
    const { blobs } = backends[name](dir);
    const handle = await databases.open(path.join(dir, 'linksnap.db'));
    try {
      await migrateToLatest(handle.db);
      await ensureWorkspace(handle.db, { id: 'w', platform: 'web' });
      const link = await upsertLink(handle.db, 'w', 'https://race.test/');
      const snapshot = await createSnapshot(handle.db, { workspaceId: 'w', linkId: link.id, url: link.url, job: { maxAttempts: 3 } });
      const lease = (await leaseNextJob(handle.db, 'worker', 60_000))!;
      const png = Buffer.from('an old screenshot, already stored');
      // Stored long ago and referenced by nothing: exactly what gc deletes.
      const { sha256 } = await blobs.put(png);
      // The capture puts it (a touch, since it is present), then gc's delete lands before the commit.
      let raced = false;
      const racing = {
        put: async (data: Buffer) => {
          const stored = await blobs.put(data);
          if (stored.sha256 === sha256 && !raced) {
            raced = true;
            await blobs.delete(sha256);
          }
          return stored;
        },
        exists: (id: string) => blobs.exists(id),
      };
      const output = { kind: 'html', finalUrl: link.url, httpStatus: 200, contentType: 'text/html', metadata: { title: 'Race' }, degraded: false, degradedReason: null, partial: false, blockedRequests: [], artifacts: { screenshot: { data: png, mime: 'image/png' } }, text: 'race', consent: null, timings: {}, dropped: [] };
      const deps = { blobs: racing, limits: { captureTimeoutMs: 10_000 }, logger: () => undefined, captureUrl: async () => output } as unknown as CaptureDeps;
      const stored = await getSnapshotById(handle.db, snapshot.id);
      await captureSnapshot(deps, createServiceStore(handle.db), stored, new AbortController().signal, { jobId: lease.id, owner: 'worker' });
      const done = await getSnapshotById(handle.db, snapshot.id);
      expect(done.status).toBe('done');
      expect(done.artifacts.screenshot?.sha256).toBe(sha256);
      expect(raced).toBe(true);
      // Referenced and present: the next gc keeps it.
      expect((await blobs.read(sha256)).equals(png)).toBe(true);
      expect((await collectGarbage(handle.db, blobs, { graceMs: 0 })).deleted).toBe(0);
    } finally {
      await handle.close();
    }
  });
});
