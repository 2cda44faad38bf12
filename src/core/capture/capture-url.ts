// The capture pipeline: one URL in, one CaptureOutput out. Each step lives in its own file:
//   preflight.ts       page or file? files are downloaded here (file-capture.ts)
//   browser-pool.ts    a fresh browser context on the shared Chromium, behind this capture's egress proxy
//   page-guards.ts     dialogs answered, pop-ups closed
//   consent-opt-out.ts cookie banners refused (autoconsent);  request-blocker.ts ads and trackers refused
//   navigate.ts        goto with a hard deadline, partial pages kept
//   settle.ts          network-quiet window and jump-scroll for lazy content
//   screenshots.ts     viewport PNG, full-page JPEG, WebP thumbnail
//   mhtml-snapshot.ts  MHTML from the browser;  archive/ the single-file HTML made from it, after
//                      the browser slot is released (with the thumbnail), so Node's CPU work
//                      overlaps the next capture's browser work
//   extract/           metadata, readable and visible text, quality verdict
//   response-recorder.ts every response the page loaded, packaged as a WACZ (../wacz/) outside the browser slot
import type { Browser, Page } from 'puppeteer-core';
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
import { assessQualityBounded } from './quality-bounded.js';
import { captureFile } from './file-capture.js';
import { captureMhtml } from './mhtml-snapshot.js';
import { navigate } from './navigate.js';
import { trackNetwork } from './network-quiet.js';
import { guardPage } from './page-guards.js';
import { preflight } from './preflight.js';
import { blockAdsAndTrackers } from './request-blocker.js';
import { fullPageScreenshot, thumbnailFrom, viewportScreenshot } from './screenshots.js';
import { settle } from './settle.js';
import { fetchedExchange, recordResponses, type RecordedResponses } from './response-recorder.js';
import { captureWacz } from '../wacz/capture-wacz.js';
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
  /** Record every response and keep the capture as a WACZ web archive (LINKSNAP_WACZ). */
  recordWacz?: boolean;
}

/** How long a found cookie banner may take to be refused before the capture moves on. */
const ConsentSettleMaxMs = 1_500;

export async function captureUrl(url: string, options: CaptureUrlOptions): Promise<CaptureOutput> {
  const { pool, policy, logger } = options;
  // Navigation may use at most 60% of the capture's time, so a page that never finishes loading
  // still leaves time to keep what did arrive (partial capture) instead of failing at the deadline.
  const limits = {
    ...options.limits,
    navigationTimeoutMs: Math.max(1_000, Math.min(options.limits.navigationTimeoutMs, Math.round(options.limits.captureTimeoutMs * 0.6))),
  };
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
    const checked = await run('preflight', () => preflight({ url, policy, limits, userAgent, timeoutMs: limits.captureTimeoutMs }, signal));
    if (checked.kind === 'file') {
      const file = await run('file', () =>
        captureFile({ ...checked, limits, logger, logDetails }, signal),
      );
      if (options.recordWacz) {
        await run('wacz', () => keepFileWacz(url, checked, file, limits.maxWaczBytes));
      }
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
      const browserPart = await pool.withContext(
        url,
        egressContextOptions(proxy),
        async (context) => {
          const page = await context.newPage();
          return capturePage(page, checked.finalUrl, { ...options, limits, userAgent }, run, signal, logDetails);
        },
        signal,
      );
      // The browser slot is free again: the Node-side work (thumbnail, MHTML to single-file HTML)
      // runs while the next capture already uses the browser.
      // The redirects preflight followed happened before the browser: recorded from there, so a
      // replay of the shared link follows them as the capture did.
      browserPart.recorded?.exchanges.unshift(...checked.redirects.map((hop) => fetchedExchange(hop, checked.requestHeaders)));
      browserPart.replayUrl = url;
      const output = await finishOutsideBrowser(browserPart, options, run, signal);
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

/** What the browser part of a capture leaves for Node to finish once the browser slot is free. */
interface BrowserPart {
  output: CaptureOutput;
  /** Started with sharp as soon as the viewport screenshot existed. */
  thumbnail: Promise<Buffer> | null;
  /** The MHTML bytes (the mhtml artifact's own buffer) to turn into the single-file archive, when it fit its cap. */
  mhtml: Buffer | null;
  /** What the page loaded, to package as a WACZ; null when not recording. */
  recorded: RecordedResponses | null;
  /** Where a replay starts: the shared URL, whose redirects are recorded too. */
  replayUrl: string;
  drop: (kind: ArtifactKind, reason: string) => void;
}

async function capturePage(
  page: Page,
  url: string,
  options: CaptureUrlOptions & { userAgent: string },
  run: Run,
  signal: AbortSignal,
  logDetails: Record<string, unknown>,
): Promise<BrowserPart> {
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
  // After the ad blocker's handler, so what it refuses never finishes and is never recorded.
  const recorder = options.recordWacz ? recordResponses(page, limits.maxWaczBytes) : null;

  const nav = await run('navigate', () => navigate({ page, url, limits }, signal));
  await run('settle', async () => {
    await (consent as ConsentOptOut | null)?.settle(ConsentSettleMaxMs, signal);
    return settle({ page, network, limits, partial: nav.partial }, signal);
  });

  const shotCtx = { page, limits };
  const screenshot = await run('screenshot', () => viewportScreenshot(shotCtx, signal));
  keep('screenshot', screenshot, 'image/png', limits.maxScreenshotBytes);
  // sharp works on libuv's thread pool, so the thumbnail is made while the browser renders the full page.
  const thumbnail = run('thumbnail', () => thumbnailFrom(screenshot, shotCtx));
  thumbnail.catch(() => {});
  await run('fullpage', async () => {
    try {
      const full = await fullPageScreenshot(shotCtx, signal);
      keep('fullpage', full.data, 'image/jpeg', limits.maxScreenshotBytes);
    } catch (error) {
      if (signal.aborted) throw error;
      drop('fullpage', `the browser could not render it: ${(error as Error).message}`);
    }
  });

  // Extraction reads a clone of the DOM in an isolated world and the MHTML is serialised by the
  // browser; neither changes the page, so both are asked for at once.
  const [extracted, mhtml] = await Promise.all([
    run('extract', () => raceAbort(extractPage(page, { maxTextChars: limits.maxTextChars }), signal)),
    run('mhtml', () => captureMhtml(page, limits.maxMhtmlBytes, signal)),
  ]);
  const recorded = recorder ? await run('record', () => recorder.finish(signal)) : null;
  if (recorded && recorded.leftOut.length > 0) {
    logger({ level: 'info', context: 'capture', message: 'Left responses out of the web archive', details: { ...logDetails, count: recorded.leftOut.length, first: recorded.leftOut.slice(0, 3) } });
  }
  // Bounded before it is made (skipped when the page's own figures are over the cap) and checked
  // again once made; the string from the browser is not kept, only its bytes (see mhtml-snapshot.ts).
  let keptMhtml: Buffer | null = null;
  if (!mhtml.kept) {
    drop('mhtml', mhtml.reason);
    drop('archive', mhtml.before ? 'made from the MHTML archive, which was skipped as too large' : 'made from the MHTML archive, which was too large');
  } else {
    artifacts.mhtml = { data: mhtml.data, mime: 'multipart/related' };
    keptMhtml = mhtml.data;
  }

  const text = extracted.readableText?.trim() ? extracted.readableText : extracted.visibleText;
  if (text) artifacts.text = { data: Buffer.from(text, 'utf8'), mime: 'text/plain; charset=utf-8' };
  if (extracted.visibleText) artifacts.visibleText = { data: Buffer.from(extracted.visibleText, 'utf8'), mime: 'text/plain; charset=utf-8' };

  const verdict = assessQualityBounded({
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
  const output: CaptureOutput = {
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
  return { output, thumbnail, mhtml: keptMhtml, recorded, replayUrl: url, drop };
}

/** The thumbnail and the single-file archive: CPU work in Node that needs no browser. */
async function finishOutsideBrowser(part: BrowserPart, options: CaptureUrlOptions, run: Run, signal: AbortSignal): Promise<CaptureOutput> {
  const { output, drop } = part;
  const { limits } = options;
  if (part.thumbnail) {
    try {
      const thumbnail = await part.thumbnail;
      if (thumbnail.length > limits.maxScreenshotBytes) drop('thumbnail', new TooLargeError('The thumbnail', limits.maxScreenshotBytes).message);
      else output.artifacts.thumbnail = { data: thumbnail, mime: 'image/webp' };
    } catch (error) {
      drop('thumbnail', `sharp could not make it from the screenshot: ${(error as Error).message}`);
    }
  }
  const mhtml = part.mhtml;
  if (mhtml !== null) {
    await run('archive', async () => {
      try {
        // In a worker thread, with the size cap, a time limit and this capture's signal.
        const archive = await mhtmlToArchive(mhtml, { maxBytes: limits.maxArchiveBytes, signal });
        output.artifacts.archive = { data: archive.data, mime: 'text/html; charset=utf-8' };
        options.logger({ level: 'debug', context: 'capture', message: 'Made the single-file archive in a worker thread', details: { jobId: options.jobId, url: output.finalUrl, threadId: archive.threadId, ms: archive.ms, bytes: archive.data.length } });
      } catch (error) {
        if (signal.aborted) throw error;
        drop('archive', error instanceof LinksnapError ? error.message : `conversion failed: ${(error as Error).message}`);
      }
    });
  }
  if (part.recorded) {
    const recorded = part.recorded;
    await run('wacz', async () => {
      try {
        const wacz = await captureWacz({
          url: part.replayUrl,
          title: output.metadata.title,
          capturedAt: new Date(),
          exchanges: recorded.exchanges,
          screenshot: output.artifacts.screenshot?.data,
          text: output.text || undefined,
        });
        if (wacz.length > limits.maxWaczBytes) drop('wacz', new TooLargeError('The web archive', limits.maxWaczBytes).message);
        else output.artifacts.wacz = { data: wacz, mime: 'application/wacz' };
      } catch (error) {
        if (signal.aborted) throw error;
        drop('wacz', `packaging failed: ${(error as Error).message}`);
      }
    });
  }
  return output;
}

/** A downloaded file as a one-response web archive, so exports of a tag carry it too. */
async function keepFileWacz(
  url: string,
  checked: Extract<Awaited<ReturnType<typeof preflight>>, { kind: 'file' }>,
  file: { metadata: { title: string | null }; artifacts: CaptureOutput['artifacts']; dropped: CaptureOutput['dropped']; text: string },
  maxBytes: number,
): Promise<void> {
  const capturedAt = new Date();
  const wacz = await captureWacz({
    url,
    title: file.metadata.title,
    capturedAt,
    exchanges: [
      ...checked.redirects.map((hop) => fetchedExchange(hop, checked.requestHeaders)),
      fetchedExchange({ url: checked.finalUrl, status: checked.status, statusText: '', headers: checked.headers, at: capturedAt }, checked.requestHeaders, checked.body),
    ],
    // A PDF's first page and text, as a page's screenshot and text are.
    screenshot: file.artifacts.screenshot?.data,
    text: file.text || undefined,
  });
  if (wacz.length > maxBytes) file.dropped.push({ kind: 'wacz', reason: new TooLargeError('The web archive', maxBytes).message });
  else file.artifacts.wacz = { data: wacz, mime: 'application/wacz' };
}

/** Chromium's own user agent as a desktop Chrome sends it; see `asDesktopUserAgent`. */
async function desktopUserAgent(pool: BrowserPool): Promise<string> {
  const browser = await pool.browser();
  let agent = userAgents.get(browser);
  if (agent === undefined) {
    agent = asDesktopUserAgent(await browser.userAgent());
    userAgents.set(browser, agent);
  }
  return agent;
}

/**
 * Without "Headless", which many sites answer with a bot wall, and with the version reduced to
 * `major.0.0.0` as desktop Chrome sends it: the headless shell sends its full version, a tell.
 */
export function asDesktopUserAgent(agent: string): string {
  return agent.replace(/HeadlessChrome/g, 'Chrome').replace(/\bChrome\/(\d+)\.[\d.]+/g, 'Chrome/$1.0.0.0');
}

/** Asked once per browser (a relaunch may bring a new version), not once per capture. */
const userAgents = new WeakMap<Browser, string>();
