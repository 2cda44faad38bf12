// The exported WACZ of a tag with three snapshots opens in ReplayWeb.page (the viewer linksnap
// ships, its ui.js and sw.js unmodified) in real Chromium, and each of the three pages replays:
// the text its own script wrote shows inside the replayed frame, with the site itself switched
// off. The package is served the way any static host would serve a downloaded file (with ranges),
// not by linksnap, so this is what someone opening the export elsewhere gets.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headlessModeFor } from '../src/core/capture/find-chrome.js';
import { ExportFormats } from '../src/core/export-formats.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { DesktopChromium, TestChromiumArgs } from './helpers/chromium.js';
import { type LoopbackServer, serveOnLoopback } from './helpers/loopback-server.js';

const Names = ['north', 'south', 'east'];
const Local = { workspace: { id: 'local', platform: 'cli' as const }, requester: { id: 'export-replay' }, source: { platform: 'cli' as const } };

let site: LoopbackServer;
let siteOrigin: string;
let siteUp = true;
let host: LoopbackServer;
let hostOrigin: string;
let t: TestApp;
let browser: Browser;
let exported: Buffer;

const viewerDir = path.dirname(createRequire(import.meta.url).resolve('replaywebpage/index.html'));

beforeAll(async () => {
  site = await serveOnLoopback((req, res) => {
    const name = (req.url ?? '').replace(/^\/|\.html$/g, '');
    if (!siteUp || !Names.includes(name)) return void res.writeHead(503).end('down');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(
      `<!doctype html><html><head><meta charset="utf-8"><title>Station ${name}</title></head><body><h1>Station ${name}</h1>` +
        `<p>${`Weather notes from the ${name} station. `.repeat(12)}</p><p id="js">static</p>` +
        `<script>document.getElementById('js').textContent = 'script wrote ${name}';</script></body></html>`,
    );
  });
  siteOrigin = site.origin;
  t = await startTestApp();
  for (const name of Names) {
    const accepted = await t.service.snap({ url: `${siteOrigin}/${name}.html`, tags: ['stations'], ...Local });
    expect((await t.service.waitFor(accepted.snapshot.id, AbortSignal.timeout(90_000))).status).toBe('done');
  }
  const out = new PassThrough();
  const bytes = buffer(out);
  await ExportFormats.wacz.write(t.service, { workspaceId: 'local', tags: ['stations'], viewer: null }, out, 'stations');
  exported = await bytes;

  host = await serveOnLoopback((req, res) => {
    const url = new URL(req.url ?? '/', 'http://host');
    if (url.pathname === '/replay/ui.js' || url.pathname === '/replay/sw.js') {
      return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(path.join(viewerDir, path.basename(url.pathname))));
    }
    if (url.pathname === '/replay/' || url.pathname === '/replay/index.html') {
      return void res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script src="./ui.js"></script><replay-app-main></replay-app-main>');
    }
    if (url.pathname === '/view') {
      return void res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(`<!doctype html><script src="/replay/ui.js"></script><style>replay-web-page{display:block;height:700px}</style><replay-web-page source="/stations.wacz" url="${url.searchParams.get('url')}" replaybase="/replay/" embed="replayonly"></replay-web-page>`);
    }
    if (url.pathname === '/stations.wacz') {
      const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
      if (!range) return void res.writeHead(200, { 'content-type': 'application/wacz', 'content-length': String(exported.length), 'accept-ranges': 'bytes' }).end(req.method === 'HEAD' ? undefined : exported);
      const start = Number(range[1]);
      const end = range[2] ? Math.min(Number(range[2]), exported.length - 1) : exported.length - 1;
      return void res
        .writeHead(206, { 'content-type': 'application/wacz', 'content-range': `bytes ${start}-${end}/${exported.length}`, 'content-length': String(end - start + 1), 'accept-ranges': 'bytes' })
        .end(req.method === 'HEAD' ? undefined : exported.subarray(start, end + 1));
    }
    res.writeHead(404).end();
  });
  hostOrigin = host.origin;
  browser = await puppeteer.launch({ executablePath: DesktopChromium, headless: headlessModeFor(DesktopChromium), args: TestChromiumArgs });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
  await site?.close();
  await host?.close();
});

describe('the exported WACZ in ReplayWeb.page', () => {
  it('replays each of the three pages, with their scripts, while the site is down', async () => {
    siteUp = false;
    for (const name of Names) {
      const pageUrl = `${siteOrigin}/${name}.html`;
      const page = await (await browser.createBrowserContext()).newPage();
      try {
        await page.goto(`${hostOrigin}/view?url=${encodeURIComponent(pageUrl)}`);
        const deadline = Date.now() + 60_000;
        let text = '';
        while (Date.now() < deadline && !text.includes(`script wrote ${name}`)) {
          const frame = page.frames().find((f) => f.url().endsWith(`mp_/${pageUrl}`));
          text = frame ? await frame.evaluate(() => document.body?.innerText ?? '').catch(() => '') : '';
          if (!text.includes(`script wrote ${name}`)) await new Promise((resolve) => setTimeout(resolve, 250));
        }
        expect(text, `frames: ${page.frames().map((f) => f.url()).join(', ')}`).toContain(`script wrote ${name}`);
        expect(text).toContain(`Station ${name}`);
      } finally {
        await page.browserContext().close();
      }
    }
  }, 200_000);
});
