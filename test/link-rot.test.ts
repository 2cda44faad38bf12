// Link rot through the real service, egress and store: a 404, a soft 404 (a redirect to the site's
// front page or to another site) and a host that no longer resolves are dead after two checks in a
// row, a live page is left alone, a 5xx says nothing, and the place a dead link was shared is told
// once, in the thread of the message that shared it (or the channel, or not at all).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { softNotFound } from '../src/core/link-check.js';
import type { ResolvedAddress } from '../src/core/egress/policy.js';
import type { Notice } from '../src/core/types.js';
import { startFixtureServer, type FixtureServer } from './helpers/fixture-server.js';
import { startTestApp, type TestApp } from './helpers/app.js';

describe('soft 404', () => {
  it('is a redirect to another site or to the front page, not a move within the site', () => {
    expect(softNotFound('https://news.example.com/2024/story', 'https://www.example.com/')).toMatch(/front page/);
    expect(softNotFound('https://blog.example.com/post/1', 'https://other.org/landing')).toMatch(/another site \(other\.org\)/);
    expect(softNotFound('https://news.bbc.co.uk/a', 'https://www.bbc.co.uk/news/a')).toBeNull();
    expect(softNotFound('http://example.com/a', 'https://example.com/a')).toBeNull();
    expect(softNotFound('https://example.com/old', 'https://example.com/new-home-for-old')).toBeNull();
    expect(softNotFound('https://example.com/', 'https://example.com/en/')).toBeNull();
    expect(softNotFound('https://example.com/account', 'https://example.com/login?next=/account')).toBeNull();
    expect(softNotFound('https://example.com/docs/page', 'https://example.com/index.html')).toMatch(/front page/);
  });

  it('judges a short link by where its page was when it was captured', () => {
    // t.co and youtu.be always lead to another site: that is where the page lives.
    expect(softNotFound('https://t.co/abc', 'https://example.com/story', 'https://example.com/story')).toBeNull();
    expect(softNotFound('https://youtu.be/xyz', 'https://www.youtube.com/watch?v=xyz', 'https://www.youtube.com/watch?v=xyz&feature=share')).toBeNull();
    // Now it leads somewhere else, or to the front page of the site it lived on.
    expect(softNotFound('https://bit.ly/abc', 'https://parked-domains.example/', 'https://blog.example.org/post')).toMatch(/another site/);
    expect(softNotFound('https://bit.ly/abc', 'https://blog.example.org/', 'https://blog.example.org/post')).toMatch(/front page/);
  });
});

/** elsewhere.test is this machine under another name (another site); vanished.test no longer exists. */
function resolverFor(): (host: string) => Promise<ResolvedAddress[]> {
  return async (host) => {
    if (host === 'elsewhere.test') return [{ address: '127.0.0.1', family: 4 }];
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  };
}

async function until<T>(read: () => T, done: (value: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('the link check', () => {
  let fixtures: FixtureServer;
  let t: TestApp;
  const posted: Notice[] = [];

  beforeAll(async () => {
    fixtures = await startFixtureServer();
    t = await startTestApp({ resolve: resolverFor() });
    t.service.subscribeNotices('discord', async (notice) => {
      posted.push(notice);
    });
  });
  afterAll(async () => {
    await t?.close();
    await fixtures?.close();
  });

  const page = (title: string) => `<!doctype html><html lang="en"><head><title>${title}</title></head><body><h1>${title}</h1><p>${'A page that is here for now. '.repeat(20)}</p></body></html>`;

  async function shareIn(workspaceId: string, channelId: string, messageId: string, url: string) {
    const accepted = await t.service.snap({
      url,
      workspace: { id: workspaceId, platform: 'discord' },
      requester: { id: 'u-poster' },
      source: { platform: 'discord', channelId, messageId, auto: true },
    });
    await t.service.waitFor(accepted.snapshot.id);
    return accepted;
  }

  it('calls a link dead after two checks in a row find it gone, and tells the thread it was shared in once', { timeout: 120_000 }, async () => {
    const ws = 'discord:g-rot';
    for (const name of ['live', 'gone', 'moved', 'elsewhere', 'flaky']) fixtures.setPage(`/rot/${name}`, page(`The ${name} page`));
    const live = await shareIn(ws, 'c-links', 'm-1', fixtures.url('/rot/live'));
    const gone = await shareIn(ws, 'c-links', 'm-2', fixtures.url('/rot/gone'));
    const moved = await shareIn(ws, 'c-links', 'm-3', fixtures.url('/rot/moved'));
    const elsewhere = await shareIn(ws, 'c-links', 'm-4', fixtures.url('/rot/elsewhere'));
    const flaky = await shareIn(ws, 'c-links', 'm-5', fixtures.url('/rot/flaky'));
    // Shared again in a second channel: that channel is told too, once.
    await shareIn(ws, 'c-other', 'm-9', fixtures.url('/rot/gone'));

    fixtures.setPage('/rot/gone', { status: 404, body: 'no such page' });
    fixtures.setPage('/rot/moved', { status: 301, headers: { location: '/' } });
    fixtures.setPage('/rot/elsewhere', { status: 302, headers: { location: `http://elsewhere.test:${fixtures.port}/article.html` } });
    fixtures.setPage('/rot/flaky', { status: 503, body: 'down for maintenance' });

    const first = await t.service.checkLinks({ all: true });
    expect(first).toMatchObject({ checked: 5, alive: 1, gone: 3, died: 0 });
    expect((await t.service.getLink(ws, gone.link.id)).lastCheck).toMatchObject({ alive: false, httpStatus: 404, failures: 1, deadSince: null });
    expect((await t.service.find({ workspaceId: ws, dead: true })).items).toHaveLength(0);

    const second = await t.service.checkLinks({ all: true });
    expect(second).toMatchObject({ checked: 5, alive: 1, gone: 3, died: 3 });
    const goneLink = await t.service.getLink(ws, gone.link.id);
    expect(goneLink.lastCheck).toMatchObject({ failures: 2, deadReason: 'HTTP 404' });
    expect(goneLink.lastCheck?.deadSince).toBeTruthy();
    expect((await t.service.getLink(ws, moved.link.id)).lastCheck?.deadReason).toMatch(/front page/);
    expect((await t.service.getLink(ws, elsewhere.link.id)).lastCheck?.deadReason).toMatch(/another site \(elsewhere\.test/);
    // A 503 says nothing either way; a live page is left alone.
    expect((await t.service.getLink(ws, flaky.link.id)).lastCheck).toMatchObject({ alive: false, httpStatus: 503, failures: 0, deadSince: null });
    expect((await t.service.getLink(ws, live.link.id)).lastCheck).toMatchObject({ alive: true, failures: 0, deadSince: null });

    const dead = await t.service.find({ workspaceId: ws, dead: true });
    expect(dead.items.map((item) => item.link.id).sort()).toEqual([gone.link.id, moved.link.id, elsewhere.link.id].sort());
    // A dead link still shows the page as it was.
    expect(dead.items.every((item) => item.snapshot.status === 'done')).toBe(true);

    const alerts = await until(() => posted.filter((notice) => notice.payload.kind === 'dead' && notice.workspaceId === ws), (list) => list.length >= 4, 'four alerts');
    const goneAlerts = alerts.filter((notice) => (notice.payload as { linkId: string }).linkId === gone.link.id);
    expect(goneAlerts.map((notice) => notice.channelId).sort()).toEqual(['c-links', 'c-other']);
    const inLinks = goneAlerts.find((notice) => notice.channelId === 'c-links')!.payload;
    expect(inLinks).toMatchObject({ kind: 'dead', url: gone.link.url, reason: 'HTTP 404', threadOf: { channelId: 'c-links', messageId: 'm-2' }, snapshot: { snapshotId: gone.snapshot.id } });

    // Checked again: still dead, told nobody again.
    expect(await t.service.checkLinks({ all: true })).toMatchObject({ died: 0 });
    await t.service.notices.deliverDue();
    expect(posted.filter((notice) => notice.payload.kind === 'dead' && notice.workspaceId === ws)).toHaveLength(4);

    // Back from the dead: cleared at once; dying again is a new death, told again.
    fixtures.setPage('/rot/gone', page('The gone page, back'));
    await t.service.checkLinks({ all: true });
    expect((await t.service.getLink(ws, gone.link.id)).lastCheck).toMatchObject({ alive: true, failures: 0, deadSince: null });
    fixtures.setPage('/rot/gone', { status: 410, body: 'gone for good' });
    await t.service.checkLinks({ all: true });
    await t.service.checkLinks({ all: true });
    await until(() => posted.filter((notice) => notice.payload.kind === 'dead' && notice.workspaceId === ws), (list) => list.length >= 6, 'the second death told');
  });

  it('follows rot_alerts: the channel itself, or nobody', { timeout: 60_000 }, async () => {
    fixtures.setPage('/rot/channel-mode', page('Channel mode'));
    fixtures.setPage('/rot/off-mode', page('Off mode'));
    await t.service.updateSettings('discord:g-channel', { rotAlerts: 'channel' });
    await t.service.updateSettings('discord:g-off', { rotAlerts: 'off' });
    const inChannel = await shareIn('discord:g-channel', 'c-1', 'm-1', fixtures.url('/rot/channel-mode'));
    await shareIn('discord:g-off', 'c-1', 'm-1', fixtures.url('/rot/off-mode'));
    fixtures.setPage('/rot/channel-mode', { status: 404 });
    fixtures.setPage('/rot/off-mode', { status: 404 });
    await t.service.checkLinks({ all: true });
    expect(await t.service.checkLinks({ all: true })).toMatchObject({ died: 2 });
    const alert = await until(() => posted.find((notice) => notice.workspaceId === 'discord:g-channel'), (found) => found !== undefined, 'the channel alert');
    expect(alert!.payload).toMatchObject({ kind: 'dead', linkId: inChannel.link.id, threadOf: null });
    await t.service.notices.deliverDue();
    expect(posted.filter((notice) => notice.workspaceId === 'discord:g-off')).toHaveLength(0);
  });

  it('counts a host that no longer resolves as gone', async () => {
    const check = await import('../src/core/link-check.js').then((m) => m.checkLink('http://vanished.test/page', t.app.policy));
    expect(check).toMatchObject({ alive: false, gone: true, httpStatus: null });
    expect(check.error).toMatch(/vanished\.test does not exist/);
  });
});
