// JS-lazy images down a long page: every image the page shows after a full scroll must be in the
// MHTML, including the last one, which its loader asks for only when the scroll reaches the end.
// The page is 15 viewports tall, more than the 12 steps the scroll used to stop at, which left its
// last image unasked for. The images are answered slowly (as from a real CDN), so the capture also
// has to wait for what the last scroll steps started. Real Chromium, real egress proxy, the whole
// capture pipeline.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMhtml } from '../src/core/capture/archive/mhtml-parse.js';
import { captureUrl, type CaptureUrlOptions } from '../src/core/capture/capture-url.js';
import { startTestBrowser, type TestBrowser } from './helpers/browser.js';
import { type LoopbackServer, serveOnLoopback } from './helpers/loopback-server.js';

const Page = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/pages/lazy-images.html');
const Count = 8;
/** How long each image takes to answer, in ms: longer than a scroll step, shorter than the settle cap. */
const ImageDelayMs = 250;

let browser: TestBrowser;
let server: LoopbackServer;
let origin: string;
const images = new Map<string, Buffer>();
const requested: string[] = [];

beforeAll(async () => {
  // A different colour per image, so each image's bytes are its own.
  for (let i = 1; i <= Count; i++) {
    const png = await sharp({ create: { width: 300, height: 200, channels: 3, background: { r: 20 * i, g: 255 - 20 * i, b: 90 } } }).png().toBuffer();
    images.set(`/slow-img/${i}.png`, png);
  }
  const html = await readFile(Page);
  server = await serveOnLoopback((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://fixture').pathname;
    requested.push(pathname);
    const png = images.get(pathname);
    if (png) {
      setTimeout(() => res.writeHead(200, { 'content-type': 'image/png', 'cache-control': 'no-store', 'content-length': String(png.length) }).end(png), ImageDelayMs);
      return;
    }
    if (pathname === '/lazy-images.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': String(html.length) }).end(html);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not here');
  });
  origin = server.origin;
  browser = startTestBrowser({ concurrency: 1 });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

function options(): CaptureUrlOptions {
  return { pool: browser.pool, policy: browser.policy, limits: browser.limits, blockAds: true, logger: browser.logger };
}

/** The MHTML's parts by the path of their Content-Location. */
function partsByPath(mhtml: Buffer) {
  const parts = parseMhtml(mhtml.toString('utf8')).parts.filter((p) => p.location !== null && !p.location.startsWith('cid:'));
  return new Map(parts.map((p) => [new URL(p.location!).pathname, p]));
}

describe('captureUrl on a long page of JS-lazy images', () => {
  it('keeps every image in the MHTML, the last one at the very bottom too', async () => {
    const before = requested.length;
    const out = await captureUrl(`${origin}/lazy-images.html`, options());
    const inArchive = partsByPath(out.artifacts.mhtml!.data);
    const missing = [...images.keys()].filter((p) => !inArchive.has(p));
    expect(missing).toEqual([]);
    // The scroll reached every image, so the page asked for each, once.
    expect(requested.slice(before).filter((p) => p.startsWith('/slow-img/')).sort()).toEqual([...images.keys()].sort());
    for (const [pathname, png] of images) {
      const part = inArchive.get(pathname)!;
      expect(part.mime).toBe('image/png');
      expect(part.body.equals(png)).toBe(true);
    }
  });

  it('still reaches the end of a page longer than the scroll covers step by step', async () => {
    // 25,700 px (32 viewports): the scroll's steps run out long before the end, and its last step
    // goes to the end, so the image at the foot of the page is asked for and archived.
    const before = requested.length;
    const out = await captureUrl(`${origin}/lazy-images.html?gap=3000`, options());
    expect(requested.slice(before)).toContain('/slow-img/8.png');
    expect(partsByPath(out.artifacts.mhtml!.data).get('/slow-img/8.png')?.body.equals(images.get('/slow-img/8.png')!)).toBe(true);
  });
});
