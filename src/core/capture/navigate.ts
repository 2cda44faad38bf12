// Opens the URL with a hard deadline. A page whose `load` never comes but whose document did
// arrive is kept as a partial capture (loading is stopped so the rest of the pipeline sees a
// still page); a page with nothing to show is a CaptureTimeoutError.
import { TimeoutError, type HTTPResponse, type Page } from 'puppeteer-core';
import type { CaptureLimits } from '../../config.js';
import { CaptureTimeoutError, ConnectionError, DnsError, LinksnapError, ErrorCode, MalformedResponseError } from '../errors.js';
import { UpstreamErrorHeader } from '../egress/proxy.js';
import { raceAbort } from './deadline.js';

export interface NavigateContext {
  page: Page;
  url: string;
  limits: Pick<CaptureLimits, 'navigationTimeoutMs'>;
}

export interface NavigateResult {
  finalUrl: string;
  httpStatus: number | null;
  contentType: string | null;
  partial: boolean;
}

export async function navigate(ctx: NavigateContext, signal: AbortSignal): Promise<NavigateResult> {
  const { page, url } = ctx;
  let mainResponse: HTTPResponse | null = null;
  const onResponse = (response: HTTPResponse) => {
    const request = response.request();
    if (request.isNavigationRequest() && response.frame() === page.mainFrame()) mainResponse = response;
  };
  page.on('response', onResponse);
  let partial = false;
  try {
    const response = await raceAbort(page.goto(url, { waitUntil: 'load', timeout: ctx.limits.navigationTimeoutMs }), signal);
    if (response) mainResponse = response;
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    if (!(error instanceof TimeoutError)) throw navigationError(url, error);
    if (!mainResponse || !(await hasContent(page))) {
      throw new CaptureTimeoutError(url, ctx.limits.navigationTimeoutMs / 1000, 'navigation');
    }
    partial = true;
    // Stop the endless load so screenshots, the archive and extraction see a still page.
    await page.evaluate(() => window.stop()).catch(() => {});
  } finally {
    page.off('response', onResponse);
  }
  const response = mainResponse as HTTPResponse | null;
  const upstreamError = response?.headers()[UpstreamErrorHeader];
  if (upstreamError) {
    // The proxy's own 502: the server's answer was not HTTP, or the server could not be reached.
    const [kind, ...why] = upstreamError.split('; ');
    const reason = why.join('; ');
    throw kind === 'malformed' ? new MalformedResponseError(url, reason) : new ConnectionError(url, reason);
  }
  return {
    finalUrl: page.url() || response?.url() || url,
    httpStatus: response?.status() ?? null,
    contentType: response?.headers()['content-type'] ?? null,
    partial,
  };
}

async function hasContent(page: Page): Promise<boolean> {
  const probe = page.evaluate(() => (document.body?.innerText ?? '').trim().length > 0 || (document.body?.children.length ?? 0) > 0);
  const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2_000));
  return Promise.race([probe.catch(() => false), timeout]);
}

/** Chromium's net errors, in words a user understands. */
function navigationError(url: string, error: unknown): LinksnapError {
  const message = error instanceof Error ? error.message : String(error);
  const netError = /net::(ERR_[A-Z_]+)/.exec(message)?.[1] ?? null;
  const host = (() => {
    try {
      return new URL(url).hostname;
    } catch {
      return url;
    }
  })();
  switch (netError) {
    case 'ERR_NAME_NOT_RESOLVED':
      return new DnsError(host, error);
    case 'ERR_CONNECTION_REFUSED':
    case 'ERR_CONNECTION_RESET':
    case 'ERR_CONNECTION_CLOSED':
    case 'ERR_CONNECTION_TIMED_OUT':
    case 'ERR_ADDRESS_UNREACHABLE':
    case 'ERR_TUNNEL_CONNECTION_FAILED':
    case 'ERR_PROXY_CONNECTION_FAILED':
    case 'ERR_EMPTY_RESPONSE':
    case 'ERR_SSL_PROTOCOL_ERROR':
    case 'ERR_CERT_AUTHORITY_INVALID':
    case 'ERR_CERT_COMMON_NAME_INVALID':
    case 'ERR_CERT_DATE_INVALID':
      return new ConnectionError(url, netError, error);
    case 'ERR_ABORTED':
      return new LinksnapError(ErrorCode.CaptureFailed, `The browser gave up loading ${url} (a download or a blocked navigation)`, { cause: error, details: { url, netError } });
    default:
      return new LinksnapError(ErrorCode.CaptureFailed, `The browser could not load ${url}: ${message}`, { cause: error, details: { url, netError } });
  }
}
