// Retention and gc together, on a real store and real blob files: keep the newest N versions of
// each link, drop full-page screenshots after D days; blobs go only when no row references them
// (a blob an old version shares with a kept one stays), shares of removed versions move to the
// oldest kept one, a version still being captured or waited on by a watch is never removed, and a
// second run finds nothing more. On SQLite and on Postgres.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { collectGarbage } from '../src/storage/gc.js';
import {
  completeSnapshot,
  createShare,
  createSnapshot,
  ensureWorkspace,
  FileBlobStore,
  listShares,
  listVersions,
  migrateToLatest,
  updateSettings,
  updateSnapshot,
  upsertLink,
  type Db,
} from '../src/storage/index.js';
import { applyRetention } from '../src/storage/retention.js';
import { finishWatchRun, putWatch, setWatchPending } from '../src/storage/watches.js';
import { Backends, backendFixture } from './helpers/databases.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const DayMs = 86_400_000;

describe.each(Backends)('retention on %s', (backend) => {
  const databases = backendFixture(backend);

  it('keeps the newest versions and recent full pages, and gc deletes only what nothing references', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'linksnap-retention-'));
    dirs.push(dir);
    const blobs = new FileBlobStore(path.join(dir, 'blobs'));
    const handle = await databases.open(path.join(dir, 'linksnap.db'));
    const db: Db = handle.db;
    try {
      await migrateToLatest(db);
      await ensureWorkspace(db, { id: 'w', platform: 'slack' });
      await ensureWorkspace(db, { id: 'keep-all', platform: 'slack' });
      const link = await upsertLink(db, 'w', 'https://harbour.test/notices');
      const now = Date.now();
      /** A done version captured `daysAgo`, with its own screenshot and full page and a text shared by every version. */
      const version = async (workspaceId: string, linkId: string, daysAgo: number, label: string) => {
        const at = new Date(now - daysAgo * DayMs);
        const snapshot = await createSnapshot(db, { workspaceId, linkId, url: 'https://harbour.test/notices', now: at });
        const screenshot = await blobs.put(Buffer.from(`screenshot ${label}`));
        const fullpage = await blobs.put(Buffer.from(`full page ${label}`));
        const text = await blobs.put(Buffer.from('the same words every time'));
        await completeSnapshot(
          db,
          snapshot.id,
          { title: label, capturedAt: at.toISOString() },
          [
            { kind: 'screenshot', sha256: screenshot.sha256, size: screenshot.size, mime: 'image/png' },
            { kind: 'fullpage', sha256: fullpage.sha256, size: fullpage.size, mime: 'image/jpeg' },
            { kind: 'text', sha256: text.sha256, size: text.size, mime: 'text/plain' },
          ],
          { title: label, description: null, url: 'https://harbour.test/notices', text: 'the same words every time' },
        );
        return { id: snapshot.id, screenshot: screenshot.sha256, fullpage: fullpage.sha256, text: text.sha256 };
      };
      const v1 = await version('w', link.id, 50, 'v1');
      const v2 = await version('w', link.id, 40, 'v2');
      const v3 = await version('w', link.id, 20, 'v3');
      const v4 = await version('w', link.id, 1, 'v4');
      const share = await createShare(db, { workspaceId: 'w', linkId: link.id, snapshotId: v1.id, platform: 'slack', userId: 'U1', userName: null, channelId: 'C1', channelName: null, channelPrivate: false, messageId: '1.1', auto: true, messageText: 'look', replyTo: null, createdAt: new Date(now - 50 * DayMs) });
      // A watch waits on v2's capture: it stays, though it is old.
      const { watch } = await putWatch(db, { workspaceId: 'w', linkId: link.id, platform: 'slack', channelId: 'C1', channelName: null, channelPrivate: false, every: 'daily', createdBy: 'U1', nextRunAt: new Date(now + DayMs), now: new Date(now) });
      await setWatchPending(db, watch.id, v2.id);
      // Another workspace keeps everything: nothing of it goes.
      const other = await upsertLink(db, 'keep-all', 'https://harbour.test/notices');
      const o1 = await version('keep-all', other.id, 60, 'o1');
      await version('keep-all', other.id, 59, 'o2');
      await version('keep-all', other.id, 58, 'o3');

      // v2 was compared with v1, v3 with v2.
      await updateSnapshot(db, v2.id, { change: { previousId: v1.id, previousCapturedAt: null, changed: true, added: 1, removed: 0 } });
      await updateSnapshot(db, v3.id, { change: { previousId: v2.id, previousCapturedAt: null, changed: true, added: 2, removed: 1 } });
      await updateSettings(db, 'w', { keepVersions: 2, dropFullPageAfterDays: 30 });
      const report = await applyRetention(db, new Date(now));
      expect(report).toEqual({ workspaces: 1, versionsDeleted: 1, fullPagesDropped: 1 });
      const kept = await listVersions(db, 'w', link.id);
      expect(kept.map((snapshot) => snapshot.id)).toEqual([v4.id, v3.id, v2.id]);
      // v3 is 20 days old and keeps its full page; v2 (40 days, kept for its watch) loses it.
      expect(kept.find((s) => s.id === v3.id)?.artifacts.fullpage?.sha256).toBe(v3.fullpage);
      expect(kept.find((s) => s.id === v2.id)?.artifacts.fullpage).toBeUndefined();
      expect(kept.find((s) => s.id === v2.id)?.artifacts.screenshot?.sha256).toBe(v2.screenshot);
      // v1 is gone, so v2 has nothing to be compared with any more; v3's comparison with v2 stays.
      expect(kept.find((s) => s.id === v2.id)?.change).toBeNull();
      expect(kept.find((s) => s.id === v3.id)?.change).toMatchObject({ previousId: v2.id, added: 2 });
      // The share of the removed version points at the oldest kept one: who shared it where is not lost.
      expect((await listShares(db, 'w', link.id)).map((s) => ({ id: s.id, snapshotId: s.snapshotId }))).toEqual([{ id: share.id, snapshotId: v3.id }]);
      expect(await listVersions(db, 'keep-all', other.id)).toHaveLength(3);

      // Run again (as after a crash half-way): nothing more to remove.
      expect(await applyRetention(db, new Date(now))).toEqual({ workspaces: 1, versionsDeleted: 0, fullPagesDropped: 0 });

      const gc = await collectGarbage(db, blobs, { graceMs: 0 });
      expect(gc.deleted).toBe(3); // v1's screenshot and full page, v2's full page
      expect(await blobs.exists(v1.screenshot)).toBe(false);
      expect(await blobs.exists(v1.fullpage)).toBe(false);
      expect(await blobs.exists(v2.fullpage)).toBe(false);
      // Shared with kept versions, or referenced: still there.
      expect(await blobs.exists(v1.text)).toBe(true);
      expect(await blobs.exists(v2.screenshot)).toBe(true);
      expect(await blobs.exists(v3.fullpage)).toBe(true);
      expect(await blobs.exists(o1.fullpage)).toBe(true);

      // Once the watch no longer waits on v2, it goes too.
      await finishWatchRun(db, watch.id, v2.id, { failed: false, tellFailingAt: 3 });
      expect((await applyRetention(db, new Date(now))).versionsDeleted).toBe(1);
      expect((await listVersions(db, 'w', link.id)).map((snapshot) => snapshot.id)).toEqual([v4.id, v3.id]);
      expect((await collectGarbage(db, blobs, { graceMs: 0 })).deleted).toBe(1);
      expect(await blobs.exists(v2.screenshot)).toBe(false);
    } finally {
      await handle.close();
    }
  });
});
