// The Node-side HTTP client of a capture (the preflight that tells pages from downloads). Every
// hop of a redirect chain passes the egress policy, and the socket connects to the address the
// policy checked through a pinned `lookup`, so the name is never resolved a second time.
// Node's http/https are used directly rather than fetch(): undici's fetch cannot pin the address
// per request without a dispatcher from the undici package, and we need manual redirect checks anyway.
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { CaptureTimeoutError, ConnectionError, InvalidUrlError, LinksnapError, TooLargeError } from '../errors.js';
import type { CheckedTarget, EgressPolicy } from './policy.js';

export interface EgressRequestOptions {
  policy: EgressPolicy;
  method?: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  /** Redirects followed, each one checked; 10 by default. */
  maxRedirects?: number;
  /** Deadline for the whole exchange: every hop, and reading the body. */
  timeoutMs: number;
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

const RedirectStatuses = new Set([301, 302, 303, 307, 308]);

export async function egressRequest(input: string | URL, options: EgressRequestOptions): Promise<EgressResponse> {
  const { policy, maxBytes } = options;
  const maxRedirects = options.maxRedirects ?? 10;
  let method = options.method ?? 'GET';
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline;
  const redirects: string[] = [];
  let current = String(input);

  for (;;) {
    // Policy errors (BlockedAddressError, UnsupportedSchemeError, DnsError…) propagate as they are.
    const target = await policy.checkUrl(current);
    const response = await send(target, method, options, signal, current);
    const status = response.statusCode ?? 0;
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
      if (status === 303 && method !== 'HEAD') method = 'GET';
      current = next;
      continue;
    }
    return wrap(response, target, current, redirects, maxBytes, signal, options.timeoutMs);
  }
}

function send(
  target: CheckedTarget,
  method: string,
  options: EgressRequestOptions,
  signal: AbortSignal,
  url: string,
): Promise<http.IncomingMessage> {
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
    request.on('error', (error) => reject(failure(error, url, signal, options.timeoutMs)));
    request.end();
  });
}

function wrap(
  response: http.IncomingMessage,
  target: CheckedTarget,
  url: string,
  redirects: string[],
  maxBytes: number,
  signal: AbortSignal,
  timeoutMs: number,
): EgressResponse {
  const declared = Number(response.headers['content-length']);
  const contentLength = Number.isFinite(declared) && response.headers['content-length'] !== undefined ? declared : null;
  let consumed = false;

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
      throw failure(error, url, signal, timeoutMs);
    }
  }

  return {
    status: response.statusCode ?? 0,
    headers: response.headers,
    url,
    redirects,
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

function failure(error: unknown, url: string, signal: AbortSignal, timeoutMs: number): LinksnapError {
  if (signal.aborted && signal.reason instanceof DOMException && signal.reason.name === 'TimeoutError') {
    return new CaptureTimeoutError(url, Math.round(timeoutMs / 100) / 10, 'preflight request');
  }
  if (signal.aborted) {
    return new LinksnapError('internal', `The request to ${url} was cancelled`, { cause: error, details: { url } });
  }
  const why = (error as { code?: string }).code ?? (error instanceof Error ? error.message : String(error));
  return new ConnectionError(url, why, error);
}
