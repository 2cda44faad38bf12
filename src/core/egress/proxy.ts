// The HTTP forward proxy every browser request of a capture goes through. Chromium sends plain
// http as absolute-URI requests and https/wss as CONNECT tunnels; both are checked by the egress
// policy and connected to the address the policy checked, so a name that resolves elsewhere a
// second time (DNS rebinding) changes nothing. One proxy per capture keeps `blocked` attributable.
import http from 'node:http';
import net from 'node:net';
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
      upstream.on('timeout', () => upstream.destroy(new Error('timed out')));
      upstream.on('response', (response) => {
        res.writeHead(response.statusCode ?? 502, response.statusMessage, forwardHeaders(response.headers));
        response.on('data', (chunk: Buffer) => {
          if (countIn(chunk.length)) res.write(chunk);
        });
        response.on('end', () => res.end());
        response.on('error', () => res.destroy());
      });
      upstream.on('error', (error) => {
        if (res.headersSent) return void res.destroy();
        res.writeHead(502, { 'content-type': 'text/plain', connection: 'close' }).end(`linksnap egress proxy: ${error.message}\n`);
      });
      req.pipe(upstream);
    })();
  });

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
      upstream.setTimeout(connectTimeoutMs, () => upstream.destroy(new Error('timed out')));
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
          clientSocket.end(`HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\nlinksnap egress proxy: ${error.message}\n`);
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
