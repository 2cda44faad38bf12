// The capture pipeline: one URL in, one CaptureOutput out. Each step lives in its own file:
//   preflight.ts       page or file? files are downloaded here (file-capture.ts)
//   browser-pool.ts    a fresh browser context on the shared Chromium, behind this capture's egress proxy
//   page-guards.ts     dialogs answered, pop-ups closed
//   consent-opt-out.ts cookie banners refused (autoconsent);  request-blocker.ts ads and trackers refused
//   navigate.ts        goto with a hard deadline, partial pages kept
//   settle.ts          network-quiet window and jump-scroll for lazy content
//   screenshots.ts     viewport PNG, full-page JPEG, WebP thumbnail
//   mhtml-snapshot.ts  MHTML from the browser;  archive/ the single-file HTML made from it
//   extract/           metadata, readable and visible text, quality verdict
import type { Page } from 'puppeteer-core';
import type { CaptureLimits } from '../../config.js';
import { CaptureTimeoutError, LinksnapError, TooLargeError, asLinksnapError } from '../errors.js';
import { egressContextOptions } from '../egress/chromium.js';
import type { EgressPolicy } from '../egress/policy.js';
import { startEgressProxy } from '../egress/proxy.js';
import type { Logger } from '../logger.js';
import type { ArtifactKind } from '../types.js';
import { type AdBlocker, sharedAdBlocker } from './ad-blocker.js';
import { mhtmlToArchive } from './archive-step.js';
import type { BrowserPool } from './browser-pool.js';
import { installConsentOptOut, type ConsentOptOut } from './consent-opt-out.js';
import { createTimer, raceAbort } from './deadline.js';
import { extractPage } from './extract/extract-page.js';
import { assessQuality } from './extract/quality.js';
import { captureFile } from './file-capture.js';
import { captureMhtml } from './mhtml-snapshot.js';
import { navigate } from './navigate.js';
import { trackNetwork } from './network-quiet.js';
import { guardPage } from './page-guards.js';
import { preflight } from './preflight.js';
import { blockAdsAndTrackers } from './request-blocker.js';
import { fullPageScreenshot, thumbnailFrom, viewportScreenshot } from './screenshots.js';
import { settle } from './settle.js';
import type { BlockedRequestRecord, CaptureOutput } from './types.js';

export type { CaptureOutput } from './types.js';

export interface CaptureUrlOptions {
  pool: BrowserPool;
  policy: EgressPolicy;
  limits: CaptureLimits;
  /** Block ads and trackers and opt out of cookie banners (LINKSNAP_BLOCK_ADS). */
  blockAds: boolean;
  logger: Logger;
  signal?: AbortSignal;
  jobId?: string;
  /** The ad and tracker rules; the shared Tracker Database engine by default. */
  adBlocker?: AdBlocker;
}

/** How long a found cookie banner may take to be refused before the capture moves on. */
const ConsentSettleMaxMs = 1_500;

export async function captureUrl(url: string, options: CaptureUrlOptions): Promise<CaptureOutput> {
  const { pool, policy, limits, logger } = options;
  const logDetails = { jobId: options.jobId, url };
  const timer = createTimer();
  const started = performance.now();
  const deadline = AbortSignal.timeout(limits.captureTimeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  let step = 'preflight';
  const run = <T>(name: string, work: () => Promise<T>) => {
    step = name;
    signal.throwIfAborted();
    return timer.step(name, work);
  };

  try {
    const userAgent = await desktopUserAgent(pool);
    const checked = await run('preflight', () => preflight({ url, policy, limits, userAgent }, signal));
    if (checked.kind === 'file') {
      const file = await run('file', () =>
        captureFile({ ...checked, limits, logger, logDetails }, signal),
      );
      return {
        kind: 'file',
        finalUrl: checked.finalUrl,
        httpStatus: checked.status,
        contentType: checked.contentType,
        metadata: file.metadata,
        degraded: false,
        degradedReason: null,
        partial: false,
        blockedRequests: [],
        artifacts: file.artifacts,
        text: file.text,
        consent: null,
        dropped: file.dropped,
        timings: { ...timer.timings, total: Math.round(performance.now() - started) },
      };
    }

    const proxy = await startEgressProxy({ policy, logger, logDetails });
    try {
      const output = await pool.withContext(
        url,
        egressContextOptions(proxy),
        async (context) => {
          const page = await context.newPage();
          return capturePage(page, checked.finalUrl, { ...options, userAgent }, run, signal, logDetails);
        },
        signal,
      );
      output.blockedRequests.push(...proxy.blocked.map((b) => ({ url: b.url, reason: b.reason })));
      output.timings = { ...timer.timings, total: Math.round(performance.now() - started) };
      logger({ level: 'info', context: 'capture', message: 'Captured a page', details: { ...logDetails, finalUrl: output.finalUrl, status: output.httpStatus, partial: output.partial, degraded: output.degradedReason, blocked: output.blockedRequests.length, ms: output.timings.total } });
      return output;
    } finally {
      await proxy.close().catch(() => {});
    }
  } catch (error) {
    if (deadline.aborted && !(options.signal?.aborted ?? false)) {
      throw new CaptureTimeoutError(url, limits.captureTimeoutMs / 1000, step);
    }
    // The caller gave up: say so with the caller's own reason, whichever step noticed first.
    if (options.signal?.aborted) throw options.signal.reason;
    throw asLinksnapError(error);
  }
}

type Run = <T>(name: string, work: () => Promise<T>) => Promise<T>;

async function capturePage(
  page: Page,
  url: string,
  options: CaptureUrlOptions & { userAgent: string },
  run: Run,
  signal: AbortSignal,
  logDetails: Record<string, unknown>,
): Promise<CaptureOutput> {
  const { limits, logger } = options;
  const blocked: BlockedRequestRecord[] = [];
  const artifacts: CaptureOutput['artifacts'] = {};
  const dropped: CaptureOutput['dropped'] = [];
  const drop = (kind: ArtifactKind, reason: string) => {
    dropped.push({ kind, reason });
    logger({ level: 'warn', context: 'capture', message: `Left out the ${kind} artifact`, details: { ...logDetails, kind, reason } });
  };
  const keep = (kind: ArtifactKind, data: Buffer, mime: string, maxBytes: number) => {
    if (data.length > maxBytes) drop(kind, new TooLargeError(`The ${kind}`, maxBytes).message);
    else artifacts[kind] = { data, mime };
  };

  let consent: ConsentOptOut | null = null;
  const network = await run('prepare', async () => {
    await page.setViewport({ width: limits.viewportWidth, height: limits.viewportHeight });
    await page.setUserAgent(options.userAgent);
    guardPage(page, logger, logDetails);
    if (options.blockAds) {
      consent = await installConsentOptOut(page, logger, logDetails);
      await blockAdsAndTrackers(page, options.adBlocker ?? sharedAdBlocker(), blocked);
    }
    return trackNetwork(page);
  });

  const nav = await run('navigate', () => navigate({ page, url, limits }, signal));
  await run('settle', async () => {
    await (consent as ConsentOptOut | null)?.settle(ConsentSettleMaxMs, signal);
    return settle({ page, network, limits, partial: nav.partial }, signal);
  });

  const shotCtx = { page, limits };
  const screenshot = await run('screenshot', () => viewportScreenshot(shotCtx, signal));
  keep('screenshot', screenshot, 'image/png', limits.maxScreenshotBytes);
  await run('thumbnail', async () => keep('thumbnail', await thumbnailFrom(screenshot, shotCtx), 'image/webp', limits.maxScreenshotBytes));
  await run('fullpage', async () => {
    try {
      const full = await fullPageScreenshot(shotCtx, signal);
      keep('fullpage', full.data, 'image/jpeg', limits.maxScreenshotBytes);
    } catch (error) {
      if (signal.aborted) throw error;
      drop('fullpage', `the browser could not render it: ${(error as Error).message}`);
    }
  });

  const extracted = await run('extract', () => raceAbort(extractPage(page, { maxTextChars: limits.maxTextChars }), signal));

  await run('archive', async () => {
    const mhtml = await captureMhtml(page, signal);
    const mhtmlBytes = Buffer.from(mhtml, 'utf8');
    if (mhtmlBytes.length > limits.maxMhtmlBytes) {
      drop('mhtml', new TooLargeError('The MHTML archive', limits.maxMhtmlBytes).message);
      drop('archive', 'made from the MHTML archive, which was too large');
      return;
    }
    artifacts.mhtml = { data: mhtmlBytes, mime: 'multipart/related' };
    try {
      const html = await mhtmlToArchive(mhtml, limits.maxArchiveBytes);
      artifacts.archive = { data: Buffer.from(html, 'utf8'), mime: 'text/html; charset=utf-8' };
    } catch (error) {
      if (signal.aborted) throw error;
      drop('archive', error instanceof LinksnapError ? error.message : `conversion failed: ${(error as Error).message}`);
    }
  });

  const text = extracted.readableText?.trim() ? extracted.readableText : extracted.visibleText;
  if (text) artifacts.text = { data: Buffer.from(text, 'utf8'), mime: 'text/plain; charset=utf-8' };
  if (extracted.visibleText) artifacts.visibleText = { data: Buffer.from(extracted.visibleText, 'utf8'), mime: 'text/plain; charset=utf-8' };

  const verdict = assessQuality({
    httpStatus: nav.httpStatus,
    title: extracted.metadata.title,
    visibleText: extracted.visibleText,
    url,
    finalUrl: nav.finalUrl,
    readableText: extracted.readableText,
  });
  // An HTTP error page is always degraded, even when it has plenty of text.
  const httpError = nav.httpStatus !== null && nav.httpStatus >= 400;
  const consentState = (consent as ConsentOptOut | null)?.state ?? null;
  return {
    kind: 'html',
    finalUrl: nav.finalUrl,
    httpStatus: nav.httpStatus,
    contentType: nav.contentType,
    metadata: extracted.metadata,
    degraded: verdict.degraded || httpError,
    degradedReason: verdict.reason ?? (httpError ? `HTTP ${nav.httpStatus}` : null),
    partial: nav.partial,
    blockedRequests: blocked,
    artifacts,
    text,
    consent: consentState && (consentState.cmp || consentState.popupFound) ? { cmp: consentState.cmp, optedOut: consentState.optedOut } : null,
    dropped,
    timings: {},
  };
}

/** Chromium's own user agent without "Headless", which many sites answer with a bot wall. */
async function desktopUserAgent(pool: BrowserPool): Promise<string> {
  const browser = await pool.browser();
  return (await browser.userAgent()).replace(/HeadlessChrome/g, 'Chrome');
}
