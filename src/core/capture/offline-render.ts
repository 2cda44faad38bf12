// Renders an uploaded page (upload/uploaded-page.ts) into a snapshot's screenshot, thumbnail and
// text, reaching nothing: JavaScript is off, every request the page makes is answered from the
// upload's own responses or refused before it leaves the browser, and the browser context's proxy
// refuses everything besides, should any request slip past the interception.
import type { HTTPRequest } from 'puppeteer-core';
import type { CaptureLimits } from '../../config.js';
import { TooLargeError } from '../errors.js';
import { egressContextOptions } from '../egress/chromium.js';
import { createEgressPolicy } from '../egress/policy.js';
import { startEgressProxy } from '../egress/proxy.js';
import type { Logger } from '../logger.js';
import type { ArtifactKind } from '../types.js';
import type { UploadedPage } from '../upload/uploaded-page.js';
import type { BrowserPool } from './browser-pool.js';
import { raceAbort } from './deadline.js';
import { extractPage } from './extract/extract-page.js';
import { makeThumbnail } from './file-capture.js';
import { fullPageScreenshot, viewportScreenshot } from './screenshots.js';
import type { CaptureOutput } from './types.js';

export interface OfflineRenderOptions {
  pool: BrowserPool;
  limits: CaptureLimits;
  logger: Logger;
  signal: AbortSignal;
}

export interface OfflineRender {
  output: CaptureOutput;
  /** Requests the page made that the upload could not answer: refused, never sent. */
  refused: string[];
}

/** Nothing resolves and every address is refused: the proxy of a render that may reach nothing. */
const refuseEverything = createEgressPolicy({ allowNets: [], onlyAllowed: true, resolve: async () => [] });

export async function renderOffline(upload: UploadedPage, options: OfflineRenderOptions): Promise<OfflineRender> {
  const { pool, limits, logger, signal } = options;
  const started = performance.now();
  const refused: string[] = [];
  const artifacts: CaptureOutput['artifacts'] = { [upload.original.kind]: { data: upload.original.data, mime: upload.original.mime } };
  if (upload.archive) artifacts.archive = { data: upload.archive, mime: 'text/html; charset=utf-8' };
  const dropped: CaptureOutput['dropped'] = [];
  const drop = (kind: ArtifactKind, reason: string) => dropped.push({ kind, reason });
  const proxy = await startEgressProxy({ policy: refuseEverything, logger, logDetails: { url: upload.url, upload: upload.kind } });
  try {
    const rendered = await pool.withContext(
      upload.url,
      egressContextOptions(proxy),
      async (context) => {
        const page = await context.newPage();
        await page.setJavaScriptEnabled(false);
        await page.setViewport({ width: limits.viewportWidth, height: limits.viewportHeight });
        await page.setRequestInterception(true);
        page.on('request', (request: HTTPRequest) => {
          const answer = upload.responses.get(request.url());
          if (answer && /^https?:/i.test(request.url())) {
            request.respond({ status: answer.status, headers: answer.headers, body: answer.body }).catch(() => {});
          } else {
            if (/^https?:|^wss?:/i.test(request.url())) refused.push(request.url());
            request.abort('blockedbyclient').catch(() => {});
          }
        });
        const response = await raceAbort(page.goto(upload.url, { waitUntil: 'load', timeout: limits.navigationTimeoutMs }), signal);
        const shotCtx = { page, limits };
        const screenshot = await viewportScreenshot(shotCtx, signal);
        let fullpage: Buffer | null = null;
        try {
          fullpage = (await fullPageScreenshot(shotCtx, signal)).data;
        } catch (error) {
          if (signal.aborted) throw error;
          drop('fullpage', `the browser could not render it: ${(error as Error).message}`);
        }
        const extracted = await raceAbort(extractPage(page, { maxTextChars: limits.maxTextChars }), signal);
        return { screenshot, fullpage, extracted, status: response?.status() ?? 200 };
      },
      signal,
    );
    const keep = (kind: ArtifactKind, data: Buffer, mime: string) => {
      if (data.length > limits.maxScreenshotBytes) drop(kind, new TooLargeError(`The ${kind}`, limits.maxScreenshotBytes).message);
      else artifacts[kind] = { data, mime };
    };
    keep('screenshot', rendered.screenshot, 'image/png');
    if (rendered.fullpage) keep('fullpage', rendered.fullpage, 'image/jpeg');
    try {
      keep('thumbnail', await makeThumbnail(rendered.screenshot, limits.thumbnailMaxWidth), 'image/webp');
    } catch (error) {
      drop('thumbnail', `sharp could not make it from the screenshot: ${(error as Error).message}`);
    }
    const { extracted } = rendered;
    const text = extracted.readableText?.trim() ? extracted.readableText : extracted.visibleText;
    if (text) artifacts.text = { data: Buffer.from(text, 'utf8'), mime: 'text/plain; charset=utf-8' };
    if (extracted.visibleText) artifacts.visibleText = { data: Buffer.from(extracted.visibleText, 'utf8'), mime: 'text/plain; charset=utf-8' };
    logger({ level: 'info', context: 'capture', message: 'Rendered an uploaded page offline', details: { url: upload.url, kind: upload.kind, refused: refused.length, blockedByProxy: proxy.blocked.length } });
    return {
      output: {
        kind: 'html',
        finalUrl: upload.url,
        httpStatus: rendered.status,
        contentType: 'text/html',
        metadata: extracted.metadata,
        // The person saw the page themselves; what they saved is the page, not a wall.
        degraded: false,
        degradedReason: null,
        partial: false,
        blockedRequests: [...refused.map((url) => ({ url, reason: 'an uploaded page may reach nothing' })), ...proxy.blocked.map((b) => ({ url: b.url, reason: b.reason }))],
        artifacts,
        text,
        consent: null,
        dropped,
        timings: { total: Math.round(performance.now() - started) },
      },
      refused,
    };
  } finally {
    await proxy.close().catch(() => {});
  }
}
