// Asks the server what the URL is before a browser opens it: web pages go to the browser, anything
// else (PDF, images, archives, other files) is downloaded here within a size cap. Opening a
// download in Chromium would only show a blank page, or trigger a download we refuse.
import type { CaptureLimits } from '../../config.js';
import { TooLargeError } from '../errors.js';
import type http from 'node:http';
import { egressRequest, type RedirectHop } from '../egress/fetch.js';
import type { EgressPolicy } from '../egress/policy.js';

export interface PreflightContext {
  url: string;
  policy: EgressPolicy;
  limits: Pick<CaptureLimits, 'navigationTimeoutMs' | 'maxDownloadBytes' | 'maxHtmlBytes'>;
  userAgent: string;
  /** The whole exchange, body included; the capture's remaining time. */
  timeoutMs?: number;
}

const PreflightHeadersMaxMs = 15_000;

export type PreflightResult =
  | { kind: 'html'; finalUrl: string; status: number; contentType: string | null; redirects: RedirectHop[]; requestHeaders: Record<string, string> }
  | { kind: 'file'; finalUrl: string; status: number; contentType: string; body: Buffer; filename: string | null; redirects: RedirectHop[]; requestHeaders: Record<string, string>; headers: http.IncomingHttpHeaders };

/** Content types the browser renders as a page; everything else is a file. */
const PageTypes = /^(text\/html|application\/xhtml\+xml|text\/plain|text\/xml|application\/xml|image\/svg\+xml)$/i;

export function isPageContentType(contentType: string | null): boolean {
  if (!contentType) return true; // Unknown: let the browser sniff it, as a user's browser would.
  return PageTypes.test(contentType.split(';')[0].trim());
}

export async function preflight(ctx: PreflightContext, signal: AbortSignal): Promise<PreflightResult> {
  const requestHeaders = {
    'user-agent': ctx.userAgent,
    accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  };
  const response = await egressRequest(ctx.url, {
    policy: ctx.policy,
    method: 'GET',
    headers: requestHeaders,
    // The headers must come within the navigation deadline (15 s at most: a server that has said
    // nothing by then rarely will); a file download may take the rest of the capture's time.
    timeoutMs: ctx.timeoutMs ?? ctx.limits.navigationTimeoutMs,
    headersTimeoutMs: Math.min(PreflightHeadersMaxMs, ctx.limits.navigationTimeoutMs),
    signal,
    maxBytes: ctx.limits.maxDownloadBytes,
  });
  const contentType = headerValue(response.headers['content-type']);
  // Error statuses go to the browser whatever their type: the error page is what there is to keep.
  if (isPageContentType(contentType) || response.status >= 400) {
    response.abort();
    if (response.contentLength !== null && response.contentLength > ctx.limits.maxHtmlBytes) {
      throw new TooLargeError(`The page ${response.url}`, ctx.limits.maxHtmlBytes);
    }
    return { kind: 'html', finalUrl: response.url, status: response.status, contentType, redirects: response.redirectHops, requestHeaders };
  }
  const body = await response.readBody();
  return {
    kind: 'file',
    finalUrl: response.url,
    status: response.status,
    contentType: contentType ?? 'application/octet-stream',
    body,
    filename: filenameOf(headerValue(response.headers['content-disposition']), response.url),
    redirects: response.redirectHops,
    requestHeaders,
    headers: response.headers,
  };
}

function headerValue(value: string | string[] | undefined): string | null {
  if (Array.isArray(value)) return value[0] ?? null;
  return value ?? null;
}

function filenameOf(disposition: string | null, url: string): string | null {
  const star = disposition && /filename\*\s*=\s*(?:UTF-8'')?([^;]+)/i.exec(disposition);
  if (star) {
    try {
      return decodeURIComponent(star[1].trim().replace(/^"|"$/g, ''));
    } catch {
      /* fall through to the plain parameter */
    }
  }
  const plain = disposition && /filename\s*=\s*"?([^";]+)"?/i.exec(disposition);
  if (plain) return plain[1].trim();
  const last = new URL(url).pathname.split('/').filter(Boolean).pop();
  if (!last) return null;
  try {
    return decodeURIComponent(last);
  } catch {
    // Stray percent signs ("/report%E0%A4.pdf") are a fine file name as written.
    return last;
  }
}
