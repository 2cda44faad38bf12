// An uploaded page is hostile input, rendered by real Chromium with nothing reachable. A SingleFile
// page with a script and a remote image: stored, rendered from the upload alone, the script never
// runs and no request reaches the fixture server that hosts the image. MHTML (saved by Chromium
// itself) and WACZ (recorded by linksnap) uploads render from their own parts. Files that are not
// saved pages are refused by their bytes, whatever they are called.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureUrl } from '../src/core/capture/capture-url.js';
import { renderOffline } from '../src/core/capture/offline-render.js';
import { egressContextOptions } from '../src/core/egress/chromium.js';
import { startEgressProxy } from '../src/core/egress/proxy.js';
import { readUploadedPage } from '../src/core/upload/uploaded-page.js';
import { startTestBrowser, type TestBrowser } from './helpers/browser.js';
import { type LoopbackServer, serveOnLoopback } from './helpers/loopback-server.js';

let browser: TestBrowser;
let server: LoopbackServer;
let origin: string;
const requests: string[] = [];

const Png = sharp({ create: { width: 40, height: 40, channels: 3, background: { r: 200, g: 30, b: 30 } } }).png().toBuffer();

beforeAll(async () => {
  const png = await Png;
  server = await serveOnLoopback((req, res) => {
    requests.push(req.url ?? '');
    if (req.url === '/remote.png') res.writeHead(200, { 'content-type': 'image/png' }).end(png);
    else if (req.url === '/article.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(
        `<!doctype html><html><head><title>Behind the wall</title></head><body><h1>Members only</h1><p>${'The article the capture could not see. '.repeat(20)}</p><img src="/remote.png" width="40" height="40"></body></html>`,
      );
    } else res.writeHead(404).end();
  });
  origin = server.origin;
  browser = startTestBrowser({ concurrency: 1 });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const limits = () => ({ maxBytes: 5 * 1024 * 1024, maxArchiveBytes: 20 * 1024 * 1024 });
const render = (upload: Awaited<ReturnType<typeof readUploadedPage>>) =>
  renderOffline(upload, { pool: browser.pool, limits: browser.limits, logger: browser.logger, signal: AbortSignal.timeout(30_000) });

describe('rendering an uploaded page with nothing reachable', () => {
  it('SingleFile HTML: the script never runs and the remote image is never asked for', async () => {
    const dataPng = `data:image/png;base64,${(await Png).toString('base64')}`;
    const html = Buffer.from(`<!DOCTYPE html> <html><!--
 Page saved with SingleFile 
 url: https://news.example/paywalled/story 
 saved date: Mon Dec 07 2026 10:00:00 GMT+0000 (Coordinated Universal Time)
--><head><meta charset="utf-8"><title>Saved by a member</title></head><body>
<h1 id="headline">The story behind the paywall</h1>
<p>${'Paragraph text the reader saw with their own login. '.repeat(20)}</p>
<img src="${dataPng}" alt="inline">
<img src="${origin}/remote.png" alt="remote">
<iframe src="${origin}/frame.html"></iframe>
<script>document.getElementById('headline').textContent = 'script ran'; fetch('${origin}/beacon?from=script'); new Image().src = '${origin}/pixel.gif';</script>
</body></html>`);
    const before = requests.length;
    const upload = await readUploadedPage(html, 'https://news.example/paywalled/story?utm=chat', limits());
    expect(upload.kind).toBe('singlefile');
    expect(upload.url).toBe('https://news.example/paywalled/story');
    const { output, refused } = await render(upload);
    expect(requests.length).toBe(before);
    expect(refused).toEqual(expect.arrayContaining([`${origin}/remote.png`, `${origin}/frame.html`]));
    expect(refused.some((url) => url.includes('beacon'))).toBe(false);
    expect(output.text).toContain('The story behind the paywall');
    expect(output.text).not.toContain('script ran');
    expect(output.metadata.title).toBe('Saved by a member');
    expect(output.artifacts.archive!.data.equals(html)).toBe(true);
    const stats = await sharp(output.artifacts.screenshot!.data).stats();
    expect(stats.channels[0].min).toBeLessThan(100); // dark heading text on a white page, not a blank shot
    expect((await sharp(output.artifacts.thumbnail!.data).metadata()).format).toBe('webp');
    expect(output.degraded).toBe(false);
  }, 60_000);

  it('MHTML saved by Chromium: rendered from its own parts, image included', async () => {
    // Saved as a person's browser saves a page: Chromium's own "Save as MHTML".
    const proxy = await startEgressProxy({ policy: browser.policy, logger: browser.logger, logDetails: {} });
    const mhtml = await browser.pool
      .withContext('mhtml-source', egressContextOptions(proxy), async (context) => {
        const page = await context.newPage();
        await page.goto(`${origin}/article.html`, { waitUntil: 'load' });
        const session = await page.createCDPSession();
        const { data } = await session.send('Page.captureSnapshot', { format: 'mhtml' });
        return Buffer.from(data, 'utf8');
      })
      .finally(() => proxy.close());
    const before = requests.length;
    const upload = await readUploadedPage(mhtml, 'https://example.com/fallback', limits());
    expect(upload.kind).toBe('mhtml');
    expect(upload.url).toBe(`${origin}/article.html`);
    const { output, refused } = await render(upload);
    expect(requests.length).toBe(before);
    expect(refused).toEqual([]);
    expect(output.metadata.title).toBe('Behind the wall');
    expect(output.text).toContain('The article the capture could not see.');
    expect(output.artifacts.mhtml!.data.equals(mhtml)).toBe(true);
    expect(output.artifacts.archive!.data.toString('utf8')).toContain('data:image/png;base64,');
  }, 60_000);

  it('WACZ: the recorded responses answer the page, the live server is not asked', async () => {
    const captured = await captureUrl(`${origin}/article.html`, { pool: browser.pool, policy: browser.policy, limits: browser.limits, blockAds: false, recordWacz: true, logger: browser.logger });
    const wacz = captured.artifacts.wacz!.data;
    const before = requests.length;
    const upload = await readUploadedPage(wacz, 'https://example.com/fallback', limits());
    expect(upload.kind).toBe('wacz');
    expect(upload.url).toBe(`${origin}/article.html`);
    expect(upload.responses.get(`${origin}/remote.png`)?.body.equals(await Png)).toBe(true);
    const { output, refused } = await render(upload);
    expect(requests.length).toBe(before);
    expect(refused.filter((url) => !url.endsWith('/favicon.ico'))).toEqual([]);
    expect(output.text).toContain('The article the capture could not see.');
    expect(output.artifacts.wacz!.data.equals(wacz)).toBe(true);
  }, 90_000);

  it('refuses what is not a saved page, by its bytes, with a clear reason', async () => {
    await expect(readUploadedPage(await Png, 'https://example.com/', limits())).rejects.toThrow(/not a saved page; upload a SingleFile HTML page, an MHTML file or a WACZ/);
    await expect(readUploadedPage(Buffer.alloc(0), 'https://example.com/', limits())).rejects.toThrow(/empty/);
    await expect(readUploadedPage(Buffer.from('<html>'.padEnd(6 * 1024 * 1024, ' ')), 'https://example.com/', limits())).rejects.toThrow(/larger than|too large|exceeds/i);
    const notWacz = Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(100)]);
    await expect(readUploadedPage(notWacz, 'https://example.com/', limits())).rejects.toThrow(/WACZ could not be opened|not a WACZ/);
  });
});
