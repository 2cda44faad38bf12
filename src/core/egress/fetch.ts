// The Node-side HTTP client of a capture (the preflight that tells pages from downloads). Every
// hop of a redirect chain passes the egress policy, and the socket connects to the address the
// policy checked through a pinned `lookup`, so the name is never resolved a second time.
// Node's http/https are used directly rather than fetch(): undici's fetch cannot pin the address
// per request without a dispatcher from the undici package, and we need manual redirect checks anyway.
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { CaptureTimeoutError, ConnectionError, InvalidUrlError, LinksnapError, MalformedResponseError, TooLargeError } from '../errors.js';
import type { CheckedTarget, EgressPolicy } from './policy.js';

export interface EgressRequestOptions {
  policy: EgressPolicy;
  method?: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  /** Redirects followed, each one checked; 10 by default. */
  maxRedirects?: number;
  /** Deadline for the whole exchange: every hop, and reading the body. */
  timeoutMs: number;
  /** Deadline for the final response's headers (every hop included); the body may take until timeoutMs. */
  headersTimeoutMs?: number;
  signal?: AbortSignal;
  /** Body bytes readable before TooLargeError. */
  maxBytes: number;
  /** Accept self-signed certificates (test fixtures only). */
  insecureTls?: boolean;
}

export interface EgressResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The URL that answered, after redirects. */
  url: string;
  /** Every URL before `url`, in order. */
  redirects: string[];
  /** The redirect answers themselves (status and headers), in the same order, for the web archive. */
  redirectHops: RedirectHop[];
  /** Where the final hop connected. */
  target: CheckedTarget;
  /** Declared length, when the server sent one. */
  contentLength: number | null;
  /** Streams the body; throws TooLargeError past maxBytes. Can be consumed once. */
  chunks(): AsyncIterable<Buffer>;
  /** The whole body; throws TooLargeError past maxBytes (at once when Content-Length says so). */
  readBody(): Promise<Buffer>;
  /** Drops the connection without reading the body. */
  abort(): void;
}

export interface RedirectHop {
  url: string;
  status: number;
  statusText: string;
  headers: http.IncomingHttpHeaders;
  at: Date;
}

const RedirectStatuses = new Set([301, 302, 303, 307, 308]);

export async function egressRequest(input: string | URL, options: EgressRequestOptions): Promise<EgressResponse> {
  const { policy, maxBytes } = options;
  const maxRedirects = options.maxRedirects ?? 10;
  let method = options.method ?? 'GET';
  const deadline = AbortSignal.timeout(options.timeoutMs);
  // A server that accepts the connection and never answers is given up on early; once the headers
  // are in, this timer is cleared and only the whole-exchange deadline is left.
  const waiting = new AbortController();
  const headersTimeoutMs = Math.min(options.headersTimeoutMs ?? options.timeoutMs, options.timeoutMs);
  const headersTimer = setTimeout(() => waiting.abort(new HeadersTimeout()), headersTimeoutMs);
  const signal = AbortSignal.any([deadline, waiting.signal, ...(options.signal ? [options.signal] : [])]);
  const timeouts = { signal, deadline, waiting: waiting.signal, timeoutMs: options.timeoutMs, headersTimeoutMs };
  const redirects: string[] = [];
  const redirectHops: RedirectHop[] = [];
  let current = String(input);
  try {
    return await follow();
  } finally {
    clearTimeout(headersTimer);
  }

  async function follow(): Promise<EgressResponse> {
    for (;;) {
      // Policy errors (BlockedAddressError, UnsupportedSchemeError, DnsError…) propagate as they are.
      const target = await policy.checkUrl(current);
      const response = await send(target, method, options, timeouts, current);
      const status = response.statusCode ?? 0;
      if (!Number.isInteger(status) || status < 100 || status > 599) {
        response.destroy();
        throw new MalformedResponseError(current, `invalid HTTP status code ${status}`);
      }
      const location = response.headers.location;
      if (RedirectStatuses.has(status) && location) {
        response.destroy();
        if (redirects.length >= maxRedirects) {
          throw new LinksnapError('http_error', `More than ${maxRedirects} redirects starting at ${String(input)}`, {
            details: { url: String(input), redirects: [...redirects, current] },
          });
        }
        let next: string;
        try {
          next = new URL(location, current).toString();
        } catch {
          throw new InvalidUrlError(location, `bad redirect Location from ${current}`);
        }
        redirects.push(current);
        redirectHops.push({ url: current, status, statusText: response.statusMessage ?? '', headers: response.headers, at: new Date() });
        if (status === 303 && method !== 'HEAD') method = 'GET';
        current = next;
        continue;
      }
      return wrap(response, target, current, redirects, redirectHops, maxBytes, timeouts);
    }
  }
}

class HeadersTimeout extends Error {
  constructor() {
    super('no response headers in time');
    this.name = 'TimeoutError';
  }
}

interface Timeouts {
  signal: AbortSignal;
  deadline: AbortSignal;
  waiting: AbortSignal;
  timeoutMs: number;
  headersTimeoutMs: number;
}

function send(
  target: CheckedTarget,
  method: string,
  options: EgressRequestOptions,
  timeouts: Timeouts,
  url: string,
): Promise<http.IncomingMessage> {
  const { signal } = timeouts;
  // The socket goes to the checked address whatever name the URL holds; TLS still verifies the name.
  const pinned: LookupFunction = (_hostname, lookupOptions, callback) => {
    if ((lookupOptions as { all?: boolean }).all) {
      (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [
        { address: target.address, family: target.family },
      ]);
    } else {
      callback(null, target.address, target.family);
    }
  };
  const isHttps = target.url.protocol === 'https:';
  const requestOptions: https.RequestOptions = {
    method,
    host: target.host,
    port: target.port,
    path: `${target.url.pathname}${target.url.search}`,
    headers: { 'accept-encoding': 'identity', ...options.headers },
    lookup: pinned,
    agent: false,
    signal,
  };
  if (isHttps) {
    requestOptions.servername = /^[\d.]+$|:/.test(target.host) ? undefined : target.host;
    requestOptions.rejectUnauthorized = !options.insecureTls;
  }
  return new Promise((resolve, reject) => {
    const request = (isHttps ? https : http).request(requestOptions, resolve);
    request.on('error', (error) => reject(failure(error, url, timeouts)));
    request.end();
  });
}

function wrap(
  response: http.IncomingMessage,
  target: CheckedTarget,
  url: string,
  redirects: string[],
  redirectHops: RedirectHop[],
  maxBytes: number,
  timeouts: Timeouts,
): EgressResponse {
  const declared = Number(response.headers['content-length']);
  const contentLength = Number.isFinite(declared) && response.headers['content-length'] !== undefined ? declared : null;
  let consumed = false;
  // Until someone reads the body, a reset or a broken chunk must not become an unhandled 'error'.
  response.on('error', () => {});

  async function* chunks(): AsyncIterable<Buffer> {
    if (consumed) throw new LinksnapError('internal', `The body of ${url} was already read`);
    consumed = true;
    if (contentLength !== null && contentLength > maxBytes) {
      response.destroy();
      throw new TooLargeError(`The response from ${url}`, maxBytes);
    }
    let total = 0;
    try {
      for await (const chunk of response as AsyncIterable<Buffer>) {
        total += chunk.length;
        if (total > maxBytes) {
          response.destroy();
          throw new TooLargeError(`The response from ${url}`, maxBytes);
        }
        yield chunk;
      }
    } catch (error) {
      if (error instanceof LinksnapError) throw error;
      throw failure(error, url, timeouts);
    }
  }

  return {
    status: response.statusCode ?? 0,
    headers: response.headers,
    url,
    redirects,
    redirectHops,
    target,
    contentLength,
    chunks,
    async readBody() {
      const parts: Buffer[] = [];
      for await (const chunk of chunks()) parts.push(chunk);
      return Buffer.concat(parts);
    },
    abort() {
      response.destroy();
    },
  };
}

function failure(error: unknown, url: string, timeouts: Timeouts): LinksnapError {
  const { signal } = timeouts;
  const seconds = (ms: number) => Math.round(ms / 100) / 10;
  if (timeouts.waiting.aborted) {
    return new CaptureTimeoutError(url, seconds(timeouts.headersTimeoutMs), 'the server accepted the connection but sent no answer');
  }
  if (timeouts.deadline.aborted) {
    return new CaptureTimeoutError(url, seconds(timeouts.timeoutMs), 'preflight request');
  }
  if (signal.aborted) {
    return new LinksnapError('internal', `The request to ${url} was cancelled`, { cause: error, details: { url } });
  }
  const code = (error as { code?: string }).code;
  // Node's HTTP parser (HPE_INVALID_STATUS, HPE_HEADER_OVERFLOW, HPE_INVALID_CHUNK_SIZE, …): the
  // server answered, but not in HTTP. Trying again will not change that.
  if (code?.startsWith('HPE_')) return new MalformedResponseError(url, parserReason(code), error);
  const why = code ?? (error instanceof Error ? error.message : String(error));
  return new ConnectionError(url, why, error);
}

const ParserReasons: Record<string, string> = {
  HPE_INVALID_STATUS: 'invalid status line',
  HPE_HEADER_OVERFLOW: 'headers too large',
  HPE_INVALID_HEADER_TOKEN: 'invalid header',
  HPE_INVALID_CONTENT_LENGTH: 'invalid Content-Length',
  HPE_UNEXPECTED_CONTENT_LENGTH: 'conflicting Content-Length and Transfer-Encoding',
  HPE_INVALID_CHUNK_SIZE: 'broken chunked encoding',
  HPE_INVALID_TRANSFER_ENCODING: 'invalid Transfer-Encoding',
  HPE_INVALID_CONSTANT: 'not an HTTP response',
  HPE_INVALID_VERSION: 'invalid HTTP version',
  HPE_CR_EXPECTED: 'malformed line endings',
  HPE_LF_EXPECTED: 'malformed line endings',
};

function parserReason(code: string): string {
  return `${ParserReasons[code] ?? 'malformed response'}, ${code}`;
}
