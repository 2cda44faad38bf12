// A raw TCP server that answers every request with one kind of broken HTTP, used as the main
// document (seen first by the preflight, or only by the browser), as every kind of sub-resource,
// behind a redirect, as a file download, and by the link check. After each case the service still
// answers /healthz and the capture has ended with a status and, when it failed, a readable reason.
// (vitest also fails the run on any uncaught exception, which is how the old code died.)
import http from 'node:http';
import net from 'node:net';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLink } from '../src/core/link-check.js';
import { createEgressPolicy } from '../src/core/egress/policy.js';
import { startEgressProxy } from '../src/core/egress/proxy.js';
import { silentLogger } from '../src/core/logger.js';
import type { Snapshot } from '../src/core/types.js';
import { createWebServer, type WebServer } from '../src/web/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { startLoopbackListener, type LoopbackListener } from './helpers/loopback-listener.js';

type Respond = (socket: net.Socket, contentType: string, path: string) => void;

const html = (name: string) => `<!doctype html><title>broken ${name}</title><p>${'A page from a broken server. '.repeat(20)}</p>`;
let gzipBomb: Buffer;
let brotliBomb: Buffer;
const BombBytes = 256 * 1024 * 1024;

/** Each case writes raw bytes; none of them is valid HTTP a careful server would send. */
const Cases: Record<string, Respond> = {
  'status 099': (s, type) => s.end(`HTTP/1.1 099 Weird\r\ncontent-type: ${type}\r\ncontent-length: 2\r\n\r\nhi`),
  'status 000': (s, type) => s.end(`HTTP/1.1 000 Zero\r\ncontent-type: ${type}\r\ncontent-length: 2\r\n\r\nhi`),
  'status 999': (s, type) => s.end(`HTTP/1.1 999 Nine\r\ncontent-type: ${type}\r\ncontent-length: 2\r\n\r\nhi`),
  'reason with control bytes': (s, type) => {
    const body = html('reason');
    s.end(Buffer.from(`HTTP/1.1 200 O\x01K\x7f\r\ncontent-type: ${type}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`, 'latin1'));
  },
  'oversized headers': (s, type) => s.end(`HTTP/1.1 200 OK\r\ncontent-type: ${type}\r\nx-big: ${'a'.repeat(200_000)}\r\ncontent-length: 2\r\n\r\nhi`),
  'endless headers': (s, type) => {
    s.write(`HTTP/1.1 200 OK\r\ncontent-type: ${type}\r\n`);
    let sent = 0;
    const line = `x-more: ${'b'.repeat(1000)}\r\n`;
    const timer = setInterval(() => {
      if (s.destroyed || sent > 50 * 1024 * 1024) return void clearInterval(timer);
      for (let i = 0; i < 64; i++) s.write(line);
      sent += 64 * line.length;
    }, 1);
    s.on('close', () => clearInterval(timer));
  },
  'malformed content-length': (s, type) => s.end(`HTTP/1.1 200 OK\r\ncontent-type: ${type}\r\ncontent-length: 12abc\r\n\r\nhello`),
  'lying content-length': (s, type) => s.end(`HTTP/1.1 200 OK\r\ncontent-type: ${type}\r\ncontent-length: 100000\r\n\r\n${html('lying')}`),
  'broken chunked encoding': (s, type) =>
    s.end(`HTTP/1.1 200 OK\r\ncontent-type: ${type}\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\nZZ-not-hex\r\nrest\r\n0\r\n\r\n`),
  'gzip bomb': (s, type) => {
    s.write(`HTTP/1.1 200 OK\r\ncontent-type: ${type}\r\ncontent-encoding: gzip\r\ncontent-length: ${gzipBomb.length}\r\n\r\n`);
    s.end(gzipBomb);
  },
  'brotli bomb': (s, type) => {
    s.write(`HTTP/1.1 200 OK\r\ncontent-type: ${type}\r\ncontent-encoding: br\r\ncontent-length: ${brotliBomb.length}\r\n\r\n`);
    s.end(brotliBomb);
  },
  'reset mid-body': (s, type) => {
    s.write(`HTTP/1.1 200 OK\r\ncontent-type: ${type}\r\ncontent-length: 100000\r\n\r\n${'x'.repeat(3000)}`);
    setTimeout(() => s.resetAndDestroy(), 30);
  },
  'redirect loop': (s, _type, path) => s.end(`HTTP/1.1 302 Found\r\nlocation: ${path}\r\ncontent-length: 0\r\n\r\n`),
  'not HTTP at all': (s) => s.end(Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0d, 0x0a, 0x0d, 0x0a, 0x42])),
};
const CaseNames = Object.keys(Cases);
/** Cases the preflight or the proxy must name as a malformed response when they are the document. */
const SurelyMalformed = ['status 099', 'status 000', 'status 999', 'oversized headers', 'endless headers', 'malformed content-length'];

interface RawServer {
  port: number;
  /** Paths asked for, by whom: 'node' (preflight, link check) or 'browser'. */
  requests: Array<{ path: string; by: 'node' | 'browser' }>;
  close(): Promise<void>;
}

/**
 * Paths: /doc/<case> broken for everyone; /browser/<case> a good page for the preflight (which asks
 * for `accept-encoding: identity`) and broken for the browser; /file/<case> broken, typed as a
 * download; /sub/<case>.<ext> broken sub-resources. Anything that starts with a TLS record (a tunnel
 * Chromium opened through the proxy) gets garbage back.
 */
async function startRawServer(): Promise<RawServer> {
  const requests: RawServer['requests'] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let head = '';
    socket.on('data', function onData(chunk: Buffer) {
      if (!head && chunk[0] === 0x16) {
        socket.removeListener('data', onData);
        return void socket.end(Buffer.from('garbage after CONNECT: this is not TLS\r\n\r\n\x00\xff'));
      }
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.removeListener('data', onData);
      const [requestLine, ...lines] = head.slice(0, end).split('\r\n');
      const path = requestLine.split(' ')[1] ?? '/';
      const identity = lines.some((line) => /^accept-encoding:\s*identity/i.test(line));
      requests.push({ path, by: identity ? 'node' : 'browser' });
      const [, kind, rest] = /^\/([a-z]+)\/(.*)$/.exec(path) ?? [];
      const name = decodeURIComponent((rest ?? '').replace(/\.[a-z]+$/, ''));
      const respond = Cases[name];
      if (!respond) return void socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n');
      if (kind === 'browser' && identity) {
        const body = html(name);
        return void socket.end(`HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      }
      const type = kind === 'file' ? 'application/octet-stream' : kind === 'sub' ? subType(path) : 'text/html; charset=utf-8';
      respond(socket, type, path);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    requests,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function subType(path: string): string {
  if (path.endsWith('.png')) return 'image/png';
  if (path.endsWith('.css')) return 'text/css';
  if (path.endsWith('.js')) return 'text/javascript';
  return 'application/json';
}

let t: TestApp;
let web: WebServer;
let baseUrl: string;
let raw: RawServer;
let pages: http.Server;
let pagesPort: number;
let trap: LoopbackListener;

beforeAll(async () => {
  const zeros = Buffer.alloc(1024 * 1024);
  const compress = (stream: zlib.Gzip | zlib.BrotliCompress) =>
    new Promise<Buffer>((resolve, reject) => {
      const parts: Buffer[] = [];
      stream.on('data', (part: Buffer) => parts.push(part));
      stream.on('end', () => resolve(Buffer.concat(parts)));
      stream.on('error', reject);
      for (let i = 0; i < BombBytes / zeros.length; i++) stream.write(zeros);
      stream.end();
    });
  [gzipBomb, brotliBomb] = await Promise.all([
    compress(zlib.createGzip({ level: 9 })),
    compress(zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } })),
  ]);
  raw = await startRawServer();
  trap = await startLoopbackListener();
  const rawOrigin = `http://127.0.0.1:${raw.port}`;
  // The well-behaved server: pages whose sub-resources are broken, and redirects into the broken one.
  pages = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const name = decodeURIComponent(url.pathname.slice(url.pathname.indexOf('/', 1) + 1));
    if (url.pathname.startsWith('/page/')) {
      const sub = (ext: string) => `${rawOrigin}/sub/${encodeURIComponent(name)}.${ext}`;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><title>page with broken ${name}</title>
        <link rel="stylesheet" href="${sub('css')}"><script src="${sub('js')}"></script>
        <h1>Everything below comes from a broken server</h1><p>${'Some text worth keeping. '.repeat(30)}</p>
        <img src="${sub('png')}" width="40" height="40"><img src="https://127.0.0.1:${raw.port}/sub/${encodeURIComponent(name)}.png">
        <script>fetch(${JSON.stringify(sub('json'))}).then(r => r.text()).catch(() => {});</script>`);
    } else if (url.pathname.startsWith('/redirect/')) {
      res.writeHead(302, { location: `${rawOrigin}/doc/${encodeURIComponent(name)}` }).end();
    } else if (url.pathname === '/refused-redirect') {
      res.writeHead(302, { location: trap.url }).end();
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
  pagesPort = (pages.address() as net.AddressInfo).port;
  // One attempt per job: these cases are about containment, not retries.
  t = await startTestApp({ env: { LINKSNAP_PORT: '0', LINKSNAP_CAPTURE_TIMEOUT: '30s', LINKSNAP_NAV_TIMEOUT: '10s', LINKSNAP_JOB_ATTEMPTS: '1' } });
  web = createWebServer({ service: t.service, config: t.config, logger: t.logger });
  baseUrl = await web.listen();
});

afterAll(async () => {
  await web?.close();
  await t?.close();
  await raw?.close();
  await trap?.close();
  await new Promise<void>((resolve) => (pages ? pages.close(() => resolve()) : resolve()));
});

async function capture(url: string): Promise<Snapshot> {
  const accepted = await t.service.snap({
    url,
    force: true,
    workspace: { id: 'local', platform: 'cli' },
    requester: { id: 'hostile-test' },
    source: { platform: 'cli' },
  });
  return t.service.waitFor(accepted.snapshot.id);
}

async function expectHealthy(): Promise<void> {
  const response = await fetch(`${baseUrl}/healthz`);
  expect(response.status).toBe(200);
}

/** Ended, and when it failed, with a reason a person can read (never an internal error). */
function expectEnded(snapshot: Snapshot): void {
  expect(['done', 'failed']).toContain(snapshot.status);
  if (snapshot.status === 'failed') {
    expect(snapshot.error).toMatch(/\w{4,}/);
    expect(snapshot.errorCode).not.toBe('internal');
  }
}

const rawUrl = (kind: string, name: string) => `http://127.0.0.1:${raw.port}/${kind}/${encodeURIComponent(name)}`;

describe.each(CaseNames)('a server that sends %s', (name) => {
  it('as the main document: the preflight fails the capture with a reason', async () => {
    const snapshot = await capture(rawUrl('doc', name));
    expectEnded(snapshot);
    if (SurelyMalformed.includes(name)) {
      expect(snapshot.status).toBe('failed');
      expect(snapshot.error).toMatch(/malformed HTTP response/);
    }
    if (name === 'redirect loop') expect(snapshot.error).toMatch(/More than 10 redirects/);
    await expectHealthy();
  });

  it('as the main document only the browser sees: the proxy fails that request, the capture ends', async () => {
    const snapshot = await capture(rawUrl('browser', name));
    expect(raw.requests.some((r) => r.by === 'browser' && r.path === `/browser/${encodeURIComponent(name)}`)).toBe(true);
    expectEnded(snapshot);
    if (name.startsWith('status')) {
      expect(snapshot.status).toBe('failed');
      expect(snapshot.error).toMatch(/malformed HTTP response \(the server answered with an invalid HTTP status code/);
    }
    await expectHealthy();
  });

  it('as every kind of sub-resource: the page is captured without them', async () => {
    const snapshot = await capture(`http://127.0.0.1:${pagesPort}/page/${encodeURIComponent(name)}`);
    expect(snapshot.status, snapshot.error ?? '').toBe('done');
    expect(snapshot.title).toBe(`page with broken ${name}`);
    const asked = raw.requests.filter((r) => r.path.startsWith(`/sub/${encodeURIComponent(name)}.`)).map((r) => r.path.split('.').pop());
    // The image, the style sheet and the script at least (fetch() may be cut short by the broken ones).
    for (const ext of ['png', 'css', 'js']) expect(asked).toContain(ext);
    await expectHealthy();
  });

  it('behind a redirect: the capture ends with a reason', async () => {
    const snapshot = await capture(`http://127.0.0.1:${pagesPort}/redirect/${encodeURIComponent(name)}`);
    expectEnded(snapshot);
    if (SurelyMalformed.includes(name)) expect(snapshot.error).toMatch(/malformed HTTP response/);
    await expectHealthy();
  });

  it('as a file download: the capture ends with a reason', async () => {
    const snapshot = await capture(rawUrl('file', name));
    expectEnded(snapshot);
    if (['lying content-length', 'broken chunked encoding', 'reset mid-body'].includes(name)) {
      expect(snapshot.status).toBe('failed');
    }
    await expectHealthy();
  });

  it('to the link check: the link is reported dead or alive, nothing thrown', async () => {
    const check = await checkLink(rawUrl('doc', name), t.app.policy);
    expect(typeof check.alive).toBe('boolean');
    if (SurelyMalformed.includes(name)) {
      expect(check.alive).toBe(false);
      expect(check.error).toMatch(/malformed HTTP response/);
    }
  });
});

it('a redirect to a refused address fails the capture, and nothing reaches that address', async () => {
  const snapshot = await capture(`http://127.0.0.1:${pagesPort}/refused-redirect`);
  expect(snapshot.status).toBe('failed');
  expect(snapshot.errorCode).toBe('blocked_address');
  expect(trap.hits).toBe(0);
  await expectHealthy();
});

it('garbage sent to the proxy, in and after CONNECT, fails only that connection', async () => {
  const policy = createEgressPolicy({ allowNets: ['127.0.0.1/32'], onlyAllowed: true, resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
  const proxy = await startEgressProxy({ policy, logger: silentLogger });
  try {
    const exchanges = [
      Buffer.from('CONNECT \x00\x01\xff:99999 HTTP/1.1\r\n\r\n', 'latin1'),
      Buffer.concat([Buffer.from(`CONNECT 127.0.0.1:${raw.port} HTTP/1.1\r\nhost: x\r\n\r\n`), Buffer.from([0x16, 0x03, 0x01, 0xde, 0xad, 0xbe, 0xef])]),
      Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]),
      Buffer.from('GET http://127.0.0.1:1/\r\n\x00\x00 HTTP/9.9\r\n\r\n', 'latin1'),
    ];
    const answers = await Promise.all(
      exchanges.map(
        (bytes) =>
          new Promise<string>((resolve) => {
            let got = '';
            const socket = net.connect(proxy.port, '127.0.0.1', () => socket.write(bytes));
            socket.on('data', (chunk) => (got += chunk.toString('latin1')));
            socket.on('error', () => undefined);
            socket.on('close', () => resolve(got));
            setTimeout(() => socket.destroy(), 3_000);
          }),
      ),
    );
    // The tunnel to the raw server was opened and its garbage relayed; the rest were refused or cut.
    expect(answers[1]).toMatch(/^HTTP\/1\.1 200 Connection Established/);
    expect(answers[1]).toContain('garbage after CONNECT');
    // Still serving: a plain request through the same proxy gets the broken server's 502 answer.
    const status = await new Promise<number>((resolve, reject) => {
      const request = http.request({ host: '127.0.0.1', port: proxy.port, path: rawUrl('doc', 'status 099'), method: 'GET' }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
      request.end();
    });
    expect(status).toBe(502);
  } finally {
    await proxy.close();
  }
});

it('an honest gzip or brotli body passes the bomb counter whole and byte for byte', async () => {
  const text = Buffer.from(Array.from({ length: 20_000 }, (_, i) => `line ${i} of an ordinary style sheet { color: #${(i % 4096).toString(16)} }\n`).join(''));
  const bodies = { gzip: zlib.gzipSync(text), br: zlib.brotliCompressSync(text) };
  const origin = http.createServer((req, res) => {
    const encoding = req.url === '/br' ? 'br' : 'gzip';
    res.writeHead(200, { 'content-type': 'text/css', 'content-encoding': encoding }).end(bodies[encoding]);
  });
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  const port = (origin.address() as net.AddressInfo).port;
  const policy = createEgressPolicy({ allowNets: ['127.0.0.1/32'], onlyAllowed: true });
  const proxy = await startEgressProxy({ policy, logger: silentLogger });
  try {
    for (const encoding of ['gzip', 'br'] as const) {
      const received = await new Promise<Buffer>((resolve, reject) => {
        const request = http.request({ host: '127.0.0.1', port: proxy.port, path: `http://127.0.0.1:${port}/${encoding}`, method: 'GET' }, (response) => {
          const parts: Buffer[] = [];
          response.on('data', (part: Buffer) => parts.push(part));
          response.on('end', () => resolve(Buffer.concat(parts)));
          response.on('error', reject);
        });
        request.on('error', reject);
        request.end();
      });
      expect(received.equals(bodies[encoding])).toBe(true);
    }
  } finally {
    await proxy.close();
    await new Promise<void>((resolve) => origin.close(() => resolve()));
  }
});
