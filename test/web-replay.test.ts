// Replay of a snapshot's WACZ with ReplayWeb.page, on its own origin: the replay origin's routes
// (signed WACZ only, nothing else, no cookies), and in a real Chromium the snapshot view's Replay
// tab running the archived page's script, a hostile archived page that gets nothing of the web
// page's, and a snapshot without a WACZ keeping the static archive alone.
import http from 'node:http';
import puppeteer, { type Browser, type Frame, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SnapService } from '../src/core/service-api.js';
import type { Snapshot } from '../src/core/types.js';
import { headlessModeFor } from '../src/core/capture/find-chrome.js';
import { createWebServer, type WebServer } from '../src/web/index.js';
import { DesktopChromium, TestChromiumArgs } from './helpers/chromium.js';
import { startFixtureServer, type FixtureServer } from './helpers/fixture-server.js';
import { startTestApp, type TestApp } from './helpers/app.js';

const Token = 'replay-test-token-0123456789abcdef';

let fixtures: FixtureServer;
let t: TestApp;
let web: WebServer;
let base: string;
let replayOrigin: string;
let browser: Browser;
/** Stands for the live web: anything that reaches it from a replay has leaked. */
let live: { origin: string; hits: string[]; close(): Promise<void> };
/** Every request the web server got, with the Origin it came from. */
const webRequests: Array<{ url: string; origin: string | undefined; site: string | undefined }> = [];

/** A page whose script fetches data at load and writes it into the page only when its button is pressed. */
const ScriptedPage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Tide tables</title></head>
<body style="font: 18px sans-serif"><h1>Tide tables</h1>
<p id="loaded">Loading…</p>
<button id="more" type="button">Show the tide</button>
<p id="x"></p>
<script>
  fetch('/tides/data.json').then(function (r) { return r.json(); }).then(function (d) {
    document.getElementById('loaded').textContent = 'Loaded ' + d.entries + ' entries';
    document.getElementById('more').addEventListener('click', function () {
      document.getElementById('x').textContent = 'written by script: high water at ' + d.high;
    });
  });
</script></body></html>`;

/** Tries, once replayed, to read the web page's cookies, call its API and reach the live web; writes what it got. */
function hostilePage(webBase: string, liveOrigin: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Hostile replayed page</title></head>
<body><h1>Hostile replayed page</h1><pre id="results">pending</pre>
<script>
  // Only when replayed (ReplayWeb.page defines wbinfo): the capture itself must not call the API.
  if (window.wbinfo) {
    var results = { cookie: document.cookie };
    var done = function () { document.getElementById('results').textContent = JSON.stringify(results); };
    var attempt = function (name, promise) {
      return promise.then(function (v) { results[name] = v; }, function (e) { results[name] = 'failed: ' + e; });
    };
    try { new Image().src = '${liveOrigin}/live-leak/img?' + Math.random(); } catch (e) {}
    try { new WebSocket('${liveOrigin.replace('http:', 'ws:')}/live-leak/ws'); } catch (e) {}
    // A fresh frame's own fetch and WebSocket, in case the replay's rewriting leaves them alone.
    var frame = document.createElement('iframe');
    document.body.appendChild(frame);
    try { new frame.contentWindow.WebSocket('${liveOrigin.replace('http:', 'ws:')}/live-leak/frame-ws'); } catch (e) {}
    Promise.all([
      attempt('api', fetch('${webBase}/api/snapshots', { credentials: 'include' }).then(function (r) { return r.text().then(function (body) { return r.status + ' ' + body.slice(0, 200); }); })),
      attempt('live', fetch('${liveOrigin}/live-leak/fetch?' + Math.random()).then(function (r) { return String(r.status); })),
      attempt('frameFetch', frame.contentWindow.fetch('${liveOrigin}/live-leak/frame?' + Math.random()).then(function (r) { return String(r.status); })),
    ]).then(done, done);
  }
</script></body></html>`;
}

/** The service with the WACZ of `hidden` snapshots left out: snapshots from before captures recorded one. */
function hidingWacz(service: SnapService, hidden: Set<string>): SnapService {
  return new Proxy(service, {
    get(target, prop, receiver) {
      if (prop === 'getSnapshotById') {
        return async (id: string): Promise<Snapshot> => {
          const snapshot = await target.getSnapshotById(id);
          if (!hidden.has(id)) return snapshot;
          const { wacz: _hidden, ...artifacts } = snapshot.artifacts;
          return { ...snapshot, artifacts };
        };
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function snap(url: string): Promise<Snapshot> {
  const accepted = await t.service.snap({ url, tags: [], force: true, workspace: { id: 'local', platform: 'web' }, requester: { id: 'local' }, source: { platform: 'web' } });
  const snapshot = await t.service.waitFor(accepted.snapshot.id);
  expect(snapshot.status, snapshot.error ?? '').toBe('done');
  expect(snapshot.artifacts.wacz, 'the capture recorded a WACZ').toBeDefined();
  return snapshot;
}

let scripted: Snapshot;
let hostile: Snapshot;
let plain: Snapshot;

async function startLiveServer(): Promise<typeof live> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': 'text/plain', 'access-control-allow-origin': '*' }).end('live');
  });
  server.on('upgrade', (req, socket) => {
    hits.push(`UPGRADE ${req.url}`);
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    hits,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

beforeAll(async () => {
  fixtures = await startFixtureServer();
  live = await startLiveServer();
  // The default replay origin: the web page's host, on a port of its own (any free one here).
  t = await startTestApp({ env: { LINKSNAP_PORT: '0' } });
  fixtures.setPage('/tides/data.json', { status: 200, body: JSON.stringify({ entries: 12, high: '06:41' }), headers: { 'content-type': 'application/json' } });
  fixtures.setPage('/tides/', ScriptedPage);
  scripted = await snap(fixtures.url('/tides/'));
  plain = await snap(fixtures.url('/tides/'));
  web = createWebServer({ service: hidingWacz(t.service, new Set([plain.id])), config: { ...t.config, apiToken: Token }, logger: t.logger });
  web.server.prependListener('request', (req: http.IncomingMessage) => {
    webRequests.push({ url: req.url ?? '', origin: req.headers.origin, site: req.headers['sec-fetch-site'] as string | undefined });
  });
  base = await web.listen();
  replayOrigin = web.replayOrigin();
  fixtures.setPage('/hostile/', hostilePage(base, live.origin));
  hostile = await snap(fixtures.url('/hostile/'));
  browser = await puppeteer.launch({ executablePath: DesktopChromium, headless: headlessModeFor(DesktopChromium), args: [...TestChromiumArgs, '--lang=en-US'] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await web?.close();
  await t?.close();
  await fixtures?.close();
  await live?.close();
});

/** A signed-in page (session cookie) with the language cookie set too, both on the web page's origin. */
async function signedInPage(): Promise<Page> {
  const page = await (await browser.createBrowserContext()).newPage();
  await page.setViewport({ width: 1280, height: 900 });
  await page.goto(`${base}/login`);
  await page.type('input[name=token]', Token);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  await page.goto(`${base}/?lang=en`);
  const cookies = await page.cookies(base);
  expect(cookies.map((c) => c.name).sort()).toEqual(['linksnap_lang', 'linksnap_session']);
  return page;
}

/** The replayed page's frame: viewer frame → ReplayWeb.page's frame → the archived page (…/mp_/<url>). */
async function replayedFrame(page: Page, url: string): Promise<Frame> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const frame = page.frames().find((f) => f.url().startsWith(`${replayOrigin}/replay/w/`) && f.url().endsWith(`mp_/${url}`));
    if (frame) return frame;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`No replayed frame of ${url}; frames: ${page.frames().map((f) => f.url()).join(', ')}`);
}

/** Runs `expression` in a fresh isolated world of the frame at `url`: the page's DOM and CSP, none of its scripts' changes. */
async function evaluateIsolated(page: Page, url: string, expression: string): Promise<void> {
  const session = await page.createCDPSession();
  type Tree = { frame: { id: string; url: string }; childFrames?: Tree[] };
  const find = (tree: Tree): string | null => (tree.frame.url === url ? tree.frame.id : (tree.childFrames ?? []).map(find).find(Boolean) ?? null);
  const { frameTree } = (await session.send('Page.getFrameTree')) as unknown as { frameTree: Tree };
  const frameId = find(frameTree);
  if (!frameId) throw new Error(`No frame at ${url} in this page's process`);
  const { executionContextId } = await session.send('Page.createIsolatedWorld', { frameId, worldName: 'leak-probe' });
  await session.send('Runtime.evaluate', { expression, contextId: executionContextId });
  await session.detach();
}

async function openReplay(page: Page, snapshot: Snapshot): Promise<void> {
  await page.goto(`${base}/s/${snapshot.id}`);
  await page.waitForSelector('#tab-replay', { visible: true });
  expect(await page.$eval('#replay-frame', (f) => f.hasAttribute('src'))).toBe(false);
  await page.click('#tab-replay');
  await page.waitForSelector('#replay-frame', { visible: true });
}

describe('the replay origin', () => {
  it('is another origin than the web page, and the page reports the port it got', () => {
    expect(new URL(replayOrigin).origin).toBe(replayOrigin);
    expect(replayOrigin).not.toBe(new URL(base).origin);
    expect(new URL(replayOrigin).port).not.toBe('0');
  });

  it('serves the WACZ only with its snapshot\'s signature, byte ranges too, and nothing but the viewer besides', async () => {
    const grant = new URLSearchParams(new URL(web.snapshotUrl(scripted)).search);
    const sig = grant.get('sig')!;
    const otherSig = new URLSearchParams(new URL(web.snapshotUrl(plain)).search).get('sig')!;
    const get = (path: string, headers: Record<string, string> = {}) => fetch(`${replayOrigin}${path}`, { headers, redirect: 'manual' });

    const ok = await get(`/wacz/${scripted.id}.wacz?sig=${sig}`);
    expect(ok.status).toBe(200);
    const bytes = Buffer.from(await ok.arrayBuffer());
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('PK\u0003\u0004');
    const ranged = await get(`/wacz/${scripted.id}.wacz?sig=${sig}`, { range: 'bytes=0-9' });
    expect(ranged.status).toBe(206);
    expect(Buffer.from(await ranged.arrayBuffer())).toEqual(bytes.subarray(0, 10));

    const refused = [
      await get(`/wacz/${scripted.id}.wacz`),
      await get(`/wacz/${scripted.id}.wacz?sig=${otherSig}`),
      await get(`/wacz/${scripted.id}.wacz?sig=${sig.slice(0, -2)}xx`),
      await get(`/view/${scripted.id}`),
      await get(`/view/${scripted.id}?sig=${otherSig}`),
    ];
    expect(refused.map((r) => r.status)).toEqual([403, 403, 403, 403, 403]);
    // A valid signature for a snapshot without a WACZ opens nothing either.
    expect((await get(`/wacz/${plain.id}.wacz?sig=${otherSig}`)).status).toBe(404);
    expect((await get(`/view/${plain.id}?sig=${otherSig}`)).status).toBe(404);

    const unknown = await Promise.all(['/', '/api/snapshots', `/api/snapshots/${scripted.id}/wacz?sig=${sig}`, `/s/${scripted.id}?sig=${sig}`, '/login', '/replay/index.js', '/assets/app.js'].map((p) => get(p)));
    expect(unknown.map((r) => r.status)).toEqual(unknown.map(() => 404));
    expect((await fetch(`${replayOrigin}/wacz/${scripted.id}.wacz?sig=${sig}`, { method: 'POST' })).status).toBe(405);

    const viewer = await get(`/view/${scripted.id}?sig=${sig}`);
    expect(viewer.status).toBe(200);
    const page = await viewer.text();
    expect(page).toContain('<script src="/replay/ui.js"></script>');
    expect(page).toContain(`source="/wacz/${scripted.id}.wacz?sig=${sig}"`);
    const sw = await get('/replay/sw.js');
    expect(sw.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await sw.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
    expect((await get('/replay/ui.js')).headers.get('content-type')).toMatch(/^text\/javascript/);

    for (const response of [ok, ranged, ...refused, ...unknown, viewer, sw]) {
      expect(response.headers.get('set-cookie')).toBeNull();
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('cross-origin-resource-policy')).toBe('same-origin');
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toMatch(/default-src '(self|none)'/);
      expect(csp).not.toMatch(/https?:|\*/);
    }
  });

  it('fails the start, saying why, when the replay origin\'s port is taken', async () => {
    const taken = http.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    const other = createWebServer({ service: t.service, config: { ...t.config, replayUrl: `http://127.0.0.1:${port}` }, logger: t.logger });
    await expect(other.listen()).rejects.toThrow(new RegExp(`replay server could not listen on 127\\.0\\.0\\.1:${port}.*EADDRINUSE`));
    expect(other.server.listening).toBe(false);
    await other.close();
    await new Promise<void>((resolve) => taken.close(() => resolve()));
  });

  it('frames the viewer from the web page only for a snapshot with a WACZ, and only for a reader allowed to see it', async () => {
    const noAuth = await fetch(`${base}/s/${scripted.id}/replay`, { redirect: 'manual' });
    expect(noAuth.status).toBe(303);
    const signed = await fetch(`${base}/s/${scripted.id}/replay?${new URL(web.snapshotUrl(scripted)).search.slice(1)}`);
    expect(signed.status).toBe(200);
    expect(signed.headers.get('content-security-policy')).toBe(`default-src 'none'; style-src 'self'; frame-src ${replayOrigin}; base-uri 'none'; form-action 'none'; frame-ancestors 'self'`);
    expect(await signed.text()).toContain(`src="${replayOrigin}/view/${scripted.id}?sig=`);
    const none = await fetch(`${base}/s/${plain.id}/replay?${new URL(web.snapshotUrl(plain)).search.slice(1)}`);
    expect(none.status).toBe(404);
  });
});

describe('replay in a real browser', () => {
  it('runs the archived page\'s script: the text it writes shows in the replay and not in the static archive', async () => {
    const page = await signedInPage();
    const before = fixtures.requests.length;
    await openReplay(page, scripted);
    const frame = await replayedFrame(page, fixtures.url('/tides/'));
    await frame.waitForFunction(() => document.getElementById('loaded')?.textContent === 'Loaded 12 entries', { timeout: 30_000 });
    await frame.evaluate(() => (document.getElementById('more') as HTMLButtonElement).click());
    await frame.waitForFunction(() => document.getElementById('x')?.textContent === 'written by script: high water at 06:41', { timeout: 10_000 });
    // Page and data came from the WACZ: the page's own server heard nothing of the replay.
    expect(fixtures.requests.slice(before)).toEqual([]);

    const archive = await (await fetch(`${base}/api/snapshots/${scripted.id}/archive`, { headers: { authorization: `Bearer ${Token}` } })).text();
    expect(archive).toContain('Tide tables');
    expect(archive).not.toContain('written by script');
    await page.browserContext().close();
  }, 120_000);

  it('keeps a hostile replayed page from the web page\'s cookies, its API and the live web', async () => {
    const page = await signedInPage();
    const before = fixtures.requests.length;
    const webBefore = webRequests.length;
    await openReplay(page, hostile);
    const frame = await replayedFrame(page, fixtures.url('/hostile/'));
    await frame.waitForFunction(() => document.getElementById('results')?.textContent !== 'pending', { timeout: 30_000 });
    const results = JSON.parse((await frame.$eval('#results', (el) => el.textContent))!) as Record<string, string>;
    // Past the replay's rewriting altogether (a world of the page's that its scripts cannot
    // touch): what is left is the Content-Security-Policy the replayed page was served with.
    await evaluateIsolated(page, frame.url(), `(() => {
      const origin = ${JSON.stringify(live.origin)};
      try { new WebSocket(origin.replace('http:', 'ws:') + '/live-leak/isolated-ws'); } catch {}
      fetch(origin + '/live-leak/isolated-fetch').catch(() => undefined);
      new Image().src = origin + '/live-leak/isolated-img';
    })()`);
    // The service worker answers the replayed page's requests; served under the replay origin's
    // CSP, it may not fetch from anywhere else either.
    const sw = await page.browserContext().waitForTarget((target) => target.type() === 'service_worker' && target.url().startsWith(`${replayOrigin}/replay/sw.js`));
    const swFetch = await (await sw.worker())!.evaluate((origin: string) => fetch(`${origin}/live-leak/service-worker`).then((r) => `reached ${r.status}`, (e: unknown) => `refused: ${String(e)}`), live.origin);
    expect(swFetch).toMatch(/^refused/);
    await new Promise((resolve) => setTimeout(resolve, 1500));

    expect(new URL(frame.url()).origin).toBe(replayOrigin);
    expect(results.cookie).not.toMatch(/linksnap_/);
    // The API call never reached the web page: the replay answered it from the archive, which holds none.
    expect(results.api).not.toMatch(/^200/);
    const duringReplay = webRequests.slice(webBefore);
    expect(duringReplay.filter((r) => r.url.split('?')[0] === '/api/snapshots')).toEqual([]);
    // Everything the web server got came from its own pages (the view, its files, the replay frame).
    expect(duringReplay.filter((r) => r.origin === replayOrigin || (r.site !== 'same-origin' && r.site !== 'none'))).toEqual([]);
    expect(live.hits).toEqual([]);
    // Nor did the replay reach the page's own server again: it played from the archive alone.
    expect(fixtures.requests.slice(before)).toEqual([]);
    await page.browserContext().close();
  }, 120_000);

  it('replays through a signed link too, in a fresh browser without the token', async () => {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    await page.goto(web.snapshotUrl(scripted));
    await page.waitForSelector('#tab-replay', { visible: true });
    await page.click('#tab-replay');
    const frame = await replayedFrame(page, fixtures.url('/tides/'));
    await frame.waitForFunction(() => document.getElementById('loaded')?.textContent === 'Loaded 12 entries', { timeout: 30_000 });
    // The viewer carries the link's own signature, not a fresh one.
    const viewer = page.frames().find((f) => f.url().startsWith(`${replayOrigin}/view/`))!;
    expect(new URL(viewer.url()).search).toBe(new URL(web.snapshotUrl(scripted)).search);
    await context.close();
  }, 120_000);

  it('shows no Replay for a snapshot without a WACZ (the static archive as before) nor for a file', async () => {
    const page = await signedInPage();
    await page.goto(`${base}/s/${plain.id}`);
    await page.waitForSelector('#archive-frame', { visible: true });
    expect(await page.$('#tab-replay')).toBeNull();
    expect(await page.$('#replay-frame')).toBeNull();
    expect(await page.$('#panel-archive')).not.toBeNull();
    // A file keeps its download: its one-response WACZ offers no replay.
    const file = await snap(fixtures.url('/doc.pdf'));
    expect(file.artifacts.original).toBeDefined();
    await page.goto(`${base}/s/${file.id}`);
    expect(await page.$('#panel-replay')).toBeNull();
    await page.browserContext().close();
  }, 60_000);
});
