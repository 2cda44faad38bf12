// Import through the real service and store, on SQLite and on Postgres: links, tags, shares at the
// file's dates, "not captured yet" links that find lists, captures queued behind chat and spaced
// per host (read from the jobs table and leased through the real queue, no waiting), a second
// import that adds nothing, and a 10,000-link file.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { ImportRequest } from '../src/core/import-links.js';
import { openStoreDatabase } from '../src/storage/open-database.js';
import type { Db } from '../src/storage/schema.js';
import { createServiceStore } from '../src/storage/service-store.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { Backends, backendFixture } from './helpers/databases.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/import/${name}`, import.meta.url));
const Local = { id: 'local', platform: 'cli' as const, name: 'Local' };
const Me = { id: 'local', name: 'ada' };
const HostIntervalMs = 10_000;

describe.each(Backends)('import on %s', (backend) => {
  const databases = backendFixture(backend);
  let t: TestApp;
  let db: Db;
  let closeDb: () => Promise<void>;

  beforeAll(async () => {
    // No capture worker in this process: the queue is read as it stands and leased by hand.
    t = await startTestApp({ env: { ...(await databases.env()), LINKSNAP_IMPORT_HOST_INTERVAL: `${HostIntervalMs / 1000}s` }, captures: false });
    const handle = openStoreDatabase(t.config);
    db = handle.db;
    closeDb = () => handle.close();
  });
  afterAll(async () => {
    await closeDb?.();
    await t?.close();
  });

  const importFile = (workspace: typeof Local, file: string, data: Buffer | string, options: Partial<ImportRequest> = {}) =>
    t.service.importLinks({ fileName: file, data: Buffer.from(data), capture: false, workspace, requester: Me, platform: 'cli', ...options });
  const count = async (table: 'links' | 'shares' | 'snapshots' | 'jobs' | 'link_tags', workspaceId: string) =>
    Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).where('workspace_id', '=', workspaceId).executeTakeFirstOrThrow()).n);
  const counts = async (workspaceId: string) => ({
    links: await count('links', workspaceId),
    shares: await count('shares', workspaceId),
    snapshots: await count('snapshots', workspaceId),
    jobs: await count('jobs', workspaceId),
    linkTags: await count('link_tags', workspaceId),
  });

  it('keeps a Chrome bookmark file as links not captured yet: titles, CJK folders as tags, ADD_DATE as the share time; find lists them', async () => {
    const workspace = { ...Local, id: 'local' };
    const report = await importFile(workspace, 'bookmarks.html', fixture('chrome-bookmarks.html'), { tags: ['From Chrome'] });
    expect(report).toMatchObject({ format: 'netscape', links: 5, added: 5, existing: 0, queued: 0 });
    expect(report.errors.map((error) => error.line)).toEqual([21, 26]);

    const found = await t.service.find({ workspaceId: workspace.id, limit: 100 });
    expect(found.items).toHaveLength(5);
    expect(found.items.every((item) => item.snapshot.status === 'not_captured')).toBe(true);
    // Oldest saved first, so the newest bookmark is on top of the newest-first list (the article's
    // two bookmarks merged to the earlier date: it is the oldest).
    expect(found.items[0].link.url).toBe('https://go.dev/doc/');
    expect(found.items[4].link.url).toBe('https://example.com/article');
    const vue = found.items.find((item) => item.link.url === 'https://vuejs.org/guide/introduction.html')!;
    expect(vue.snapshot.title).toBe('Vue.js 介绍 & 指南');
    expect(vue.link.tags).toEqual(['from-chrome', '前端', '技术']);
    const [share] = await t.service.listShares(workspace.id, vue.link.id);
    expect(share).toMatchObject({ platform: 'cli', userId: 'local', userName: 'ada', createdAt: new Date(1700000400 * 1000).toISOString() });
    // By tag, and by the bookmark's title in the search index, before any capture.
    expect((await t.service.find({ workspaceId: workspace.id, tags: ['技术'], limit: 100 })).items).toHaveLength(3);
    expect((await t.service.find({ workspaceId: workspace.id, text: '介绍', limit: 100 })).items.map((item) => item.link.url)).toEqual([vue.link.url]);
    expect((await t.service.listTags(workspace.id)).find((tag) => tag.tag === '前端')?.count).toBe(2);
    expect(await count('jobs', workspace.id)).toBe(0);
  });

  it('imports the same file a second time without adding anything', async () => {
    const workspace = { ...Local, id: 'twice' };
    const first = await importFile(workspace, 'pocket.csv', fixture('pocket-export.csv'), { tags: ['pocket'] });
    expect(first.added).toBeGreaterThan(0);
    const before = await counts(workspace.id);
    const again = await importFile(workspace, 'pocket.csv', fixture('pocket-export.csv'), { tags: ['pocket'] });
    expect(again).toMatchObject({ added: 0, existing: first.added, tagged: 0, queued: 0 });
    expect(await counts(workspace.id)).toEqual(before);
    // With --capture the second time, only captures are added: in the rows the first import made.
    const captured = await importFile(workspace, 'pocket.csv', fixture('pocket-export.csv'), { tags: ['pocket'], capture: true });
    expect(captured).toMatchObject({ added: 0, queued: first.added });
    expect(await counts(workspace.id)).toEqual({ ...before, jobs: first.added });
    const statuses = await db.selectFrom('snapshots').select('status').distinct().where('workspace_id', '=', workspace.id).execute();
    expect(statuses.map((row) => row.status)).toEqual(['queued']);
    // And once more with --capture: nothing at all.
    expect(await importFile(workspace, 'pocket.csv', fixture('pocket-export.csv'), { tags: ['pocket'], capture: true })).toMatchObject({ added: 0, queued: 0 });
    expect(await count('jobs', workspace.id)).toBe(first.added);
  });

  it('adds only the tags a link lacks to links already there, and names them', async () => {
    const workspace = { ...Local, id: 'retag' };
    await importFile(workspace, 'urls.txt', 'https://a.example/one\nhttps://a.example/two\n');
    const report = await importFile(workspace, 'urls.txt', 'https://a.example/one\nhttps://a.example/three\n', { tags: ['later'] });
    expect(report).toMatchObject({ added: 1, existing: 1, tagged: 1 });
    const link = await t.service.findLinkByUrl(workspace.id, 'https://a.example/one');
    expect(link?.tags).toEqual(['later']);
    expect((await t.service.find({ workspaceId: workspace.id, tags: ['later'], text: 'a.example/one', limit: 10 })).items).toHaveLength(1);
  });

  it('captures a link kept "not captured yet" in its own snapshot when someone snaps it', async () => {
    const workspace = { ...Local, id: 'snap-later' };
    await importFile(workspace, 'urls.txt', 'http://127.0.0.1:45678/later\n');
    const [item] = (await t.service.find({ workspaceId: workspace.id, limit: 10 })).items;
    const accepted = await t.service.snap({ url: 'http://127.0.0.1:45678/later', workspace, requester: Me, source: { platform: 'cli' } });
    expect(accepted.snapshot.id).toBe(item.snapshot.id);
    expect(accepted.snapshot.status).toBe('queued');
    expect(accepted.deduplicated).toBe(false);
    expect(await t.service.listVersions(workspace.id, item.link.id)).toHaveLength(1);
    expect(await count('jobs', workspace.id)).toBe(1);
  });

  it('queues captures behind chat, one host at a time and spaced per host', async () => {
    const workspace = { ...Local, id: 'queue' };
    const store = createServiceStore(db);
    // Nothing else may be due: earlier tests queued captures too.
    await db.updateTable('jobs').set({ status: 'done' }).execute();
    const before = new Date();
    const report = await importFile(workspace, 'urls.txt', ['https://a.example/1', 'https://b.example/1', 'https://a.example/2', 'https://a.example/3', 'https://b.example/2'].join('\n'), { capture: true });
    expect(report.queued).toBe(5);
    // A chat /snap and a link posted in a channel, after the import, in other workspaces.
    const chat = { id: 'discord:g-import', platform: 'discord' as const, name: 'Guild' };
    const snapped = await t.service.snap({ url: 'http://127.0.0.1:45678/snapped', workspace: chat, requester: { id: 'u1' }, source: { platform: 'discord', channelId: 'c1' } });
    const posted = await t.service.snap({ url: 'http://127.0.0.1:45678/posted', workspace: { ...chat, id: 'discord:g-other' }, requester: { id: 'u2' }, source: { platform: 'discord', channelId: 'c2', auto: true } });

    const jobs = await db.selectFrom('jobs as j').innerJoin('snapshots as s', 's.id', 'j.snapshot_id').select(['s.url', 'j.run_after', 'j.priority', 'j.host']).where('j.workspace_id', '=', workspace.id).orderBy('j.run_after').orderBy('s.url').execute();
    const offsets = new Map(jobs.map((job) => [job.url, Date.parse(job.run_after) - before.getTime()]));
    expect(jobs.every((job) => job.priority === 2)).toBe(true);
    const slot = (url: string) => Math.round(offsets.get(url)! / HostIntervalMs);
    expect(['https://a.example/1', 'https://a.example/2', 'https://a.example/3'].map(slot)).toEqual([0, 1, 2]);
    expect(['https://b.example/1', 'https://b.example/2'].map(slot)).toEqual([0, 1]);

    // Leased as workers would, at a time when every import job is due: chat first, then the import, one a.example page at a time.
    const later = new Date(before.getTime() + 10 * HostIntervalMs);
    const lease = async () => {
      const job = await store.leaseNextJob('test-worker', 60_000, later);
      return job ? (await t.service.getSnapshotById(job.snapshotId)).url : null;
    };
    expect(await lease()).toBe(snapped.snapshot.url);
    expect(await lease()).toBe(posted.snapshot.url);
    // Both first pages are due at once; which host goes first is the queue's tie-break.
    expect([await lease(), await lease()].sort()).toEqual(['https://a.example/1', 'https://b.example/1']);
    // a.example/2 and b.example/2 are due, but their hosts each have a capture running.
    expect(await lease()).toBeNull();
    await db.updateTable('jobs').set({ status: 'done' }).where('host', '=', 'a.example').where('status', '=', 'leased').execute();
    expect(await lease()).toBe('https://a.example/2');
    expect(await lease()).toBeNull();

    // A second import of the same host queues after what is already queued there.
    const more = await importFile(workspace, 'urls.txt', 'https://a.example/4\n', { capture: true });
    expect(more.queued).toBe(1);
    const last = await db.selectFrom('jobs as j').innerJoin('snapshots as s', 's.id', 'j.snapshot_id').select('j.run_after').where('s.url', '=', 'https://a.example/4').executeTakeFirstOrThrow();
    expect(Math.round((Date.parse(last.run_after) - before.getTime()) / HostIntervalMs)).toBe(3);
  });

  it('imports a 10,000-link file without capturing', { timeout: 120_000 }, async () => {
    const workspace = { ...Local, id: 'big' };
    const lines = ['<!DOCTYPE NETSCAPE-Bookmark-file-1>', '<DL><p>'];
    for (let folder = 0; folder < 100; folder++) {
      lines.push(`<DT><H3>Folder ${folder}</H3>`, '<DL><p>');
      for (let i = 0; i < 100; i++) lines.push(`<DT><A HREF="https://site${folder % 20}.example/${folder}/${i}" ADD_DATE="${1600000000 + folder * 100 + i}" TAGS="t${i % 7}">Link ${folder}-${i}</A>`);
      lines.push('</DL><p>');
    }
    lines.push('</DL><p>');
    const started = performance.now();
    const report = await importFile(workspace, 'big.html', lines.join('\n'));
    const seconds = (performance.now() - started) / 1000;
    console.log(`[import-service] 10,000 links on ${backend} without capture: ${seconds.toFixed(2)} s`);
    expect(report).toMatchObject({ links: 10_000, added: 10_000, existing: 0, queued: 0, errors: [] });
    expect(await counts(workspace.id)).toEqual({ links: 10_000, shares: 10_000, snapshots: 10_000, jobs: 0, linkTags: 20_000 });
    const page = await t.service.find({ workspaceId: workspace.id, tags: ['folder-99'], limit: 100 });
    expect(page.items).toHaveLength(100);
    expect(page.items[0]).toMatchObject({ link: { url: 'https://site19.example/99/99' }, snapshot: { status: 'not_captured', title: 'Link 99-99' } });
    const again = await importFile(workspace, 'big.html', lines.join('\n'));
    expect(again).toMatchObject({ added: 0, existing: 10_000, tagged: 0 });
    expect(Number((await sql<{ n: number }>`SELECT count(*) AS n FROM links WHERE workspace_id = 'big'`.execute(db)).rows[0].n)).toBe(10_000);
  });
});
