// Keeps every HTTP exchange the page made while it was captured (document, redirects,
// sub-resources, fetch/XHR, fonts) so the capture can be written as WARC records and replayed with
// its scripts. Bodies are asked of the browser (CDP Network.getResponseBody, through puppeteer) as
// soon as each one has finished loading, while the page is still open; requests the egress proxy
// refused or the ad blocker aborted never finish, so they are never recorded.
import type http from 'node:http';
import type { HTTPRequest, Page } from 'puppeteer-core';
import type { RedirectHop } from '../egress/fetch.js';
import { RefusedHeader, UpstreamErrorHeader } from '../egress/proxy.js';

export interface RecordedExchange {
  url: string;
  method: string;
  requestHeaders: Array<[string, string]>;
  postData: string | null;
  status: number;
  statusText: string;
  responseHeaders: Array<[string, string]>;
  /** As the page received it (already decoded: the browser undoes Content-Encoding). */
  body: Buffer;
  /** When the response finished loading. */
  date: Date;
  resourceType: string;
}

export interface RecordedResponses {
  exchanges: RecordedExchange[];
  /** Responses finished but not kept: over the byte budget, or the browser no longer had the body. */
  leftOut: Array<{ url: string; reason: string }>;
  bytes: number;
}

export interface ResponseRecorder {
  /** Waits for the bodies still being read (bounded by `signal`), then stops recording. */
  finish(signal: AbortSignal): Promise<RecordedResponses>;
}

/** Starts recording; call before navigating. `maxBytes` bounds the bodies kept, all together. */
export function recordResponses(page: Page, maxBytes: number): ResponseRecorder {
  const exchanges: RecordedExchange[] = [];
  const leftOut: RecordedResponses['leftOut'] = [];
  const pending = new Set<Promise<void>>();
  let bytes = 0;
  let stopped = false;

  const keep = async (request: HTTPRequest) => {
    const response = request.response();
    if (!response || stopped) return;
    const url = response.url();
    if (!/^https?:/i.test(url)) return; // data: and blob: are part of the page, not fetched from anywhere
    // The egress proxy's own answers (a refused address, an unreachable upstream) are not the site's.
    if (response.headers()[RefusedHeader] !== undefined || response.headers()[UpstreamErrorHeader] !== undefined) return;
    const status = response.status();
    const isRedirect = status >= 300 && status < 400 && response.headers().location !== undefined;
    let body: Buffer = Buffer.alloc(0);
    if (!isRedirect && request.method() !== 'HEAD' && status !== 204 && status !== 304) {
      const declared = Number(response.headers()['content-length']);
      if (Number.isFinite(declared) && bytes + declared > maxBytes) {
        leftOut.push({ url, reason: `over the archive's ${maxBytes} byte budget` });
        return;
      }
      try {
        body = await response.buffer();
      } catch (error) {
        leftOut.push({ url, reason: `the browser no longer had the body: ${(error as Error).message}` });
        return;
      }
      if (bytes + body.length > maxBytes) {
        leftOut.push({ url, reason: `over the archive's ${maxBytes} byte budget` });
        return;
      }
    }
    if (stopped) return;
    bytes += body.length;
    exchanges.push({
      url,
      method: request.method(),
      requestHeaders: headerPairs(request.headers()),
      postData: request.postData() ?? null,
      status,
      statusText: response.statusText(),
      responseHeaders: storedResponseHeaders(response.headers(), body.length),
      body,
      date: new Date(),
      resourceType: request.resourceType(),
    });
  };

  const onFinished = (request: HTTPRequest) => {
    const work = keep(request).catch(() => {});
    pending.add(work);
    void work.finally(() => pending.delete(work));
  };
  page.on('requestfinished', onFinished);

  return {
    async finish(signal) {
      while (pending.size > 0 && !signal.aborted) {
        await Promise.race([Promise.all(pending), new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }))]);
      }
      stopped = true;
      page.off('requestfinished', onFinished);
      // Records in the order the page received them, so the document comes before what it loaded.
      exchanges.sort((a, b) => a.date.getTime() - b.date.getTime());
      return { exchanges, leftOut, bytes };
    },
  };
}

/** A response read in Node (preflight): its redirects, or the file it downloaded. */
export function fetchedExchange(
  fetched: { url: string; status: number; statusText: string; headers: http.IncomingHttpHeaders; at: Date },
  requestHeaders: Record<string, string>,
  body: Buffer = Buffer.alloc(0),
): RecordedExchange {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(fetched.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join('\n') : String(value);
  }
  return {
    url: fetched.url,
    method: 'GET',
    requestHeaders: headerPairs(requestHeaders),
    postData: null,
    status: fetched.status,
    statusText: fetched.statusText,
    responseHeaders: storedResponseHeaders(headers, body.length),
    body,
    date: fetched.at,
    resourceType: 'document',
  };
}

/** puppeteer joins repeated headers (Set-Cookie, Link…) with newlines; WARC keeps one line each. */
function headerPairs(headers: Record<string, string>): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(headers)) {
    for (const line of value.split('\n')) pairs.push([name, line]);
  }
  return pairs;
}

/**
 * The body is stored as the page saw it, decoded; headers that describe the wire encoding would
 * make a replay tool decode it a second time, so they go (the original values are kept under
 * an x-archive-orig- name, as other archivers do) and the length is the stored body's.
 */
function storedResponseHeaders(headers: Record<string, string>, length: number): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const [name, value] of headerPairs(headers)) {
    const lower = name.toLowerCase();
    if (lower === 'content-encoding' || lower === 'transfer-encoding' || lower === 'content-length') {
      pairs.push([`x-archive-orig-${lower}`, value]);
    } else {
      pairs.push([name, value]);
    }
  }
  pairs.push(['content-length', String(length)]);
  return pairs;
}
