// The capture pipeline against fixture pages on 127.0.0.1, with the real Chromium behind the real
// egress proxy (loopback-only policy).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { asDesktopUserAgent, captureUrl, type CaptureUrlOptions } from '../src/core/capture/capture-url.js';
import { DefaultCaptureLimits, type CaptureLimits } from '../src/config.js';
import { trackNetwork } from '../src/core/capture/network-quiet.js';
import { settle } from '../src/core/capture/settle.js';
import { egressContextOptions } from '../src/core/egress/chromium.js';
import { startEgressProxy } from '../src/core/egress/proxy.js';
import { LinksnapError } from '../src/core/errors.js';
import { startFixtureServer, type FixtureServer } from './helpers/fixture-server.js';
import { startTestBrowser, type TestBrowser } from './helpers/browser.js';

let server: FixtureServer;
let browser: TestBrowser;

beforeAll(async () => {
  server = await startFixtureServer();
  browser = startTestBrowser({ concurrency: 2 });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

function options(limits: Partial<CaptureLimits> = {}, extra: Partial<CaptureUrlOptions> = {}): CaptureUrlOptions {
  return { pool: browser.pool, policy: browser.policy, limits: { ...browser.limits, ...limits }, blockAds: true, logger: browser.logger, ...extra };
}

async function codeOf(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (error) {
    expect(error).toBeInstanceOf(LinksnapError);
    return (error as LinksnapError).code;
  }
  throw new Error('expected the capture to fail');
}

/** Opens `url` in a capture context and runs only the settle step on it. */
async function settled(url: string, quietMs = 50) {
  const limits = { settleQuietMs: quietMs, settleMaxMs: 2_000, scrollMaxSteps: 12 };
  const proxy = await startEgressProxy({ policy: browser.policy, logger: browser.logger });
  try {
    return await browser.pool.withContext('settle', egressContextOptions(proxy), async (context) => {
      const page = await context.newPage();
      await page.setViewport({ width: 1280, height: 800 });
      const network = trackNetwork(page);
      await page.goto(url, { waitUntil: 'load' });
      const result = await settle({ page, network, limits, partial: false }, AbortSignal.timeout(20_000));
      return { ...result, scrollY: await page.evaluate(() => scrollY) };
    });
  } finally {
    await proxy.close();
  }
}

describe('captureUrl on an HTML page', () => {
  it('captures an article with every artifact at the right size', async () => {
    const out = await captureUrl(server.url('/article.html'), options());
    expect(out.kind).toBe('html');
    expect(out.httpStatus).toBe(200);
    expect(out.metadata.title).toBe('The Quiet Lighthouse of Vannamere');
    expect(out.metadata.lang).toBe('en');
    expect(out.degraded).toBe(false);
    expect(out.partial).toBe(false);
    expect(out.text).toContain('marmalade-coloured horizon');

    const shot = await sharp(out.artifacts.screenshot!.data).metadata();
    expect([shot.format, shot.width, shot.height]).toEqual(['png', 1280, 800]);
    const thumb = await sharp(out.artifacts.thumbnail!.data).metadata();
    expect(thumb.format).toBe('webp');
    expect(thumb.width).toBeLessThanOrEqual(400);
    expect(out.artifacts.thumbnail!.data.length).toBeLessThan(80 * 1024);
    const full = await sharp(out.artifacts.fullpage!.data).metadata();
    expect(full.format).toBe('jpeg');
    expect(full.width).toBe(1280);

    const mhtml = out.artifacts.mhtml!.data.toString('utf8');
    expect(mhtml).toMatch(/^From: <Saved by Blink>/);
    expect(mhtml).toContain('Vannamere');
    expect(out.artifacts.visibleText!.data.toString('utf8')).toContain('hundred and twelve steps');
    expect(out.timings.total).toBeGreaterThan(0);
  });

  it('makes a self-contained single-file archive with the page text and no external references', async () => {
    const out = await captureUrl(server.url('/article.html'), options());
    const archive = out.artifacts.archive?.data.toString('utf8');
    expect(out.dropped.filter((d) => d.kind === 'archive')).toEqual([]);
    expect(archive).toContain('marmalade-coloured horizon');
    // Resources are inlined: nothing the page would load offline points at a server. (Plain
    // <a href> links and the provenance comment may still name the original URL.)
    const markup = archive!.replace(/<!--[\s\S]*?-->/g, '');
    expect(markup).not.toMatch(/\s(?:src|srcset|poster)=["']?\s*https?:/i);
    expect(markup).not.toMatch(/url\(\s*["']?https?:/i);
    expect(markup).not.toMatch(/<link[^>]+href=["']?https?:/i);
    expect(markup).toMatch(/<img[^>]+src=["']?data:image\/png/i);
  });

  it('follows redirects and reports the final URL', async () => {
    const out = await captureUrl(server.url('/redirect?n=3'), options());
    expect(out.finalUrl).toBe(server.url('/article.html'));
    expect(out.metadata.title).toBe('The Quiet Lighthouse of Vannamere');
  });

  it('loads lazy images and scroll-triggered content before the screenshots', async () => {
    const before = server.requests.length;
    await captureUrl(server.url('/lazy.html'), options());
    const fetched = server.requests.slice(before);
    expect(fetched).toEqual(expect.arrayContaining(['/lazy-img/1.png', '/lazy-img/2.png', '/lazy-img/3.png', '/lazy-img/observer.png']));
  });

  it('scrolls a long page down in viewport steps and back to the top, and leaves a short one alone', async () => {
    const long = await settled(server.url('/huge?paragraphs=300'));
    expect(long.scrollSteps).toBe(12);
    expect(long.scrollY).toBe(0);
    // Every scroll position gets a rendering update, so an observer sees each section it passes.
    const before = server.requests.length;
    const passing = await settled(server.url('/io-steps.html'));
    expect(passing.scrollSteps).toBeGreaterThan(6);
    expect(server.requests.slice(before).filter((p) => p.startsWith('/lazy-img/io-')).sort()).toEqual([1, 2, 3, 4, 5, 6].map((i) => `/lazy-img/io-${i}.png`));
    const short = await settled(server.url('/huge?paragraphs=1'));
    expect(short).toMatchObject({ scrollSteps: 0, scrollY: 0, quiet: true });
  });

  it('scrolls a page that its scripts build after load, so what lies at its end is requested too', async () => {
    const before = server.requests.length;
    // The page adds its content 100 ms after load, inside the default 200 ms quiet window.
    const grown = await settled(server.url('/grows.html'), DefaultCaptureLimits.settleQuietMs);
    expect(grown.scrollSteps).toBeGreaterThan(0);
    expect(grown.scrollY).toBe(0);
    expect(server.requests.slice(before)).toContain('/lazy-img/grown.png');
    const out = await captureUrl(server.url('/grows.html'), options());
    expect(out.text).toContain('Item 199');
  });

  it('scrolls on from where it stopped when a long page grows at its end', async () => {
    const before = server.requests.length;
    const grown = await settled(server.url('/grows-long.html'), DefaultCaptureLimits.settleQuietMs);
    expect(grown.scrollY).toBe(0);
    expect(server.requests.slice(before)).toContain('/lazy-img/grown-end.png');
  });

  it('scrolls again from the top when a script that arrived after load may watch what was passed', async () => {
    const before = server.requests.length;
    const late = await settled(server.url('/late-loader.html'), DefaultCaptureLimits.settleQuietMs);
    expect(server.requests.slice(before)).toEqual(expect.arrayContaining(['/late-loader.js', '/lazy-img/late.png']));
    expect(late.scrollY).toBe(0);
  });

  it('asks for pages as a desktop Chrome: no "Headless", the version reduced like Chrome reduces it', async () => {
    const out = await captureUrl(server.url('/echo-agent'), options());
    expect(out.text).toMatch(/ Chrome\/\d+\.0\.0\.0 Safari\//);
    expect(out.text).not.toMatch(/Headless/i);
    expect(asDesktopUserAgent('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.8078.79 Safari/537.36')).toBe(
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36',
    );
  });

  it('renders CJK text and keeps the language', async () => {
    const out = await captureUrl(server.url('/cjk.html'), options());
    expect(out.metadata.title).toBe('网页快照测试：灯塔守望者的日记');
    expect(out.metadata.lang).toBe('zh-CN');
    expect(out.text).toContain('快照功能');
  });

  it('keeps the direction of an RTL page', async () => {
    const out = await captureUrl(server.url('/rtl.html'), options());
    expect(out.metadata.title).toBe('منارة فانامير الهادئة');
    expect(out.metadata.dir).toBe('rtl');
  });

  it('answers alert, confirm and prompt without hanging', async () => {
    const out = await captureUrl(server.url('/dialogs.html'), options());
    expect(out.metadata.title).toBe('Dialogs everywhere');
    // Dismissed: confirm() returned false and prompt() null.
    expect(out.text).toContain('dialogs answered: false / null');
  });

  it('closes pop-ups and captures the page that opened them', async () => {
    const before = server.requests.length;
    const events: string[] = [];
    const out = await captureUrl(server.url('/popup.html'), options({}, { logger: (e) => void events.push(e.message) }));
    expect(out.metadata.title).toBe('Pop-up opener');
    expect(out.finalUrl).toBe(server.url('/popup.html'));
    expect(events.filter((m) => m === 'Closed a pop-up').length).toBe(2);
    expect(server.requests.slice(before)).toContain('/article.html');
  });

  it('keeps 404 and 500 pages as degraded captures with their status', async () => {
    const notFound = await captureUrl(server.url('/status/404'), options());
    expect(notFound.httpStatus).toBe(404);
    expect(notFound.degraded).toBe(true);
    expect(notFound.artifacts.screenshot).toBeDefined();
    const failed = await captureUrl(server.url('/status/500'), options());
    expect(failed.httpStatus).toBe(500);
    expect(failed.degraded).toBe(true);
  });

  it('marks a login wall and a near-empty page as degraded', async () => {
    const login = await captureUrl(server.url('/login.html'), options());
    expect(login.degraded).toBe(true);
    expect(login.degradedReason).toMatch(/login/);
    const empty = await captureUrl(server.url('/empty.html'), options());
    expect(empty.degraded).toBe(true);
    expect(empty.degradedReason).toMatch(/empty/);
  });

  it('waits for a slow page', async () => {
    const out = await captureUrl(server.url('/slow?ms=1200'), options());
    expect(out.metadata.title).toBe('The Quiet Lighthouse of Vannamere');
    expect(out.partial).toBe(false);
  });

  it('keeps a partial page when navigation times out after content arrived', async () => {
    const out = await captureUrl(server.url('/hang'), options({ navigationTimeoutMs: 2_500 }));
    expect(out.partial).toBe(true);
    expect(out.metadata.title).toBe('Half a page');
    expect(out.text).toContain('what arrived is still worth keeping');
    expect(out.artifacts.screenshot).toBeDefined();
    expect(out.artifacts.mhtml!.data.toString('utf8')).toContain('Half a page');
  });

  it('fails with capture_timeout when nothing arrives', async () => {
    expect(await codeOf(captureUrl(server.url('/hang-silent'), options({ navigationTimeoutMs: 1_500 })))).toBe('capture_timeout');
  });

  it('caps the full-page screenshot height on a huge page', async () => {
    const out = await captureUrl(server.url('/huge?paragraphs=3000'), options({ fullPageMaxHeight: 4_000 }));
    const full = await sharp(out.artifacts.fullpage!.data).metadata();
    expect(full.height).toBe(4_000);
    expect(out.text).toContain('Paragraph 2999');
  });

  it('drops an artifact over its size cap and says why', async () => {
    const out = await captureUrl(server.url('/article.html'), options({ maxMhtmlBytes: 10_000 }));
    expect(out.artifacts.mhtml).toBeUndefined();
    expect(out.dropped.map((d) => d.kind)).toContain('mhtml');
    expect(out.dropped.find((d) => d.kind === 'mhtml')?.reason).toMatch(/larger than the limit/);
    expect(out.artifacts.screenshot).toBeDefined();
  });

  it('refuses an HTML page larger than maxHtmlBytes before opening it', async () => {
    expect(await codeOf(captureUrl(server.url('/article.html'), options({ maxHtmlBytes: 500 })))).toBe('too_large');
  });

  it('stops when the caller aborts', async () => {
    const controller = new AbortController();
    const work = captureUrl(server.url('/slow?ms=3000'), options({}, { signal: controller.signal }));
    setTimeout(() => controller.abort(new Error('user gave up')), 300);
    await expect(work).rejects.toThrow('user gave up');
  });
});

describe('captureUrl on files', () => {
  it('saves an octet-stream download as the original file without opening it', async () => {
    const out = await captureUrl(server.url('/download.bin?bytes=70000'), options());
    expect(out.kind).toBe('file');
    expect(out.contentType).toBe('application/octet-stream');
    expect(out.artifacts.original!.data.length).toBe(70_000);
    expect(out.artifacts.screenshot).toBeUndefined();
    expect(out.metadata.title).toBe('data.bin');
  });

  it('refuses a download over maxDownloadBytes', async () => {
    expect(await codeOf(captureUrl(server.url('/download.bin?bytes=200000'), options({ maxDownloadBytes: 100_000 })))).toBe('too_large');
  });

  it('saves a PDF as the original file', async () => {
    const out = await captureUrl(server.url('/doc.pdf'), options());
    expect(out.kind).toBe('file');
    expect(out.artifacts.original!.mime).toBe('application/pdf');
    expect(out.artifacts.original!.data.subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('saves PNG and JPEG images with a thumbnail at most 400 px wide', async () => {
    for (const [path, mime] of [['/image.png', 'image/png'], ['/image.jpg', 'image/jpeg']] as const) {
      const out = await captureUrl(server.url(path), options());
      expect(out.kind).toBe('file');
      expect(out.artifacts.original!.mime).toBe(mime);
      const thumb = await sharp(out.artifacts.thumbnail!.data).metadata();
      expect(thumb.format).toBe('webp');
      expect(thumb.width).toBe(400);
      expect(thumb.height).toBe(250);
    }
  });
});

describe('captureUrl refusals', () => {
  it('refuses a loopback address outside the allowed networks, naming the reason', async () => {
    const error = await captureUrl('http://127.0.0.2:9/', options()).catch((e: unknown) => e as LinksnapError);
    expect(error).toBeInstanceOf(LinksnapError);
    expect((error as LinksnapError).code).toBe('blocked_address');
    expect((error as LinksnapError).message).toContain('127.0.0.2');
  });

  it('reports a refused connection as connection_failed', async () => {
    const closed = await startFixtureServer();
    const url = closed.url('/article.html');
    await closed.close();
    expect(await codeOf(captureUrl(url, options()))).toBe('connection_failed');
  });
});
