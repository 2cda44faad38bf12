// Real Chromium, launched with the egress flags, one proxy per browser context. A trap listens on
// 127.0.0.2 (refused: only 127.0.0.1/32 is allowed) and must see nothing, whatever the page tries.
import http from 'node:http';
import os from 'node:os';
import puppeteer, { type Browser, type BrowserContext, type Page } from 'puppeteer-core';
import { WebSocketServer } from 'ws';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chromiumEgressArgs, egressContextOptions } from '../src/core/egress/chromium.js';
import { createEgressPolicy, type ResolvedAddress } from '../src/core/egress/policy.js';
import { startEgressProxy, type EgressProxy } from '../src/core/egress/proxy.js';
import { createMemoryLogger } from '../src/core/logger.js';
import { ChromiumBuilds, launchOptions, TestChromiumArgs } from './helpers/chromium.js';
import { startFixtureWithTrap, type LoopbackListener } from './helpers/loopback-listener.js';
import { gatherIceCandidates } from './helpers/webrtc-probe.js';


const names: Record<string, string> = { 'fixture.test': '127.0.0.1', 'trap.test': '127.0.0.2' };
const resolve = async (host: string): Promise<ResolvedAddress[]> => {
  const address = names[host];
  if (!address) throw Object.assign(new Error(`ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return [{ address, family: 4 }];
};
const policy = createEgressPolicy({ allowNets: ['127.0.0.1/32'], onlyAllowed: true, resolve });

let fixture: http.Server;
let port: number;
let trap: LoopbackListener;
let closeFixture: (() => Promise<void>) | undefined;
let defaultProxy: EgressProxy;
let browser: Browser;
let proxy: EgressProxy;
let context: BrowserContext;
let page: Page;
const fixtureHits: string[] = [];

/** Every way a trap URL can be written; all of them name 127.0.0.2. */
const trapUrls = () => [
  `http://127.0.0.2:${port}/`,
  `http://trap.test:${port}/`,
  `http://2130706434:${port}/`,
  `http://0x7f.0.0.2:${port}/`,
  `http://[::ffff:127.0.0.2]:${port}/`,
  `https://127.0.0.2:${port}/`,
];

function html(body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>fixture</title></head><body>${body}</body></html>`;
}

function route(req: http.IncomingMessage, res: http.ServerResponse) {
  fixtureHits.push(req.url ?? '');
  const url = new URL(req.url ?? '/', 'http://fixture');
  const trap0 = `http://127.0.0.2:${port}`;
  switch (url.pathname) {
    case '/page':
      return res.writeHead(200, { 'content-type': 'text/html' }).end(html('<p>hello</p>'));
    case '/redirect':
      return res.writeHead(302, { location: `${trap0}/redirected` }).end();
    case '/redirect-named':
      return res.writeHead(302, { location: `http://trap.test:${port}/redirected` }).end();
    case '/allowed.png':
      return res.writeHead(200, { 'content-type': 'image/svg+xml' }).end('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>');
    case '/subresources':
      return res.writeHead(200, { 'content-type': 'text/html' }).end(
        html(`
          <link rel="stylesheet" href="${trap0}/style.css">
          <link rel="prefetch" href="http://trap.test:${port}/prefetch">
          <link rel="preconnect" href="http://trap.test:${port}">
          <script src="http://2130706434:${port}/script.js"></script>
          <img id="ok" src="/allowed.png">
          <img src="http://[::ffff:127.0.0.2]:${port}/img.png">
          <img srcset="https://127.0.0.2:${port}/img2.png 2x">
          <iframe src="http://trap.test:${port}/frame"></iframe>
          <video src="${trap0}/video.mp4" autoplay muted></video>
          <div style="background:url(${trap0}/bg.png)">x</div>
          <form id="f" action="${trap0}/form" method="post"></form>
        `),
      );
    default:
      return res.writeHead(404, { 'content-type': 'text/plain' }).end('missing');
  }
}

beforeAll(async () => {
  ({ server: fixture, port, trap, close: closeFixture } = await startFixtureWithTrap(route));
  const sockets = new WebSocketServer({ server: fixture });
  sockets.on('connection', (socket) => socket.on('message', (data) => socket.send(`echo:${String(data)}`)));
  // The default context gets its own policy-checked proxy, so it leaks nothing either.
  defaultProxy = await startEgressProxy({ policy, logger: createMemoryLogger() });
});

afterAll(async () => {
  await defaultProxy?.close();
  await closeFixture?.();
});

beforeEach(async () => {
  proxy = await startEgressProxy({ policy, logger: createMemoryLogger() });
  context = await browser.createBrowserContext(egressContextOptions(proxy));
  page = await context.newPage();
  page.setDefaultNavigationTimeout(20_000);
});

afterEach(async () => {
  await context.close();
  await proxy.close();
  expect(trap.connections.map((c) => c.firstBytes.split('\r\n')[0]), 'TCP reached the refused 127.0.0.2 listener').toEqual([]);
  expect(trap.datagrams, 'UDP reached the refused 127.0.0.2 listener').toEqual([]);
});

const blockedHosts = () => proxy.blocked.map((entry) => entry.host);

// Every test below runs in each installed build: the product's default (the headless shell) and
// the full browser an admin may choose with CHROME_PATH.
describe.each(ChromiumBuilds)('in %s', (build) => {
  beforeAll(async () => {
    browser = await puppeteer.launch(launchOptions(build, [...TestChromiumArgs, ...chromiumEgressArgs(defaultProxy.url)]));
  });

  afterAll(async () => {
    await browser?.close();
  });

  describe('Chromium behind the egress proxy', () => {
    it('loads an allowed page through the proxy', async () => {
      const response = await page.goto(`http://127.0.0.1:${port}/page`);
      expect(response?.status()).toBe(200);
      expect(await page.title()).toBe('fixture');
      expect(proxy.bytesIn).toBeGreaterThan(0);
      // A name is resolved by the proxy (Chromium itself resolves nothing).
      expect((await page.goto(`http://fixture.test:${port}/page`))?.status()).toBe(200);
    });

    it('refuses navigation to a refused address however it is written', async () => {
      for (const url of trapUrls()) {
        const outcome = await page.goto(url).then(
          (response) => `status ${response?.status()}`,
          (error: Error) => error.message.split(' at ')[0],
        );
        expect(outcome, url).toMatch(/status 403|net::ERR_TUNNEL_CONNECTION_FAILED/);
      }
      expect(blockedHosts().length).toBeGreaterThanOrEqual(trapUrls().length);
      for (const entry of proxy.blocked) expect(entry.reason).toMatch(/loopback address 127\.0\.0\.0\/8/);
    });

    it('refuses a redirect from an allowed page into a refused address', async () => {
      for (const path of ['/redirect', '/redirect-named']) {
        const response = await page.goto(`http://127.0.0.1:${port}${path}`);
        expect(response?.status()).toBe(403);
        // The pipeline tells the proxy's refusal from a site's own 403 by this header.
        expect(response?.headers()['x-linksnap-refused']).toBe('loopback address 127.0.0.0/8');
      }
      expect(proxy.blocked.map((entry) => entry.url)).toEqual(
        expect.arrayContaining([`http://127.0.0.2:${port}/redirected`, `http://trap.test:${port}/redirected`]),
      );
    });

    it('refuses every kind of sub-resource and keeps the allowed ones', async () => {
      await page.goto(`http://127.0.0.1:${port}/subresources`, { waitUntil: 'load' });
      expect(await page.$eval('#ok', (img) => (img as HTMLImageElement).naturalWidth)).toBe(4);
      await page.evaluate(() => (document.getElementById('f') as HTMLFormElement).submit());
      await page.waitForNavigation({ waitUntil: 'load' }).catch(() => undefined);
      const urls = proxy.blocked.map((entry) => entry.url);
      for (const expected of ['/style.css', '/script.js', '/img.png', '/frame', '/bg.png', '/form', `127.0.0.2:${port}`]) {
        expect(urls.some((url) => url.endsWith(expected)), `${expected} in ${JSON.stringify(urls)}`).toBe(true);
      }
    });

    it('refuses fetch and XMLHttpRequest to refused addresses', async () => {
      await page.goto(`http://127.0.0.1:${port}/page`);
      const results = await page.evaluate(async (targets: string[]) => {
        const out: string[] = [];
        for (const target of targets) {
          try {
            const response = await fetch(target, { mode: 'no-cors' });
            out.push(`fetch ${response.type}`);
          } catch {
            out.push('fetch failed');
          }
          out.push(
            await new Promise<string>((done) => {
              const xhr = new XMLHttpRequest();
              xhr.open('GET', target);
              xhr.onload = () => done(`xhr ${xhr.status}`);
              xhr.onerror = () => done('xhr failed');
              xhr.send();
            }),
          );
        }
        navigator.sendBeacon(targets[0], 'beacon');
        return out;
      }, trapUrls());
      // no-cors hides the status: an opaque answer is the 403 from the proxy, never the trap's 200.
      expect(results.filter((result) => result === 'xhr 200')).toEqual([]);
      await page.goto(`http://127.0.0.1:${port}/page`);
      expect(blockedHosts().filter((host) => host === '127.0.0.2' || host === 'trap.test' || host === '::ffff:7f00:2' || host === '[::ffff:7f00:2]').length).toBeGreaterThanOrEqual(trapUrls().length * 2);
    });

    it('refuses websockets to refused addresses and relays them to allowed ones', async () => {
      await page.goto(`http://127.0.0.1:${port}/page`);
      const results = await page.evaluate(async (targets: string[]) => {
        const attempt = (target: string) =>
          new Promise<string>((done) => {
            const socket = new WebSocket(target);
            socket.onopen = () => socket.send('ping');
            socket.onmessage = (event) => {
              done(`message ${String(event.data)}`);
              socket.close();
            };
            socket.onerror = () => done('error');
          });
        return Promise.all(targets.map(attempt));
      }, [`ws://127.0.0.1:${port}/`, `ws://127.0.0.2:${port}/`, `ws://trap.test:${port}/`, `wss://127.0.0.2:${port}/`, `ws://2130706434:${port}/`]);
      expect(results).toEqual(['message echo:ping', 'error', 'error', 'error', 'error']);
      expect(proxy.blocked.map((entry) => entry.url).sort()).toEqual(
        [`127.0.0.2:${port}`, `127.0.0.2:${port}`, `127.0.0.2:${port}`, `trap.test:${port}`].sort(),
      );
    });

    it('gives WebRTC no local address and no UDP path to a STUN server on a refused address', async () => {
      await page.goto(`http://127.0.0.1:${port}/page`);
      const candidates = await gatherIceCandidates(page, [
        { urls: [`stun:127.0.0.2:${port}`, `stun:trap.test:${port}`] },
        { urls: `turn:127.0.0.2:${port}?transport=udp`, username: 'u', credential: 'p' },
      ]);
      const local = Object.values(os.networkInterfaces())
        .flat()
        .map((entry) => entry?.address)
        .filter((address): address is string => Boolean(address));
      const text = `${candidates.found.join('\n')}\n${candidates.sdp}`;
      for (const address of local) {
        if (address === '0.0.0.0') continue;
        expect(text.includes(` ${address} `), `${address} leaked in ICE candidates`).toBe(false);
      }
      expect(candidates.found.filter((candidate) => /typ (host|srflx|prflx)/.test(candidate))).toEqual([]);
    });
  });

  describe('Chromium and DNS rebinding', () => {
    it('a page whose name rebinds to a refused address after the first lookup cannot reach it', async () => {
      const answers: string[] = [];
      const rebinding = createEgressPolicy({
        allowNets: ['127.0.0.1/32'],
        onlyAllowed: true,
        resolve: async (host) => {
          if (host !== 'rebind.test') throw Object.assign(new Error(`ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
          const address = answers.length === 0 ? '127.0.0.1' : '127.0.0.2';
          answers.push(address);
          return [{ address, family: 4 }];
        },
      });
      const rebindProxy = await startEgressProxy({ policy: rebinding, logger: createMemoryLogger() });
      const rebindContext = await browser.createBrowserContext(egressContextOptions(rebindProxy));
      try {
        const rebindPage = await rebindContext.newPage();
        const before = fixtureHits.length;
        expect((await rebindPage.goto(`http://rebind.test:${port}/page`))?.status()).toBe(200);
        // Same origin for the page, a new lookup for the proxy: now 127.0.0.2, refused.
        const status = await rebindPage.evaluate(() => fetch('/page?again').then((response) => response.status));
        expect(status).toBe(403);
        expect(fixtureHits.slice(before).filter((path) => path.startsWith('/page'))).toEqual(['/page']);
        expect(answers[0]).toBe('127.0.0.1');
        expect(rebindProxy.blocked.map((entry) => entry.url)).toContain(`http://rebind.test:${port}/page?again`);
      } finally {
        await rebindContext.close();
        await rebindProxy.close();
      }
    });
  });

  describe('harness self-check', () => {
    it('the trap does see a page that is not behind the egress flags (so the tests above can fail)', async () => {
      const plain = await puppeteer.launch(launchOptions(build, TestChromiumArgs));
      try {
        const unsafe = await plain.newPage();
        await unsafe.goto(`http://127.0.0.1:${port}/page`);
        await unsafe.evaluate((target: string) => fetch(target, { mode: 'no-cors' }).catch(() => undefined), `http://127.0.0.2:${port}/self-check`);
        await expect.poll(() => trap.connections.length).toBeGreaterThan(0);
        expect(trap.connections[0].firstBytes).toMatch(/^GET \/self-check HTTP\/1\.1/);
      } finally {
        await plain.close();
        trap.connections.length = 0; // the leak was on purpose; afterEach checks the rest
      }
    });
  });
});
