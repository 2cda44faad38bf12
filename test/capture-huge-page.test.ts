// Huge pages and Node's event loop. A page far over the MHTML cap is never serialised (its
// snapshot is skipped by estimate before Page.captureSnapshot), the check after the fact still
// catches what the estimate cannot see, and the MHTML-to-HTML conversion of a big page runs in a
// worker thread, bounded by its size cap, a time limit and the capture's signal. No timings are
// asserted: the facts are where the work ran and what was (not) asked of the browser.
import { threadId as mainThreadId } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DefaultCaptureLimits, type CaptureLimits } from '../src/config.js';
import { archiveStats, closeArchiveWorkers, mhtmlToArchive } from '../src/core/capture/archive-step.js';
import { captureUrl, type CaptureUrlOptions } from '../src/core/capture/capture-url.js';
import { assessQuality, type QualityInput } from '../src/core/capture/extract/quality.js';
import { mhtmlStats, sharedBytes } from '../src/core/capture/mhtml-snapshot.js';
import { assessQualityBounded, QualityPrefixChars } from '../src/core/capture/quality-bounded.js';
import { ErrorCode, LinksnapError } from '../src/core/errors.js';
import { startTestBrowser, type TestBrowser } from './helpers/browser.js';
import { startHugePageServer, type HugePageServer } from './helpers/huge-page-server.js';

let server: HugePageServer;
let browser: TestBrowser;

beforeAll(async () => {
  server = await startHugePageServer();
  browser = startTestBrowser({ concurrency: 1, limits: { captureTimeoutMs: 55_000, navigationTimeoutMs: 30_000 } });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await closeArchiveWorkers();
});

function options(limits: Partial<CaptureLimits> = {}): CaptureUrlOptions {
  return { pool: browser.pool, policy: browser.policy, limits: { ...browser.limits, ...limits }, blockAds: false, logger: browser.logger };
}

const reasonOf = (out: { dropped: Array<{ kind: string; reason: string }> }, kind: string) => out.dropped.find((d) => d.kind === kind)?.reason;

/** A minimal Blink-style MHTML whose one HTML part holds `paragraphs` paragraphs of text. */
function makeMhtml(paragraphs: number): string {
  const boundary = '----MultipartBoundary--huge----';
  const body = Array.from({ length: paragraphs }, (_, i) => `<p>Paragraph ${i} of a long test page, plain words only.</p>`).join('\r\n');
  return [
    'From: <Saved by Blink>',
    'Snapshot-Content-Location: http://127.0.0.1/huge',
    'Subject: Huge',
    'MIME-Version: 1.0',
    `Content-Type: multipart/related; type="text/html"; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/html',
    'Content-ID: <frame-1@mhtml.blink>',
    'Content-Transfer-Encoding: quoted-printable',
    'Content-Location: http://127.0.0.1/huge',
    '',
    `<!DOCTYPE html><html><head><title>Huge</title></head><body>${body}</body></html>`,
    `--${boundary}--`,
    '',
  ].join('\r\n');
}

async function failure(work: Promise<unknown>): Promise<LinksnapError> {
  try {
    await work;
  } catch (error) {
    return error as LinksnapError;
  }
  throw new Error('expected the work to fail');
}

describe('a page far over the MHTML cap', () => {
  it('is captured without its MHTML, skipped by estimate before the snapshot was asked for', async () => {
    const snapshotsBefore = mhtmlStats.snapshots;
    const skippedBefore = mhtmlStats.skippedByEstimate;
    // 80 MB of HTML against the default 60 MiB cap (a test-sized stand-in for a 300 MB page).
    const out = await captureUrl(server.url('/huge-text?mb=80'), options({ maxMhtmlBytes: DefaultCaptureLimits.maxMhtmlBytes }));
    expect(out.kind).toBe('html');
    expect(out.httpStatus).toBe(200);
    expect(out.metadata.title).toBe('A page of 80 MB');
    expect(out.artifacts.screenshot).toBeDefined();
    expect(out.text).toContain('Paragraph');
    expect(out.artifacts.mhtml).toBeUndefined();
    expect(out.artifacts.archive).toBeUndefined();
    expect(reasonOf(out, 'mhtml')).toMatch(/larger than the limit of 60 MiB/);
    expect(reasonOf(out, 'mhtml')).toMatch(/skipped by estimate before it was made/);
    expect(reasonOf(out, 'archive')).toMatch(/skipped as too large/);
    // The browser was never asked to serialise it: Node never received the page's weight.
    expect(mhtmlStats.snapshots).toBe(snapshotsBefore);
    expect(mhtmlStats.skippedByEstimate).toBe(skippedBefore + 1);
  });

  it('counts images and style sheets too: a light page with heavy pictures is skipped before the snapshot', async () => {
    const snapshotsBefore = mhtmlStats.snapshots;
    const out = await captureUrl(server.url('/huge-images?n=4'), options({ maxMhtmlBytes: 8 * 1024 * 1024 }));
    expect(out.artifacts.screenshot).toBeDefined();
    expect(out.artifacts.mhtml).toBeUndefined();
    expect(reasonOf(out, 'mhtml')).toMatch(/skipped by estimate before it was made/);
    expect(reasonOf(out, 'mhtml')).toMatch(/MiB of images and style sheets/);
    expect(mhtmlStats.snapshots).toBe(snapshotsBefore);
  });

  it('does not count pictures the page fetched but no longer shows', async () => {
    const snapshotsBefore = mhtmlStats.snapshots;
    const out = await captureUrl(server.url('/carousel?n=4'), options({ maxMhtmlBytes: 8 * 1024 * 1024 }));
    expect(out.dropped).toEqual([]);
    expect(out.artifacts.mhtml!.data.length).toBeLessThan(1024 * 1024);
    expect(out.artifacts.archive!.data.toString('utf8')).toContain('The carousel moved on.');
    expect(mhtmlStats.snapshots).toBe(snapshotsBefore + 1);
  });

  it('is still caught after the snapshot when the estimate cannot see the weight (a data: URI)', async () => {
    const before = { snapshots: mhtmlStats.snapshots, tooLarge: mhtmlStats.tooLargeAfter };
    const out = await captureUrl(server.url('/inline-image?n=1'), options({ maxMhtmlBytes: 3 * 1024 * 1024 }));
    expect(out.artifacts.mhtml).toBeUndefined();
    expect(reasonOf(out, 'mhtml')).toMatch(/^The MHTML archive is larger than the limit of 3 MiB$/);
    expect(reasonOf(out, 'archive')).toMatch(/which was too large/);
    expect(mhtmlStats.snapshots).toBe(before.snapshots + 1);
    expect(mhtmlStats.tooLargeAfter).toBe(before.tooLarge + 1);
  });
});

describe('a big page under the cap', () => {
  it('keeps the MHTML and makes the single-file archive in a worker thread', async () => {
    const conversions = archiveStats.conversions;
    const out = await captureUrl(server.url('/huge-text?mb=12'), options());
    expect(out.dropped).toEqual([]);
    expect(out.artifacts.mhtml!.data.length).toBeGreaterThan(12 * 1024 * 1024);
    // The artifact's bytes are the one copy kept, shared with the worker rather than copied to it.
    expect(out.artifacts.mhtml!.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    const archive = out.artifacts.archive!.data.toString('utf8');
    expect(archive).toContain('The end of a very long page.');
    expect(archive).not.toMatch(/<script/i);
    expect(archiveStats.conversions).toBe(conversions + 1);
    const made = browser.logger.events.find((e) => e.message === 'Made the single-file archive in a worker thread' && e.details?.url === out.finalUrl);
    expect(made).toBeDefined();
    expect(made!.details!.threadId).toEqual(expect.any(Number));
    expect(made!.details!.threadId).not.toBe(mainThreadId);
    expect(made!.details!.bytes).toBe(out.artifacts.archive!.data.length);
  });
});

describe('the archive worker', () => {
  const mhtml = sharedBytes(makeMhtml(200_000));

  it('converts in a thread of its own and hands the HTML back', async () => {
    const result = await mhtmlToArchive(sharedBytes(makeMhtml(50)), { maxBytes: 1024 * 1024 });
    expect(result.threadId).not.toBe(mainThreadId);
    expect(result.data.toString('utf8')).toContain('Paragraph 49 of a long test page');
  });

  it('turns bad input and an archive over its cap into errors with a reason', async () => {
    const bad = await failure(mhtmlToArchive(Buffer.from('this is not MHTML'), { maxBytes: 1024 }));
    expect(bad).toBeInstanceOf(LinksnapError);
    expect(bad.message).toMatch(/MHTML/);
    const big = await failure(mhtmlToArchive(sharedBytes(makeMhtml(2_000)), { maxBytes: 10_000 }));
    expect(big.code).toBe(ErrorCode.TooLarge);
    expect(big.message).toMatch(/larger than the limit/);
  });

  it('stops a conversion that runs past its time limit, and the next one still works', async () => {
    const timeouts = archiveStats.timeouts;
    const late = await failure(mhtmlToArchive(mhtml, { maxBytes: 200 * 1024 * 1024, timeoutMs: 1 }));
    expect(late).toBeInstanceOf(LinksnapError);
    expect(late.message).toMatch(/took longer than/);
    expect(archiveStats.timeouts).toBe(timeouts + 1);
    const next = await mhtmlToArchive(sharedBytes(makeMhtml(10)), { maxBytes: 1024 * 1024 });
    expect(next.data.toString('utf8')).toContain('Paragraph 9');
  });

  it('stops at once when the capture is aborted', async () => {
    const controller = new AbortController();
    const work = mhtmlToArchive(mhtml, { maxBytes: 200 * 1024 * 1024, signal: controller.signal });
    setImmediate(() => controller.abort(new Error('the capture gave up')));
    await expect(work).rejects.toThrow('the capture gave up');
    const next = await mhtmlToArchive(sharedBytes(makeMhtml(10)), { maxBytes: 1024 * 1024 });
    expect(next.threadId).not.toBe(mainThreadId);
  });
});

describe('the quality verdict on a long text', () => {
  const long = `${'An ordinary article sentence that goes on. '.repeat(40_000)}`;
  const cases: Array<[string, QualityInput]> = [
    ['a long article', { httpStatus: 200, title: 'An article', visibleText: long, readableText: long, url: 'https://a.test/x', finalUrl: 'https://a.test/x' }],
    ['a long article mentioning captcha', { httpStatus: 200, title: 'About captcha', visibleText: `${long} verify you are human`, url: 'https://a.test/x', finalUrl: 'https://a.test/x' }],
    ['a long page answered 403 with a bot title', { httpStatus: 403, title: 'Just a moment...', visibleText: long, url: 'https://a.test/x', finalUrl: 'https://a.test/x' }],
    ['a long error page', { httpStatus: 404, title: 'Not found', visibleText: long, url: 'https://a.test/x', finalUrl: 'https://a.test/x' }],
    ['a long run of blanks with a short wall at the end', { httpStatus: 200, title: 'Sign in', visibleText: `${' \n'.repeat(QualityPrefixChars)}please sign in to continue`, url: 'https://a.test/x', finalUrl: 'https://a.test/x' }],
    ['long CJK text', { httpStatus: 200, title: '文章', visibleText: '这是一篇很长的文章。'.repeat(20_000), url: 'https://a.test/x', finalUrl: 'https://a.test/x' }],
    ['a short wall', { httpStatus: 200, title: 'Just a moment...', visibleText: 'Checking your browser', url: 'https://a.test/x', finalUrl: 'https://a.test/x' }],
  ];
  it.each(cases)('is the same judged on a bounded prefix: %s', (_name, input) => {
    expect(assessQualityBounded(input)).toEqual(assessQuality(input));
  });
});
