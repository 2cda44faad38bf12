// linksnap gc: deletes blob files no artifact references once they are older than the grace
// period; keeps referenced and young files; a blob found present again is touched, so a
// capture that is about to reference it never loses it; a second run finds nothing more to do.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, expect, it } from 'vitest';
import { collectGarbage } from '../src/storage/gc.js';
import { completeSnapshot, createSnapshot, ensureWorkspace, FileBlobStore, migrateToLatest, openDatabase, upsertLink } from '../src/storage/index.js';
import { TestEnv } from './helpers/app.js';

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

it('deletes only old files nothing references, and can run again', async () => {
  const dir = tempDir();
  const handle = openDatabase({ path: path.join(dir, 'linksnap.db') });
  try {
    await migrateToLatest(handle.db);
    await ensureWorkspace(handle.db, { id: 'w', platform: 'web' });
    const blobs = new FileBlobStore(path.join(dir, 'blobs'));
    const kept = await blobs.put(Buffer.from('referenced'));
    const orphan = await blobs.put(Buffer.from('nobody uses me'));
    const young = await blobs.put(Buffer.from('just written'));
    const again = await blobs.put(Buffer.from('found present again'));
    for (const blob of [kept, orphan, again]) fs.utimesSync(blob.path, hoursAgo(3), hoursAgo(3));
    const stale = path.join(path.dirname(orphan.path), `${orphan.sha256}.1.abc.tmp`);
    fs.writeFileSync(stale, 'half');
    fs.utimesSync(stale, hoursAgo(3), hoursAgo(3));

    const link = await upsertLink(handle.db, 'w', 'https://gc.test/');
    const snapshot = await createSnapshot(handle.db, { workspaceId: 'w', linkId: link.id, url: link.url });
    await completeSnapshot(handle.db, snapshot.id, {}, [{ kind: 'screenshot', sha256: kept.sha256, size: kept.size, mime: 'image/png' }], { title: null, description: null, url: link.url, text: '' });
    // A capture finds this one already stored: its put touches it, so it is young again.
    await blobs.put(Buffer.from('found present again'));

    const report = await collectGarbage(handle.db, blobs, { graceMs: 3_600_000 });
    expect(report).toMatchObject({ scanned: 4, deleted: 1, tooYoung: 2, staleTemporaryFiles: 1 });
    expect(fs.existsSync(orphan.path)).toBe(false);
    expect(fs.existsSync(stale)).toBe(false);
    for (const blob of [kept, young, again]) expect(fs.existsSync(blob.path)).toBe(true);
    expect((await collectGarbage(handle.db, blobs, { graceMs: 3_600_000 })).deleted).toBe(0);
  } finally {
    await handle.close();
  }
});

it('runs from the command line: linksnap gc --grace 0s --json', async () => {
  const dir = tempDir();
  const blobs = new FileBlobStore(path.join(dir, 'blobs'));
  const orphan = await blobs.put(Buffer.from('left behind'));
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'gc', '--grace', '0s', '--json'], {
    env: { ...process.env, ...TestEnv, LINKSNAP_LOG_LEVEL: 'error', LINKSNAP_DATA_DIR: dir },
  });
  expect(JSON.parse(stdout)).toMatchObject({ scanned: 1, deleted: 1 });
  expect(fs.existsSync(orphan.path)).toBe(false);
});
