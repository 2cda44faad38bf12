// PDF captures with the real pipeline: real PDFs (one printed by Chromium from HTML, with a CJK
// line and a second page; one written by hand) served over HTTP on 127.0.0.1, captured by
// captureUrl, rendered and read by the real poppler-utils, and found through the service by words
// that are only inside the PDF.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureUrl, type CaptureUrlOptions } from '../src/core/capture/capture-url.js';
import { captureFile } from '../src/core/capture/file-capture.js';
import { poppler, renderPdf } from '../src/core/capture/pdf-render.js';
import { createMemoryLogger } from '../src/core/logger.js';
import type { CaptureLimits } from '../src/config.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { startTestBrowser, type TestBrowser } from './helpers/browser.js';
import { makePdf, pdfFromObjects } from './helpers/fixture-server.js';

const PrintedHtml = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Harbour Survey 2026</title>
<style>body { font-family: 'Liberation Sans', sans-serif } h1 { color: #1a4f8b } .band { background: #e33; height: 200px }</style></head>
<body><h1>Harbour survey: tidal gauges</h1><p>Marmalade lighthouse keepers counted seventeen herons.</p><div class="band"></div>
<p lang="ja" style="font-family: 'Noto Sans CJK JP', sans-serif">灯台の記録は東京で保管されています</p>
<div style="break-before: page"><h2>Second page</h2><p>Quokka appendix on the second page.</p></div></body></html>`;

/** A PDF whose empty user password does not open it: an /Encrypt dictionary with a made-up /U. */
function passwordPdf(): Buffer {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>',
    '<< /Length 10 >>\nstream\n0123456789\nendstream',
    `<< /Filter /Standard /V 1 /R 2 /O <${'ab'.repeat(32)}> /U <${'cd'.repeat(32)}> /P -4 >>`,
  ];
  return pdfFromObjects(objects, ` /Encrypt 5 0 R /ID [<${'11'.repeat(16)}> <${'11'.repeat(16)}>]`);
}

let browser: TestBrowser;
let server: http.Server;
let origin: string;
let printed: Buffer;
const files = new Map<string, { type: string; body: Buffer }>();

beforeAll(async () => {
  browser = startTestBrowser({ concurrency: 2 });
  const chromium = await browser.pool.browser();
  const context = await chromium.createBrowserContext();
  try {
    const page = await context.newPage();
    await page.setContent(PrintedHtml, { waitUntil: 'load' });
    printed = Buffer.from(await page.pdf({ format: 'A4', printBackground: true }));
  } finally {
    await context.close();
  }
  const plain = makePdf('Plain fixture: the zebra almanac');
  files.set('/survey.pdf', { type: 'application/pdf', body: printed });
  files.set('/download', { type: 'application/octet-stream', body: plain });
  files.set('/truncated.pdf', { type: 'application/pdf', body: printed.subarray(0, Math.floor(printed.length / 3)) });
  files.set('/locked.pdf', { type: 'application/pdf', body: passwordPdf() });
  server = http.createServer((req, res) => {
    const file = files.get(new URL(req.url ?? '/', 'http://x').pathname);
    if (!file) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': file.type, 'content-length': String(file.body.length) }).end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

function options(limits: Partial<CaptureLimits> = {}): CaptureUrlOptions {
  return { pool: browser.pool, policy: browser.policy, limits: { ...browser.limits, ...limits }, blockAds: false, logger: browser.logger };
}

const reasons = (dropped: Array<{ kind: string; reason: string }>) => Object.fromEntries(dropped.map((d) => [d.kind, d.reason]));

describe('a PDF captured with poppler-utils', () => {
  it('finds poppler-utils on this machine (set-up installs it)', () => {
    expect(poppler()).not.toBeNull();
  });

  it('gets a first-page thumbnail and screenshot, its text from every page (CJK too) and its metadata title', async () => {
    const out = await captureUrl(`${origin}/survey.pdf`, options());
    expect(out.kind).toBe('file');
    expect(out.dropped).toEqual([]);
    expect(out.artifacts.original!.data.equals(printed)).toBe(true);

    const thumb = out.artifacts.thumbnail!;
    expect(thumb.mime).toBe('image/webp');
    const meta = await sharp(thumb.data).metadata();
    expect(meta.format).toBe('webp');
    expect(meta.width).toBeLessThanOrEqual(browser.limits.thumbnailMaxWidth);
    // A4 is portrait: the whole first page, taller than wide.
    expect(meta.height!).toBeGreaterThan(meta.width!);
    // Not a blank page: the red band and the dark text are there.
    const stats = await sharp(thumb.data).stats();
    const [red, green] = stats.channels;
    expect(green.min).toBeLessThan(80);
    expect(red.mean - green.mean).toBeGreaterThan(5);
    expect(green.stdev).toBeGreaterThan(20);

    const shot = await sharp(out.artifacts.screenshot!.data).metadata();
    expect(out.artifacts.screenshot!.mime).toBe('image/png');
    expect(Math.max(shot.width!, shot.height!)).toBe(browser.limits.viewportWidth);

    expect(out.text).toContain('Marmalade lighthouse keepers counted seventeen herons.');
    expect(out.text).toContain('灯台の記録は東京で保管されています');
    expect(out.text).toContain('Quokka appendix on the second page.');
    expect(out.artifacts.text!.data.toString('utf8')).toBe(out.text);
    expect(out.metadata.title).toBe('Harbour Survey 2026');
  });

  it('knows a PDF by its first bytes when the server calls it application/octet-stream', async () => {
    const out = await captureUrl(`${origin}/download`, options());
    expect(out.artifacts.original!.mime).toBe('application/pdf');
    expect(out.artifacts.thumbnail?.mime).toBe('image/webp');
    expect(out.text).toContain('Plain fixture: the zebra almanac');
    // No Title in its metadata: the first line stands in.
    expect(out.metadata.title).toBe('Plain fixture: the zebra almanac');
  });

  it('keeps a truncated PDF as the original, with why it has no preview or text', async () => {
    const out = await captureUrl(`${origin}/truncated.pdf`, options());
    expect(out.kind).toBe('file');
    expect(out.artifacts.original!.data.length).toBe(Math.floor(printed.length / 3));
    expect(out.artifacts.thumbnail).toBeUndefined();
    expect(out.artifacts.screenshot).toBeUndefined();
    expect(out.artifacts.text).toBeUndefined();
    const why = reasons(out.dropped);
    expect(why.thumbnail).toMatch(/could not open the PDF \(damaged or truncated/);
    expect(why.screenshot).toBe(why.thumbnail);
    expect(why.text).toBe(why.thumbnail);
    expect(out.metadata.title).toBe('truncated.pdf');
    expect(out.text).toBe('truncated.pdf');
    expect(browser.logger.events.some((e) => e.message === 'Kept a PDF with parts left out' && e.details?.url === `${origin}/truncated.pdf`)).toBe(true);
  });

  it('says a password-protected PDF needs a password', async () => {
    const out = await captureUrl(`${origin}/locked.pdf`, options());
    expect(out.artifacts.original).toBeDefined();
    expect(reasons(out.dropped)).toEqual({
      thumbnail: 'the PDF is protected by a password',
      screenshot: 'the PDF is protected by a password',
      text: 'the PDF is protected by a password',
    });
  });

  it('cuts the text at maxTextChars and drops a first page over its byte cap', async () => {
    const out = await captureUrl(`${origin}/survey.pdf`, options({ maxTextChars: 20, maxScreenshotBytes: 1_000 }));
    expect(out.text).toBe('Harbour survey: tida');
    expect(out.artifacts.thumbnail).toBeUndefined();
    expect(reasons(out.dropped).thumbnail).toBe('the first page was larger than 1000 bytes as a PNG');
  });
});

describe('renderPdf', () => {
  it('gives up at its deadline with a reason, leaving no temporary files', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pdf-render-test-'));
    const before = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      const out = await renderPdf(printed, { tools: poppler()!, longSidePx: 1280, maxImageBytes: 1e7, maxTextChars: 1e5, timeoutMs: 1 }, new AbortController().signal);
      expect(out.firstPage).toBeNull();
      expect(out.imageProblem).toMatch(/poppler took longer than 0.001 s/);
      const done = await renderPdf(printed, { tools: poppler()!, longSidePx: 1280, maxImageBytes: 1e7, maxTextChars: 1e5 }, new AbortController().signal);
      expect(done.firstPage).not.toBeNull();
      expect(fs.readdirSync(tmp)).toEqual([]);
    } finally {
      if (before === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = before;
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("ends with the capture's own abort reason, not a dropped artifact", async () => {
    const controller = new AbortController();
    const work = renderPdf(printed, { tools: poppler()!, longSidePx: 1280, maxImageBytes: 1e7, maxTextChars: 1e5 }, controller.signal);
    controller.abort(new Error('job cancelled'));
    await expect(work).rejects.toThrow('job cancelled');
  });
});

describe('without poppler-utils', () => {
  it('still captures the PDF, saying why there is no preview or text, and logs it', async () => {
    const logger = createMemoryLogger();
    const out = await captureFile(
      { finalUrl: `${origin}/survey.pdf`, status: 200, contentType: 'application/pdf', body: printed, filename: 'survey.pdf', limits: browser.limits, logger, logDetails: { url: 'x' }, poppler: null },
      new AbortController().signal,
    );
    expect(out.artifacts.original!.data.equals(printed)).toBe(true);
    expect(out.artifacts.thumbnail).toBeUndefined();
    expect(reasons(out.dropped)).toEqual({
      thumbnail: expect.stringContaining('poppler-utils is not installed'),
      screenshot: expect.stringContaining('poppler-utils is not installed'),
      text: expect.stringContaining('poppler-utils is not installed'),
    });
    expect(out.metadata.title).toBe('survey.pdf');
    expect(out.text).toBe('survey.pdf');
    expect(logger.events.some((e) => e.level === 'warn' && /poppler-utils is not installed/.test(e.message))).toBe(true);
  });
});

describe('through the service', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('finds a PDF by words only inside it, English and Japanese', async () => {
    const accepted = await t.service.snap({ url: `${origin}/survey.pdf`, workspace: { id: 'local', platform: 'web' }, requester: { id: 'tester' }, source: { platform: 'web' } });
    const done = await t.service.waitFor(accepted.snapshot.id);
    expect(done.status).toBe('done');
    expect(done.title).toBe('Harbour Survey 2026');
    expect(done.artifacts.thumbnail?.mime).toBe('image/webp');
    expect(done.artifacts.text).toBeDefined();
    for (const text of ['Quokka', 'marmalade', '東京']) {
      const found = await t.service.find({ workspaceId: 'local', text });
      expect(found.items.map((item) => item.snapshot.id), text).toContain(done.id);
    }
  });
});
