import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NotFoundError } from '../src/core/errors.js';
import { DefaultWorkspaceSettings } from '../src/core/types.js';
import { Backends, backendFixture } from './helpers/databases.js';
import {
  addTags,
  completeSnapshot,
  createShare,
  createSnapshot,
  deleteLink,
  deleteLinkIfUnshared,
  deleteSharesByMessage,
  ensureWorkspace,
  firstShare,
  getLink,
  getSettings,
  getSnapshot,
  getSnapshotById,
  latestSnapshotOfLink,
  listShares,
  listTags,
  listVersions,
  listWorkspaces,
  markShareNotified,
  recordDeliveryFailure,
  migrateToLatest,
  Migrations,
  openDatabase,
  recentSnapshot,
  removeTags,
  setTags,
  sharesBySnapshot,
  sharesPendingNotification,
  updateSettings,
  updateSnapshot,
  upsertLink,
  type Db,
  type OpenedDatabase,
} from '../src/storage/index.js';

const opened: Array<{ close(): Promise<void> }> = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const handle of opened.splice(0)) await handle.close();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'linksnap-store-'));
  dirs.push(dir);
  return dir;
}

const hash = (char: string) => char.repeat(64);

describe('database and migrations', () => {
  it('creates the parent folder, uses WAL and foreign keys, and migrates once', async () => {
    const file = path.join(tempDir(), 'nested', 'deeper', 'linksnap.db');
    const first = openDatabase({ path: file });
    opened.push(first);
    expect(fs.existsSync(path.dirname(file))).toBe(true);
    expect(first.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(first.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(Number(first.sqlite.pragma('busy_timeout', { simple: true }))).toBeGreaterThanOrEqual(1000);
    // Every migration, in name order (later issues add theirs to the registry).
    const applied = (await migrateToLatest(first.db)).applied;
    expect(applied).toEqual(Object.keys(Migrations).sort());
    expect(applied.slice(0, 11)).toEqual(['0001_initial', '0002_search_index_sqlite', '0003_link_checks', '0004_tag_places', '0005_fair_queue_and_delivery', '0006_conversation_and_cards', '0007_tag_count_index', '0008_schedule_runs', '0009_postgres_search_and_seq', '0010_find_tag_index', '0011_watches_changes_rot']);
    expect(applied).toContain('0013_import_host_spacing');
    expect((await migrateToLatest(first.db)).applied).toEqual([]);
    await first.close();
    opened.pop();

    const again = openDatabase({ path: file });
    opened.push(again);
    expect((await migrateToLatest(again.db)).applied).toEqual([]);
    const tables = again.sqlite.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['workspaces', 'links', 'snapshots', 'artifacts', 'tags', 'link_tags', 'shares', 'jobs', 'link_search', 'link_checks']));
  });
});

describe.each(Backends)('on %s', (backend) => {
  const databases = backendFixture(backend);

  async function memoryDb(): Promise<Db> {
    const handle = await databases.open();
    opened.push(handle);
    await migrateToLatest(handle.db);
    await ensureWorkspace(handle.db, { id: 'local', platform: 'web' });
    return handle.db;
  }

  it('migrates once, and again is a no-op', async () => {
    const handle = await databases.open();
    opened.push(handle);
    expect((await migrateToLatest(handle.db)).applied).toEqual(Object.keys(Migrations));
    expect((await migrateToLatest(handle.db)).applied).toEqual([]);
  });

  describe('links, snapshots and shares', () => {
    it('keeps one link per normalised URL per workspace', async () => {
      const db = await memoryDb();
      await ensureWorkspace(db, { id: 'slack:T1', platform: 'slack', name: 'Team' });
      const a = await upsertLink(db, 'local', 'https://example.com/a');
      const again = await upsertLink(db, 'local', 'https://example.com/a');
      const other = await upsertLink(db, 'slack:T1', 'https://example.com/a');
      expect(again.id).toBe(a.id);
      expect(other.id).not.toBe(a.id);
      expect(a.id).toMatch(/^[A-Za-z0-9_-]{16}$/);
      await expect(getLink(db, 'slack:T1', a.id)).rejects.toBeInstanceOf(NotFoundError);
      expect(await listWorkspaces(db)).toEqual([
        { id: 'local', platform: 'web', name: null, links: 1 },
        { id: 'slack:T1', platform: 'slack', name: 'Team', links: 1 },
      ]);
    });

    it('finds a recent queued, capturing or done snapshot for dedupe, but not a failed or an old one', async () => {
      const db = await memoryDb();
      const link = await upsertLink(db, 'local', 'https://example.com/a');
      const t0 = new Date('2025-01-01T10:00:00.000Z');
      const old = await createSnapshot(db, { workspaceId: 'local', linkId: link.id, url: link.url, now: t0 });
      const since = new Date('2025-01-01T10:05:00.000Z');
      expect(await recentSnapshot(db, 'local', link.id, since)).toBeNull();
      expect((await recentSnapshot(db, 'local', link.id, t0))?.id).toBe(old.id);

      const fresh = await createSnapshot(db, { workspaceId: 'local', linkId: link.id, url: link.url, now: new Date('2025-01-01T10:06:00.000Z') });
      expect((await recentSnapshot(db, 'local', link.id, since))?.id).toBe(fresh.id);
      await updateSnapshot(db, fresh.id, { status: 'capturing', startedAt: '2025-01-01T10:06:01.000Z' });
      expect((await recentSnapshot(db, 'local', link.id, since))?.status).toBe('capturing');
      await updateSnapshot(db, fresh.id, { status: 'failed', error: 'The server answered HTTP 500', errorCode: 'http_error' });
      expect(await recentSnapshot(db, 'local', link.id, since)).toBeNull();
      expect(await recentSnapshot(db, 'other', link.id, t0)).toBeNull();

      expect((await listVersions(db, 'local', link.id)).map((s) => s.id)).toEqual([fresh.id, old.id]);
      expect((await latestSnapshotOfLink(db, link.id))?.id).toBe(fresh.id);
      const failed = await getSnapshot(db, 'local', fresh.id);
      expect(failed).toMatchObject({ status: 'failed', errorCode: 'http_error', startedAt: '2025-01-01T10:06:01.000Z', degraded: false });
      await expect(getSnapshot(db, 'slack:T1', fresh.id)).rejects.toBeInstanceOf(NotFoundError);
      await expect(updateSnapshot(db, 'missing', { status: 'done' })).rejects.toBeInstanceOf(NotFoundError);
    });

    it('records a completed capture with metadata and artifact paths from the blob store', async () => {
      const db = await memoryDb();
      const link = await upsertLink(db, 'local', 'https://example.com/a');
      const snap = await createSnapshot(db, { workspaceId: 'local', linkId: link.id, url: link.url });
      await completeSnapshot(
        db,
        snap.id,
        { title: 'مرحبا', lang: 'ar', dir: 'rtl', httpStatus: 200, degraded: true, degradedReason: 'login wall', capturedAt: '2025-01-01T00:00:00.000Z' },
        [
          { kind: 'screenshot', sha256: hash('a'), size: 10, mime: 'image/png' },
          { kind: 'text', sha256: hash('b'), size: 5, mime: 'text/plain' },
        ],
        { title: 'مرحبا', description: null, url: link.url, text: 'hello' },
      );
      const done = await getSnapshotById(db, snap.id);
      expect(done).toMatchObject({ status: 'done', title: 'مرحبا', dir: 'rtl', httpStatus: 200, degraded: true, degradedReason: 'login wall' });
      expect(done.artifacts.screenshot).toEqual({ kind: 'screenshot', sha256: hash('a'), size: 10, mime: 'image/png' });
      expect(done.artifacts.text).toEqual({ kind: 'text', sha256: hash('b'), size: 5, mime: 'text/plain' });
      expect(done.artifacts.mhtml).toBeUndefined();
    });

    it('deletes a link with everything under it and reports only blobs nothing else references', async () => {
      const db = await memoryDb();
      const a = await upsertLink(db, 'local', 'https://example.com/a');
      const b = await upsertLink(db, 'local', 'https://example.com/b');
      const sa = await createSnapshot(db, { workspaceId: 'local', linkId: a.id, url: a.url, job: { maxAttempts: 3 } });
      const sb = await createSnapshot(db, { workspaceId: 'local', linkId: b.id, url: b.url });
      await createShare(db, { workspaceId: 'local', linkId: a.id, snapshotId: sa.id, platform: 'web', userId: 'local' });
      await addTags(db, 'local', a.id, ['x']);
      const shared = { kind: 'thumbnail' as const, sha256: hash('c'), size: 1, mime: 'image/webp' };
      await completeSnapshot(db, sa.id, {}, [shared, { kind: 'text', sha256: hash('d'), size: 1, mime: 'text/plain' }], { title: 'A', description: null, url: a.url, text: 'only in a' });
      await completeSnapshot(db, sb.id, {}, [shared], { title: 'B', description: null, url: b.url, text: 'b' });

      const orphaned = await deleteLink(db, 'local', a.id);
      expect(orphaned).toEqual([hash('d')]);
      await expect(getLink(db, 'local', a.id)).rejects.toBeInstanceOf(NotFoundError);
      await expect(getSnapshotById(db, sa.id)).rejects.toBeInstanceOf(NotFoundError);
      const count = async (table: 'shares' | 'jobs' | 'link_tags' | 'artifacts') =>
        Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
      expect([await count('shares'), await count('jobs'), await count('link_tags'), await count('artifacts')]).toEqual([0, 0, 0, 1]);
      expect(await listTags(db, 'local')).toEqual([]);
      await expect(deleteLink(db, 'local', a.id)).rejects.toBeInstanceOf(NotFoundError);
      expect(await deleteLink(db, 'local', b.id)).toEqual([hash('c')]);
    });

    it('forgets a deleted message: removes its shares and the links left unshared', async () => {
      const db = await memoryDb();
      await ensureWorkspace(db, { id: 'discord:1', platform: 'discord' });
      const a = await upsertLink(db, 'discord:1', 'https://example.com/a');
      const b = await upsertLink(db, 'discord:1', 'https://example.com/b');
      const sa = await createSnapshot(db, { workspaceId: 'discord:1', linkId: a.id, url: a.url });
      const sb = await createSnapshot(db, { workspaceId: 'discord:1', linkId: b.id, url: b.url });
      const base = { workspaceId: 'discord:1', platform: 'discord' as const, userId: 'u1', channelId: 'c1', auto: true };
      await createShare(db, { ...base, linkId: a.id, snapshotId: sa.id, messageId: 'm1', replyTo: { channel: 'c1', message: 'm1' } });
      await createShare(db, { ...base, linkId: b.id, snapshotId: sb.id, messageId: 'm1' });
      await createShare(db, { ...base, linkId: b.id, snapshotId: sb.id, messageId: 'm2' });

      expect((await deleteSharesByMessage(db, 'discord:1', 'c1', 'm1')).sort()).toEqual([a.id, b.id].sort());
      expect(await deleteSharesByMessage(db, 'discord:1', 'c1', 'm1')).toEqual([]);
      expect(await deleteLinkIfUnshared(db, 'discord:1', a.id)).toEqual([]);
      expect(await deleteLinkIfUnshared(db, 'discord:1', b.id)).toBeNull();
      await expect(getLink(db, 'discord:1', a.id)).rejects.toBeInstanceOf(NotFoundError);
      expect((await listShares(db, 'discord:1', b.id)).map((s) => s.messageId)).toEqual(['m2']);
    });

    it('keeps shares oldest first and lists unacknowledged terminal ones per platform', async () => {
      const db = await memoryDb();
      const link = await upsertLink(db, 'local', 'https://example.com/a');
      const snap = await createSnapshot(db, { workspaceId: 'local', linkId: link.id, url: link.url });
      const first = await createShare(db, {
        workspaceId: 'local', linkId: link.id, snapshotId: snap.id, platform: 'slack', userId: 'U1', userName: 'Ann',
        channelId: 'C1', channelName: 'general', channelPrivate: true, messageId: '1.2', replyTo: { ts: '1.2', thread: null }, createdAt: new Date('2025-01-01T00:00:00.000Z'),
      });
      const second = await createShare(db, { workspaceId: 'local', linkId: link.id, snapshotId: snap.id, platform: 'web', userId: 'local', createdAt: new Date('2025-01-02T00:00:00.000Z') });
      expect((await firstShare(db, link.id))?.id).toBe(first.id);
      expect(first).toMatchObject({ channelPrivate: true, auto: false, replyTo: { ts: '1.2', thread: null }, userName: 'Ann' });
      expect((await listShares(db, 'local', link.id)).map((s) => s.id)).toEqual([first.id, second.id]);
      expect((await sharesBySnapshot(db, snap.id)).map((s) => s.id)).toEqual([first.id, second.id]);

      expect(await sharesPendingNotification(db, 'slack')).toEqual([]);
      await updateSnapshot(db, snap.id, { status: 'done' });
      expect((await sharesPendingNotification(db, 'slack')).map((s) => s.id)).toEqual([first.id]);
      await markShareNotified(db, first.id, 'done');
      expect(await sharesPendingNotification(db, 'slack')).toEqual([]);
      expect((await sharesPendingNotification(db, 'web')).map((s) => s.id)).toEqual([second.id]);
    });

    it('backs a failing reply off, offers it again when due, and gives it up past the cap', async () => {
      const db = await memoryDb();
      const link = await upsertLink(db, 'local', 'https://example.com/backoff');
      const snap = await createSnapshot(db, { workspaceId: 'local', linkId: link.id, url: link.url });
      const share = await createShare(db, { workspaceId: 'local', linkId: link.id, snapshotId: snap.id, platform: 'slack', userId: 'U1' });
      await updateSnapshot(db, snap.id, { status: 'done' });
      const policy = { maxAttempts: 3, firstDelayMs: 60_000, maxDelayMs: 120_000 };
      const t0 = new Date('2026-01-01T00:00:00.000Z');
      expect(await recordDeliveryFailure(db, share.id, policy, t0)).toBe(false);
      expect(await sharesPendingNotification(db, 'slack', new Date(t0.getTime() + 59_000))).toEqual([]);
      expect((await sharesPendingNotification(db, 'slack', new Date(t0.getTime() + 60_000))).map((s) => s.id)).toEqual([share.id]);
      expect(await recordDeliveryFailure(db, share.id, policy, t0)).toBe(false);
      expect(await sharesPendingNotification(db, 'slack', new Date(t0.getTime() + 119_000))).toEqual([]);
      expect(await recordDeliveryFailure(db, share.id, policy, t0)).toBe(true);
      expect(await sharesPendingNotification(db, 'slack', new Date(t0.getTime() + 10 * 3_600_000))).toEqual([]);
      // The pending list is bounded.
      const many = await upsertLink(db, 'local', 'https://example.com/many');
      const manySnap = await createSnapshot(db, { workspaceId: 'local', linkId: many.id, url: many.url });
      for (let i = 0; i < 5; i++) await createShare(db, { workspaceId: 'local', linkId: many.id, snapshotId: manySnap.id, platform: 'discord', userId: `U${i}` });
      await updateSnapshot(db, manySnap.id, { status: 'failed' });
      expect(await sharesPendingNotification(db, 'discord', new Date(), 3)).toHaveLength(3);
    });
  });

  describe('tags and settings', () => {
    it('normalises tags so spellings of one tag are one tag, in any script', async () => {
      const db = await memoryDb();
      const a = await upsertLink(db, 'local', 'https://example.com/a');
      const b = await upsertLink(db, 'local', 'https://example.com/b');
      await addTags(db, 'local', a.id, ['#News', 'news', 'ｎｅｗｓ', '技术', 'C++']);
      await addTags(db, 'local', b.id, ['NEWS', '#技术']);
      expect((await getLink(db, 'local', a.id)).tags).toEqual(['c++', 'news', '技术']);
      expect(await listTags(db, 'local')).toEqual([
        { tag: 'news', count: 2 },
        { tag: '技术', count: 2 },
        { tag: 'c++', count: 1 },
      ]);
      await removeTags(db, 'local', a.id, ['#NEWS']);
      expect((await getLink(db, 'local', a.id)).tags).toEqual(['c++', '技术']);
      await setTags(db, 'local', a.id, ['Go', '#c++']);
      expect((await getLink(db, 'local', a.id)).tags).toEqual(['c++', 'go']);
      await setTags(db, 'local', a.id, []);
      expect((await getLink(db, 'local', a.id)).tags).toEqual([]);
      await expect(addTags(db, 'local', 'missing', ['x'])).rejects.toBeInstanceOf(NotFoundError);
    });

    it('merges stored settings over the defaults and keeps only known keys', async () => {
      const db = await memoryDb();
      expect(await getSettings(db, 'local')).toEqual(DefaultWorkspaceSettings);
      expect(await getSettings(db, 'never-seen')).toEqual(DefaultWorkspaceSettings);
      const updated = await updateSettings(db, 'local', { autoCapture: false, autoCaptureChannels: ['c1'], bogus: 1 } as never);
      expect(updated).toEqual({ ...DefaultWorkspaceSettings, autoCapture: false, autoCaptureChannels: ['c1'] });
      await updateSettings(db, 'local', { locale: 'zh-CN' });
      expect(await getSettings(db, 'local')).toEqual({ ...DefaultWorkspaceSettings, autoCapture: false, autoCaptureChannels: ['c1'], locale: 'zh-CN' });
      await expect(updateSettings(db, 'nope', { locale: 'en' })).rejects.toBeInstanceOf(NotFoundError);
    });
  });
});
