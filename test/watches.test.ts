// Watches through the real service, store and Chromium, with the watch clock driven by the test
// (no real waiting): a changed page is posted once, a page whose only news is its clock is not, due
// times follow the schedule, a watch that keeps failing says so once, and two schedulers on one
// database run each due time once. On SQLite and on Postgres.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { openStoreDatabase } from '../src/storage/open-database.js';
import { createServiceStore } from '../src/storage/service-store.js';
import type { ResolvedAddress } from '../src/core/egress/policy.js';
import type { Notice, Snapshot } from '../src/core/types.js';
import { startFixtureServer, type FixtureServer } from './helpers/fixture-server.js';
import { startTestApp, TestEnv, type TestApp } from './helpers/app.js';
import { Backends, backendFixture } from './helpers/databases.js';

const Workspace = { id: 'discord:g-watch', platform: 'discord' as const, name: 'Watchers' };
const Place = { platform: 'discord' as const, channelId: 'c-news', channelName: 'news', private: false };
const Asker = { id: 'u-1', name: 'Ada' };

/** Every host name "does not exist": a watch of one fails at once, without waiting on a network. */
const noSuchHost = async (host: string): Promise<ResolvedAddress[]> => {
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
};

function page(stamp: string, paragraphs: string[]): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Harbour notices</title></head><body><main><article>
    <h1>Harbour notices</h1><p class="stamp">Updated ${stamp}</p>
    ${paragraphs.map((text) => `<p>${text}</p>`).join('\n')}
  </article></main></body></html>`;
}

const Base = [
  'The harbour master posts the tide tables here every week, with notes for small boats and ferries.',
  'Mooring fees stay the same this season; the south pier is open from six in the morning until ten at night.',
  'Fishing boats unload at the north quay, where the market opens at dawn and closes when the catch is sold.',
];

async function until<T>(read: () => T | Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.each(Backends)('watches on %s', (backend) => {
  const databases = backendFixture(backend);
  let fixtures: FixtureServer;
  let t: TestApp;
  const posted: Notice[] = [];

  beforeAll(async () => {
    fixtures = await startFixtureServer();
    t = await startTestApp({ env: await databases.env(), resolve: noSuchHost });
    t.service.subscribeNotices('discord', async (notice) => {
      posted.push(notice);
    });
  });
  afterAll(async () => {
    await t?.close();
    await fixtures?.close();
  });

  const latestSnapshot = async (linkId: string): Promise<Snapshot> => (await t.service.listVersions(Workspace.id, linkId))[0];
  /** Runs every watch now, waits for the captures, then judges them as the scheduled tick does. */
  async function runAndJudge(at: Date) {
    const { started } = await t.service.runWatches({ all: true });
    for (const run of started) await t.service.waitFor(run.snapshotId);
    return { started, judged: await t.service.watches.tick(at) };
  }

  it('posts a change once, and nothing for a page whose only news is its clock', { timeout: 120_000 }, async () => {
    fixtures.setPage('/harbour', page('Dec 6, 2026 08:00', Base));
    const url = fixtures.url('/harbour');
    const { watch, created } = await t.service.watch({ url, every: 'daily', workspace: Workspace, requester: Asker, place: Place });
    expect(created).toBe(true);
    expect(watch).toMatchObject({ channelId: 'c-news', every: 'daily', platform: 'discord' });

    // Never captured: the first capture starts with the watch, and is the version later ones are compared with.
    const first = await until(() => latestSnapshot(watch.linkId), (s) => s !== undefined, 'the first capture');
    expect((await t.service.waitFor(first.id)).status).toBe('done');
    const baseline = await t.service.watches.tick(new Date());
    expect(baseline).toMatchObject({ changed: 0, unchanged: 1, failed: 0 });
    expect((await t.service.getSnapshotById(first.id)).change).toBeNull();

    fixtures.setPage('/harbour', page('Dec 7, 2026 09:15', Base));
    const clockOnly = await runAndJudge(new Date());
    expect(clockOnly.judged).toMatchObject({ changed: 0, unchanged: 1 });
    const second = await t.service.getSnapshotById(clockOnly.started[0].snapshotId);
    expect(second.change).toMatchObject({ previousId: first.id, changed: false, added: 0, removed: 0 });

    fixtures.setPage('/harbour', page('Dec 8, 2026 07:40', [...Base, 'From Monday the ferry to the island leaves at seven, not eight, until the end of March.']));
    const edited = await runAndJudge(new Date());
    expect(edited.judged).toMatchObject({ changed: 1, unchanged: 0 });
    const third = await t.service.getSnapshotById(edited.started[0].snapshotId);
    expect(third.change).toMatchObject({ previousId: second.id, changed: true, added: 1, removed: 0 });

    const changes = await until(() => posted.filter((notice) => notice.payload.kind === 'change'), (list) => list.length >= 1, 'the change notice');
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ workspaceId: Workspace.id, platform: 'discord', channelId: 'c-news' });
    const payload = changes[0].payload as Extract<Notice['payload'], { kind: 'change' }>;
    expect(payload).toMatchObject({ watchId: watch.id, url: watch.url, added: 1, removed: 0, before: { snapshotId: second.id }, after: { snapshotId: third.id } });
    expect(payload.excerpt).toEqual(['+From Monday the ferry to the island leaves at seven, not eight, until the end of March.']);
    expect(payload.after.thumbnail?.sha256).toMatch(/^[0-9a-f]{64}$/);

    // Judged once: another tick, and another pass of the outbox, post nothing more.
    expect(await t.service.watches.tick(new Date())).toMatchObject({ started: 0, changed: 0, unchanged: 0 });
    await t.service.notices.deliverDue();
    expect(posted.filter((notice) => notice.payload.kind === 'change')).toHaveLength(1);

    // The diff the notice links to.
    const diff = await t.service.diff(Workspace.id, third.id);
    expect(diff.from.id).toBe(second.id);
    expect(diff.hunks.flatMap((hunk) => hunk.lines)).toContain('+From Monday the ferry to the island leaves at seven, not eight, until the end of March.');
    await t.service.removeWatch(Workspace.id, watch.id);
  });

  it('posts to each watching channel a change another capture of the link already compared', { timeout: 120_000 }, async () => {
    fixtures.setPage('/ferry', page('Dec 6, 2026 08:00', Base));
    const url = fixtures.url('/ferry');
    const news = await t.service.watch({ url, every: 'daily', workspace: Workspace, requester: Asker, place: Place });
    const harbour = await t.service.watch({ url, every: 'hourly', workspace: Workspace, requester: Asker, place: { ...Place, channelId: 'c-harbour', channelName: 'harbour' } });
    // The first capture serves both watches' first runs.
    for (const run of await t.service.listWatches(Workspace.id)) if (run.pendingSnapshotId) await t.service.waitFor(run.pendingSnapshotId);
    await t.service.watches.tick(new Date());

    fixtures.setPage('/ferry', page('Dec 7, 2026 10:00', [...Base, 'The winter ferry runs on Sundays too from January.']));
    // Someone re-posts the link: that capture compares with the previous version and sees the change…
    const reposted = await t.service.snap({ url, force: true, workspace: Workspace, requester: Asker, source: { platform: 'discord', channelId: 'c-elsewhere' } });
    expect((await t.service.waitFor(reposted.snapshot.id)).change).toMatchObject({ changed: true, added: 1 });
    // …so when the watches run, their captures compare with the re-post's and see none. Each
    // watch still judges against the version it saw last, and both channels hear of the change.
    const before = posted.filter((notice) => notice.payload.kind === 'change').length;
    const { started } = await t.service.runWatches({ all: true });
    const ours = started.filter((run) => run.watch.id === news.watch.id || run.watch.id === harbour.watch.id);
    expect(ours).toHaveLength(2);
    for (const run of ours) {
      const snapshot = await t.service.waitFor(run.snapshotId);
      expect(snapshot.change?.changed).toBe(false);
    }
    expect(await t.service.watches.tick(new Date())).toMatchObject({ changed: 2 });
    const changes = await until(() => posted.filter((notice) => notice.payload.kind === 'change').slice(before), (list) => list.length >= 2, 'both change notices');
    expect(changes.map((notice) => notice.channelId).sort()).toEqual(['c-harbour', 'c-news']);
    for (const notice of changes) expect((notice.payload as { excerpt: string[] }).excerpt).toEqual(['+The winter ferry runs on Sundays too from January.']);
    await t.service.removeWatch(Workspace.id, news.watch.id);
    await t.service.removeWatch(Workspace.id, harbour.watch.id);
  });

  it('counts a run refused by the storage quota as failed, and tells the channel once', { timeout: 60_000 }, async () => {
    const full = await startTestApp({ env: { ...(await databases.env()), LINKSNAP_WORKSPACE_QUOTA: '1' } });
    try {
      const told: Notice[] = [];
      full.service.subscribeNotices('discord', async (notice) => void told.push(notice));
      const workspace = { id: 'discord:g-full', platform: 'discord' as const };
      // The first capture fits (nothing is kept yet); after it the workspace is over its quota of one byte.
      const { watch } = await full.service.watch({ url: fixtures.url('/harbour'), every: 'hourly', workspace, requester: Asker, place: Place });
      expect((await full.service.waitFor(watch.pendingSnapshotId!)).status).toBe('done');
      await full.service.watches.tick(new Date());
      for (let run = 0; run < 4; run++) expect((await full.service.runWatches({ all: true })).started).toHaveLength(0);
      await full.service.notices.deliverDue();
      const failing = told.filter((notice) => notice.payload.kind === 'watch-failing');
      expect(failing).toHaveLength(1);
      expect((failing[0].payload as { error: string }).error).toMatch(/quota/i);
      expect((await full.service.listWatches(workspace.id))[0].failures).toBe(4);
      expect(await full.service.listVersions(workspace.id, watch.linkId)).toHaveLength(1);
    } finally {
      await full.close();
    }
  });

  it('runs a watch when it is due and not before, on its schedule', { timeout: 60_000 }, async () => {
    fixtures.setPage('/tides', page('today', Base));
    const url = fixtures.url('/tides');
    await t.service.snap({ url, workspace: Workspace, requester: Asker, source: { platform: 'discord', channelId: 'c-news' } }).then((accepted) => t.service.waitFor(accepted.snapshot.id));
    const now = Date.now();
    const { watch } = await t.service.watch({ url, every: '0 6 * * *', workspace: Workspace, requester: Asker, place: Place });
    // Captured before: the watch waits for its first due time, the next 06:00.
    const next = new Date(watch.nextRunAt);
    expect(next.getTime()).toBeGreaterThan(now);
    expect(next.getHours()).toBe(6);
    expect(next.getMinutes()).toBe(0);
    expect((await t.service.watches.startDue(new Date(next.getTime() - 60_000))).filter((run) => run.watch.id === watch.id)).toHaveLength(0);
    const due = await t.service.watches.startDue(new Date(next.getTime() + 1_000));
    expect(due.map((run) => run.watch.id)).toContain(watch.id);
    const after = (await t.service.listWatches(Workspace.id, 'c-news')).find((candidate) => candidate.id === watch.id)!;
    expect(new Date(after.nextRunAt).getTime() - next.getTime()).toBe(86_400_000);
    // Its run is in flight: not started again, even when asked for every watch.
    expect((await t.service.runWatches({ all: true })).started.filter((run) => run.watch.id === watch.id)).toHaveLength(0);
    for (const run of due) await t.service.waitFor(run.snapshotId);
    await t.service.watches.tick(new Date());
    await t.service.removeWatch(Workspace.id, watch.id);
  });

  it('refuses schedules that are not schedules or run too often, and caps nothing it already has', async () => {
    const url = fixtures.url('/harbour');
    await expect(t.service.watch({ url, every: 'sometimes', workspace: Workspace, requester: Asker, place: Place })).rejects.toThrow(/Not a schedule/);
    await expect(t.service.watch({ url, every: '*/5 * * * *', workspace: Workspace, requester: Asker, place: Place })).rejects.toThrow(/more often than this server allows/);
    await expect(t.service.watch({ url: 'http://10.0.0.1/', every: 'daily', workspace: Workspace, requester: Asker, place: Place })).rejects.toThrow(/10\.0\.0\.1/);
    expect(await t.service.unwatch(Workspace.id, 'c-news', fixtures.url('/never-watched'))).toBeNull();
  });

  it('tells the channel once that a watch keeps failing', { timeout: 60_000 }, async () => {
    const { watch } = await t.service.watch({ url: 'http://harbour.invalid/notices', every: 'hourly', workspace: Workspace, requester: Asker, place: Place });
    // The first capture started with the watch; it fails at once (no such host).
    const first = await until(() => latestSnapshot(watch.linkId), (s) => s !== undefined, 'the first capture');
    expect((await t.service.waitFor(first.id)).status).toBe('failed');
    expect(await t.service.watches.tick(new Date())).toMatchObject({ failed: 1 });
    for (let run = 2; run <= 4; run++) expect((await runAndJudge(new Date())).judged).toMatchObject({ failed: 1 });
    const failing = await until(() => posted.filter((notice) => notice.payload.kind === 'watch-failing'), (list) => list.length >= 1, 'the failing notice');
    await t.service.notices.deliverDue();
    expect(failing).toHaveLength(1);
    expect(failing[0].payload).toMatchObject({ kind: 'watch-failing', url: 'http://harbour.invalid/notices', failures: 3 });
    expect((failing[0].payload as { error: string }).error).toMatch(/does not exist/);
    expect((await t.service.listWatches(Workspace.id, 'c-news')).find((w) => w.id === watch.id)?.failures).toBe(4);
    await t.service.removeWatch(Workspace.id, watch.id);
  });

  it('runs each due time once when two scheduler processes share the database', { timeout: 90_000 }, async () => {
    const env = await databases.env();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'linksnap-watch-two-'));
    const setup = await startTestApp({ env, dataDir, captures: false });
    const handle = openStoreDatabase(setup.config);
    try {
      const store = createServiceStore(handle.db);
      const workspace = { id: 'slack:T-two', platform: 'slack' as const };
      await store.ensureWorkspace(workspace.id, workspace.platform, null);
      const now = new Date();
      const watchIds: string[] = [];
      for (let i = 0; i < 40; i++) {
        const link = await store.upsertLink(workspace.id, fixtures.url(`/article.html?watch=${i}`), now);
        const { watch } = await store.putWatch({ workspaceId: workspace.id, linkId: link.id, platform: 'slack', channelId: 'C1', channelName: null, channelPrivate: false, every: 'hourly', createdBy: 'u', nextRunAt: new Date(now.getTime() + 3_600_000), now });
        watchIds.push(watch.id);
      }
      const due = new Date(now.getTime() + 2 * 3_600_000);
      const childEnv = { ...process.env, ...TestEnv, ...env, LINKSNAP_DATA_DIR: dataDir, LINKSNAP_LOG_LEVEL: 'error' };
      const children = [0, 1].map(() => spawn(process.execPath, ['--import', 'tsx', 'test/helpers/watch-scheduler-child.ts', due.toISOString()], { env: childEnv, stdio: ['pipe', 'pipe', 'inherit'] }));
      // Listened for at spawn: a child that prints its line and exits before the parent looks for its
      // exit would otherwise never be seen exiting (the event fires once), and the test would hang.
      const ended = children.map((child) => new Promise<number | null>((resolve) => child.once('exit', resolve)));
      const exited = ended.map((end) => end.then((code) => Promise.reject<never>(new Error(`a scheduler process exited early (code ${code})`))));
      const outputs = children.map((child) => readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]());
      // A line from each process, or the reason it has none.
      const lineOf = async (i: number) => (await Promise.race([outputs[i].next(), exited[i]])).value as string;
      for (let i = 0; i < children.length; i++) expect(await lineOf(i)).toBe('ready');
      for (const child of children) child.stdin!.write('go\n');
      const started = (await Promise.all(children.map(async (_, i) => JSON.parse(await lineOf(i)) as string[]))).flat();
      for (const promise of exited) promise.catch(() => undefined);
      await Promise.all(ended);
      expect(started.sort()).toEqual([...watchIds].sort());
      // The next due time moved once, one hour on from the time it was claimed at, and each run is in flight.
      for (const watch of await store.listWatches(workspace.id, 'C1')) expect(new Date(watch.nextRunAt).getTime()).toBe(due.getTime() + 3_600_000);
      expect(await setup.service.watches.startDue(due)).toHaveLength(0);
    } finally {
      await handle.close();
      await setup.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
