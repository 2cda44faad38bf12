// The HTTP forward proxy every browser request of a capture goes through. Chromium sends plain
// http as absolute-URI requests and https/wss as CONNECT tunnels; both are checked by the egress
// policy and connected to the address the policy checked, so a name that resolves elsewhere a
// second time (DNS rebinding) changes nothing. One proxy per capture keeps `blocked` attributable.
import http from 'node:http';
import net from 'node:net';
import zlib from 'node:zlib';
import type { Duplex } from 'node:stream';
import { LinksnapError, asLinksnapError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { EgressPolicy } from './policy.js';

export interface BlockedRequest {
  /** The URL (plain http) or `host:port` (tunnels) that was refused. */
  url: string;
  host: string;
  reason: string;
  code: string;
}

export interface EgressProxyOptions {
  policy: EgressPolicy;
  logger: Logger;
  /** Bytes relayed from servers to the browser before every connection is cut. */
  maxBytes?: number;
  /** Upstream TCP connect deadline. */
  connectTimeoutMs?: number;
  /** Identity carried into every log line (jobId, url, workspace). */
  logDetails?: Record<string, unknown>;
}

export interface EgressProxy {
  /** `http://127.0.0.1:PORT`, for Chromium's proxy setting. */
  url: string;
  port: number;
  blocked: BlockedRequest[];
  /** Bytes relayed from servers towards the browser. */
  readonly bytesIn: number;
  /** True once maxBytes was reached and connections were cut. */
  readonly limitReached: boolean;
  close(): Promise<void>;
}

/**
 * Set on the proxy's own 403 answers to plain http, so the capture can tell a refusal from a
 * site's 403. (A refused CONNECT surfaces in Chromium as net::ERR_TUNNEL_CONNECTION_FAILED.)
 */
export const RefusedHeader = 'x-linksnap-refused';

/**
 * Set on the proxy's own 502 answers, so a main document the proxy could not relay fails its
 * capture with the reason instead of being kept as an error page: `malformed; <why>` when the
 * server broke HTTP, `unreachable; <why>` when it could not be reached.
 */
export const UpstreamErrorHeader = 'x-linksnap-upstream-error';

export const DefaultEgressProxyOptions = {
  maxBytes: 200 * 1024 * 1024,
  connectTimeoutMs: 15_000,
} as const;

// Hop-by-hop headers (RFC 9110 §7.6.1) and the proxy's own; never forwarded.
const HopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

export async function startEgressProxy(options: EgressProxyOptions): Promise<EgressProxy> {
  const { policy, logger } = options;
  const maxBytes = options.maxBytes ?? DefaultEgressProxyOptions.maxBytes;
  const connectTimeoutMs = options.connectTimeoutMs ?? DefaultEgressProxyOptions.connectTimeoutMs;
  const logDetails = options.logDetails ?? {};
  const sockets = new Set<Duplex>();
  const blocked: BlockedRequest[] = [];
  let bytesIn = 0;
  let limitReached = false;
  let closed = false;

  const track = <T extends Duplex>(socket: T): T => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    return socket;
  };

  /** Counts bytes towards the browser; past the cap every connection is cut. */
  const countIn = (length: number): boolean => {
    bytesIn += length;
    if (bytesIn <= maxBytes) return true;
    if (!limitReached) {
      limitReached = true;
      logger({ level: 'warn', context: 'egress', message: 'Byte limit reached; cutting every connection of this capture', details: { ...logDetails, maxBytes } });
    }
    for (const socket of sockets) socket.destroy();
    return false;
  };

  const refuse = (url: string, host: string, error: LinksnapError) => {
    const reason = reasonOf(error);
    blocked.push({ url, host, reason, code: error.code });
    logger({ level: 'info', context: 'egress', message: 'Refused a request', details: { ...logDetails, target: url, host, reason, code: error.code } });
  };

  const server = http.createServer();
  server.on('connection', (socket) => track(socket));
  // A client that vanishes mid-request must not crash the process.
  server.on('clientError', (_error, socket) => socket.destroy());

  server.on('request', (req, res) => {
    void (async () => {
      const target = req.url ?? '';
      if (!/^http:\/\//i.test(target)) {
        // Only plain http arrives as an absolute URI; anything else is not for a forward proxy.
        res.writeHead(400, { 'content-type': 'text/plain' }).end('linksnap egress proxy: absolute http:// URI expected\n');
        return;
      }
      let checked;
      try {
        checked = await policy.checkUrl(target);
      } catch (error) {
        const failure = asLinksnapError(error);
        refuse(target, hostOf(target), failure);
        res
          .writeHead(403, { 'content-type': 'text/plain', connection: 'close', [RefusedHeader]: headerSafe(reasonOf(failure)) })
          .end(`Refused by linksnap: ${failure.message}\n`);
        return;
      }
      const upstream = http.request({
        host: checked.address,
        family: checked.family,
        port: checked.port,
        method: req.method,
        path: `${checked.url.pathname}${checked.url.search}`,
        headers: forwardHeaders(req.headers),
        setHost: false,
        agent: false,
        timeout: connectTimeoutMs,
      });
      upstream.on('socket', (socket) => track(socket));
      upstream.on('timeout', () => upstream.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
      upstream.on('response', (response) => relayResponse(target, response, res));
      upstream.on('error', (error) => {
        if (res.headersSent) return void res.destroy();
        const malformed = (error as { code?: string }).code?.startsWith('HPE_') ?? false;
        badGateway(res, describeUpstreamError(error), malformed ? 'malformed' : 'unreachable');
      });
      // The browser may go away mid-request: drop the upstream side with it.
      req.on('error', () => upstream.destroy());
      res.on('error', () => upstream.destroy());
      res.on('close', () => {
        if (!res.writableFinished) upstream.destroy();
      });
      req.pipe(upstream);
    })();
  });

  /**
   * Relays one upstream answer to the browser. Everything in it is the remote server's: a status
   * Node will not write (099, 000, 999), a reason phrase or header with control bytes, a body that
   * breaks off or decodes to gigabytes. Each of those fails this one request with a 502 or a cut
   * connection, logged with the reason, never an exception that reaches the process.
   */
  const relayResponse = (target: string, response: http.IncomingMessage, res: http.ServerResponse) => {
    const fail = (reason: string) => {
      logger({ level: 'info', context: 'egress', message: 'Dropped a malformed response', details: { ...logDetails, target, reason } });
      if (res.headersSent) res.destroy();
      else badGateway(res, reason, 'malformed');
      response.destroy();
    };
    // Until the headers are relayed, a broken upstream is answered with a 502 (below); after
    // that, the only honest signal left is to cut the browser's connection.
    response.on('error', () => {
      if (res.headersSent) res.destroy();
    });
    response.on('aborted', () => {
      if (res.headersSent) res.destroy();
    });
    const status = response.statusCode ?? 0;
    if (!Number.isInteger(status) || status < 100 || status > 599) {
      return fail(`the server answered with an invalid HTTP status code (${status})`);
    }
    const decoded = decodedCounter(response.headers['content-encoding'], maxBytes);
    try {
      const reason = response.statusMessage && SafeReason.test(response.statusMessage) ? response.statusMessage : undefined;
      res.writeHead(status, reason, forwardHeaders(response.headers));
    } catch (error) {
      return fail(`the server sent a header that cannot be forwarded (${(error as Error).message})`);
    }
    const bomb = () => fail('the response decompresses to far more than it weighs (a compression bomb)');
    response.on('data', (chunk: Buffer) => {
      if (!countIn(chunk.length)) return;
      if (!decoded) return void res.write(chunk);
      // A compressed chunk reaches the browser only once it has been inflated and counted, so a
      // bomb is cut before the browser holds more of it than the counter has seen.
      decoded.add(chunk, (ok) => (ok ? res.write(chunk) : bomb()));
    });
    response.on('end', () => {
      if (!decoded) return void res.end();
      decoded.flush((ok) => {
        decoded.close();
        if (ok) res.end();
        else bomb();
      });
    });
    response.on('close', () => {
      if (!decoded) return;
      // Chunks still being inflated are relayed or cut by their own callbacks first.
      decoded.flush(() => decoded.close());
    });
  };

  // CONNECT tunnels carry https and wss; the same check, then raw bytes both ways.
  server.on('connect', (req, clientSocket: Duplex, head: Buffer) => {
    // Node removes its own error handler from CONNECT and upgrade sockets: without one, a client
    // that resets while the policy resolves the host would crash the whole process.
    clientSocket.on('error', () => clientSocket.destroy());
    void (async () => {
      const authority = req.url ?? '';
      const { host, port } = splitAuthority(authority);
      let checked;
      try {
        if (!port) throw new LinksnapError('invalid_url', `CONNECT target without a port: ${authority}`, { details: { reason: 'no port' } });
        checked = await policy.checkHost(host, port);
        if (clientSocket.destroyed) return;
      } catch (error) {
        if (clientSocket.destroyed) return;
        const failure = asLinksnapError(error);
        refuse(authority, host, failure);
        clientSocket.end(`HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\nRefused by linksnap: ${failure.message}\n`);
        return;
      }
      const upstream = track(net.connect({ host: checked.address, port: checked.port, family: checked.family }));
      upstream.setTimeout(connectTimeoutMs, () => upstream.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
      upstream.once('connect', () => {
        upstream.setTimeout(0);
        clientSocket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length) upstream.write(head);
        upstream.on('data', (chunk: Buffer) => {
          if (countIn(chunk.length)) clientSocket.write(chunk);
        });
        upstream.on('end', () => clientSocket.end());
        clientSocket.pipe(upstream);
      });
      upstream.on('error', (error) => {
        if (upstream.readyState === 'opening' || !upstream.remoteAddress) {
          clientSocket.end(`HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\nlinksnap egress proxy: ${describeUpstreamError(error)}\n`);
        } else {
          clientSocket.destroy();
        }
      });
      upstream.on('close', () => clientSocket.destroy());
      clientSocket.on('error', () => upstream.destroy());
      clientSocket.on('close', () => upstream.destroy());
    })();
  });

  // A plain ws:// upgrade sent as an absolute URI (Chromium tunnels websockets, other clients may not).
  server.on('upgrade', (req, clientSocket: Duplex, head: Buffer) => {
    clientSocket.on('error', () => clientSocket.destroy());
    void (async () => {
      const target = req.url ?? '';
      let checked;
      try {
        checked = await policy.checkUrl(target.replace(/^ws:/i, 'http:'));
        if (clientSocket.destroyed) return;
      } catch (error) {
        if (clientSocket.destroyed) return;
        const failure = asLinksnapError(error);
        refuse(target, hostOf(target), failure);
        clientSocket.end(`HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\nRefused by linksnap: ${failure.message}\n`);
        return;
      }
      const upstream = track(net.connect({ host: checked.address, port: checked.port, family: checked.family }));
      upstream.once('connect', () => {
        const lines = [`${req.method} ${checked.url.pathname}${checked.url.search} HTTP/1.1`];
        for (let i = 0; i < req.rawHeaders.length; i += 2) {
          if (/^proxy-/i.test(req.rawHeaders[i])) continue;
          lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
        }
        upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
        if (head.length) upstream.write(head);
        upstream.on('data', (chunk: Buffer) => {
          if (countIn(chunk.length)) clientSocket.write(chunk);
        });
        clientSocket.pipe(upstream);
      });
      upstream.on('error', () => clientSocket.destroy());
      upstream.on('close', () => clientSocket.destroy());
      clientSocket.on('error', () => upstream.destroy());
      clientSocket.on('close', () => upstream.destroy());
    })();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  logger({ level: 'debug', context: 'egress', message: 'Egress proxy listening', details: { ...logDetails, port } });

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    blocked,
    get bytesIn() {
      return bytesIn;
    },
    get limitReached() {
      return limitReached;
    },
    async close() {
      if (closed) return;
      closed = true;
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await done;
    },
  };
}

/** A reason phrase as RFC 9110 allows it: tabs, spaces, visible ASCII and obs-text, nothing else. */
const SafeReason = /^[\t\x20-\x7e\x80-\xff]*$/;

function badGateway(res: http.ServerResponse, reason: string, kind: 'malformed' | 'unreachable'): void {
  try {
    res
      .writeHead(502, { 'content-type': 'text/plain', connection: 'close', [UpstreamErrorHeader]: headerSafe(`${kind}; ${reason}`) })
      .end(`linksnap egress proxy: ${reason}\n`);
  } catch {
    res.destroy();
  }
}

/** Node's parser errors (HPE_*) say the server broke HTTP; say that rather than "could not connect". */
function describeUpstreamError(error: Error & { code?: string }): string {
  if (error.code?.startsWith('HPE_')) return `the server sent a malformed HTTP response (${error.code})`;
  // Node's messages name the address connected to ("connect ECONNREFUSED 10.1.2.3:80"); the
  // browser shows this text as the page, so only the code goes in it.
  return error.code ? `could not connect (${error.code})` : 'could not connect';
}

/**
 * Counts what a gzip, deflate or brotli body inflates to, so a small response that decompresses to
 * gigabytes (a "bomb") is cut before the browser spends its memory on it. Only plain http is
 * visible here; https bodies are inside TLS tunnels and bounded by the capture's deadline and the
 * browser's own limits.
 */
function decodedCounter(
  encoding: string | string[] | undefined,
  maxBytes: number,
): { add(chunk: Buffer, then: (ok: boolean) => void): void; flush(then: (ok: boolean) => void): void; close(): void } | null {
  const name = String(encoding ?? '').trim().toLowerCase();
  const make = name === 'gzip' || name === 'x-gzip' ? zlib.createGunzip : name === 'deflate' ? zlib.createInflate : name === 'br' ? zlib.createBrotliDecompress : null;
  if (!make) return null;
  const inflater = make({ finishFlush: zlib.constants.Z_SYNC_FLUSH } as zlib.ZlibOptions);
  let compressed = 0;
  let total = 0;
  let over = false;
  // A corrupt stream stops the counting; the bytes still go to the browser, which rejects them.
  let broken = false;
  inflater.on('data', (out: Buffer) => {
    total += out.length;
    // Real pages compress 3 to 30 times; past BombMinBytes at BombRatio or more it is a bomb.
    if (total > maxBytes || (total > BombMinBytes && total > compressed * BombRatio)) over = true;
  });
  inflater.on('error', () => (broken = true));
  const usable = () => !broken && !inflater.destroyed;
  return {
    add(chunk, then) {
      if (over) return then(false);
      compressed += chunk.length;
      if (!usable()) return then(true);
      inflater.write(chunk, () => then(!over));
    },
    flush(then) {
      if (!usable()) return then(!over);
      inflater.flush(() => then(!over));
    },
    close() {
      if (!inflater.destroyed) inflater.destroy();
    },
  };
}

/** A body that inflates past this many bytes at BombRatio times its compressed size is cut. */
const BombMinBytes = 16 * 1024 * 1024;
const BombRatio = 200;

function reasonOf(error: LinksnapError): string {
  return String(error.details.reason ?? error.message);
}

function headerSafe(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
}

function forwardHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const listed = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter(Boolean),
  );
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HopByHop.has(name) || listed.has(name)) continue;
    out[name] = value;
  }
  return out;
}

function splitAuthority(authority: string): { host: string; port: number } {
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(authority);
  if (!match) return { host: authority, port: 0 };
  const port = Number(match[2] ?? 0);
  return { host: match[1], port: port > 0 && port < 65536 ? port : 0 };
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}
