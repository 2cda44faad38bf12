// The capture benchmark's network, in a process of its own (forked by capture-bench.ts) so that its
// work never lands in the CPU and memory figures of the process tree being measured, and so that its
// timers do not wait on the event loop of the server under test:
//
// - the corpus, `<name>/source.html`, on 127.0.0.1 twice: as fast as loopback (scenario 1), and
//   shaped like a distant site (scenario 2: each response starts `latencyMs` after its request and
//   flows at most `mbit` per connection);
// - the dead-host page (40 images on 4 host names that do not exist) and its twin without them;
// - the simulated internet (scenario 2): a loopback address answering http on :80 and https (h2 and
//   http/1.1, self-signed certificate) on :443, every path, with a stand-in body picked by
//   Sec-Fetch-Dest, the extension, then Accept, shaped the same way. The benchmark's resolver points
//   every external name at it, so the egress proxy connects here at the URL's own port.
//
// Talks to its parent over IPC: sends {type:'ready', ...} once listening, answers {type:'stats'}.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { isEntryPoint } from './capture-shared.js';

export interface InternetOptions {
  corpusDir: string;
  latencyMs: number;
  /** Bandwidth cap per connection, megabits per second. */
  mbit: number;
  /** Start the simulated internet (needs ports 80 and 443 on a loopback address: root). */
  fixture: boolean;
}

export interface InternetReady {
  type: 'ready';
  /** The corpus at loopback speed. */
  corpusOrigin: string;
  /** The corpus behind the simulated latency and bandwidth. */
  shapedCorpusOrigin: string;
  /** Where every external name resolves in scenario 2; null when the fixture is off. */
  fixtureAddress: string | null;
  pages: string[];
}

export interface InternetStats {
  type: 'stats';
  /** Requests answered by the simulated internet (all ports). */
  fixtureRequests: number;
  fixtureBytes: number;
  /** TLS handshakes completed, and refused by the client (a browser that rejects the certificate). */
  tlsHandshakes: number;
  tlsErrors: number;
  corpusRequests: number;
  byDest: Record<string, number>;
}

/** Hosts that do not exist, for the dead-host page. RFC 6761 reserves `.test`: no DNS answers it. */
export const DeadHosts = ['http://dead0.invalid-cdn.test', 'http://dead1.invalid-cdn.test', 'https://dead2.invalid-cdn.test', 'https://dead3.invalid-cdn.test'];

/** A host of the simulated internet served over https, to check that the browser accepts the certificate. */
export const TlsProbeHost = 'tls-probe.linksnap-bench.net';

const stats: InternetStats = { type: 'stats', fixtureRequests: 0, fixtureBytes: 0, tlsHandshakes: 0, tlsErrors: 0, corpusRequests: 0, byDest: {} };

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as InternetOptions;
  const corpus = loadCorpus(options.corpusDir);
  const shaper = createShaper(options.mbit);
  const plain = await listen(http.createServer(corpusHandler(corpus, null)), 0, '127.0.0.1');
  const shaped = await listen(http.createServer(corpusHandler(corpus, { latencyMs: options.latencyMs, shaper })), 0, '127.0.0.1');
  let fixtureAddress: string | null = null;
  let certDir: string | null = null;
  if (options.fixture) {
    certDir = mkdtempSync(path.join(os.tmpdir(), 'linksnap-bench-cert-'));
    const tls = selfSignedCertificate(certDir);
    const bodies = await standIns();
    fixtureAddress = await startFixture(tls, bodies, { latencyMs: options.latencyMs, shaper });
  }
  const cleanup = () => {
    if (certDir) rmSync(certDir, { recursive: true, force: true });
  };
  // A browser that hangs up mid-response is that response's problem, not the simulated internet's.
  process.on('uncaughtException', (error) => process.stderr.write(`[bench] capture-internet: ${error.stack ?? error}\n`));
  process.on('exit', cleanup);
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
  process.on('message', (message: { type?: string }) => {
    if (message?.type === 'stats') process.send?.({ ...stats, byDest: { ...stats.byDest } });
  });
  const ready: InternetReady = {
    type: 'ready',
    corpusOrigin: `http://127.0.0.1:${(plain.address() as AddressInfo).port}`,
    shapedCorpusOrigin: `http://127.0.0.1:${(shaped.address() as AddressInfo).port}`,
    fixtureAddress,
    pages: [...corpus.keys()].filter((name) => !name.startsWith('_bench/')).sort(),
  };
  process.send?.(ready);
}

// ---- the corpus ---------------------------------------------------------------------------------

function loadCorpus(dir: string): Map<string, Buffer> {
  const pages = new Map<string, Buffer>();
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name, 'source.html');
    try {
      if (statSync(path.join(dir, name)).isDirectory()) pages.set(name, readFileSync(file));
    } catch {
      // A folder without source.html is not a page.
    }
  }
  pages.set('_bench/dead-hosts', Buffer.from(deadHostPage(true)));
  pages.set('_bench/twin', Buffer.from(deadHostPage(false)));
  pages.set('_bench/tls-probe', Buffer.from(`<!doctype html><html><head><meta charset="utf-8"><title>TLS probe</title></head><body><p>An image over https from the simulated internet.</p><img src="https://${TlsProbeHost}/probe.png" width="120" height="90"></body></html>`));
  return pages;
}

/** An article with 40 images on the four dead hosts, or (its twin) the same article without them. */
function deadHostPage(withImages: boolean): string {
  const paragraphs = Array.from({ length: 12 }, (_, i) =>
    `<p>Paragraph ${i + 1} of a plain article. Linksnap keeps the page, its text and a screenshot even when the sites it borrows images from are gone; this text is here so the page has something to read and to index.</p>`,
  );
  const images = withImages
    ? DeadHosts.flatMap((origin, h) => Array.from({ length: 10 }, (_, i) => `<img src="${origin}/img/${h}-${i}.jpg" width="300" height="200" alt="picture ${h}-${i}">`))
    : [];
  const body: string[] = [];
  paragraphs.forEach((p, i) => {
    body.push(p);
    if (images.length) body.push(...images.slice(i * 4, i * 4 + 4));
  });
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Dead-host test article</title><meta name="description" content="A page whose images live on hosts that do not exist."></head><body><article><h1>Dead-host test article</h1>${body.join('\n')}</article></body></html>`;
}

function corpusHandler(corpus: Map<string, Buffer>, shape: { latencyMs: number; shaper: Shaper } | null): http.RequestListener {
  return (req, res) => {
    stats.corpusRequests += 1;
    const pathname = safeDecode(new URL(req.url ?? '/', 'http://corpus').pathname);
    const parts = pathname.split('/').filter(Boolean);
    let key: string | null = null;
    if (parts.length === 2 && parts[1] === 'source.html' && !parts[0].includes('..')) key = parts[0];
    else if (parts.length === 2 && parts[0] === '_bench') key = `_bench/${parts[1].replace(/\.html$/, '')}`;
    const body = key ? corpus.get(key) : undefined;
    const respond = () => {
      if (!body) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not in the corpus');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': body.length });
      if (req.method === 'HEAD') return void res.end();
      if (!shape) return void res.end(body);
      shape.shaper.write(res, req.socket, body);
    };
    if (shape) setTimeout(respond, shape.latencyMs);
    else respond();
  };
}

// ---- the simulated internet ---------------------------------------------------------------------

interface StandIn {
  type: string;
  body: Buffer;
}

async function standIns(): Promise<Record<string, StandIn>> {
  // Noise does not compress, so these weigh what small photos do: JPEG ~44 kB, WebP ~27 kB, PNG ~30 kB.
  const noise = (width: number, height: number) =>
    sharp({ create: { width, height, channels: 3, background: '#88aacc', noise: { type: 'gaussian', mean: 128, sigma: 40 } } });
  const font = randomBytes(40 * 1024);
  font.write('wOF2', 0, 'latin1');
  return {
    jpeg: { type: 'image/jpeg', body: await noise(400, 300).jpeg({ quality: 70 }).toBuffer() },
    png: { type: 'image/png', body: await noise(120, 90).png().toBuffer() },
    gif: { type: 'image/gif', body: await noise(48, 36).gif().toBuffer() },
    webp: { type: 'image/webp', body: await noise(300, 200).webp({ quality: 70 }).toBuffer() },
    svg: { type: 'image/svg+xml', body: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24"><rect width="24" height="24" fill="#888"/></svg>') },
    css: { type: 'text/css; charset=utf-8', body: Buffer.alloc(0) },
    js: { type: 'text/javascript; charset=utf-8', body: Buffer.alloc(0) },
    json: { type: 'application/json', body: Buffer.from('{}') },
    font: { type: 'font/woff2', body: font },
    html: { type: 'text/html; charset=utf-8', body: Buffer.from('<!doctype html><html><head><meta charset="utf-8"><title>stand-in</title></head><body><p>A stand-in page of the simulated internet.</p></body></html>') },
  };
}

const Extensions: Record<string, string> = {
  jpg: 'jpeg', jpeg: 'jpeg', png: 'png', gif: 'gif', webp: 'webp', svg: 'svg', ico: 'png', avif: 'jpeg', bmp: 'png',
  css: 'css', js: 'js', mjs: 'js', json: 'json',
  woff: 'font', woff2: 'font', ttf: 'font', otf: 'font', eot: 'font',
  html: 'html', htm: 'html', php: 'html', asp: 'html', aspx: 'html', jsp: 'html',
};

function standInFor(req: http.IncomingMessage | http2.Http2ServerRequest): string {
  const dest = String(req.headers['sec-fetch-dest'] ?? '');
  const ext = /\.([a-z0-9]{1,5})$/i.exec(new URL(req.url ?? '/', 'http://x').pathname)?.[1]?.toLowerCase();
  if (dest === 'image') return ext && ['png', 'gif', 'webp', 'svg'].includes(Extensions[ext] ?? '') ? Extensions[ext] : 'jpeg';
  if (dest === 'style') return 'css';
  if (dest === 'script' || dest === 'worker' || dest === 'serviceworker' || dest === 'sharedworker') return 'js';
  if (dest === 'font') return 'font';
  if (dest === 'document' || dest === 'iframe' || dest === 'frame') return 'html';
  if (ext && Extensions[ext]) return Extensions[ext];
  const accept = String(req.headers.accept ?? '');
  if (accept.startsWith('image/')) return 'jpeg';
  if (accept.startsWith('text/css')) return 'css';
  return 'html';
}

async function startFixture(tls: { key: Buffer; cert: Buffer }, bodies: Record<string, StandIn>, shape: { latencyMs: number; shaper: Shaper }): Promise<string> {
  const answer = (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse, key: object) => {
    stats.fixtureRequests += 1;
    const kind = standInFor(req);
    stats.byDest[kind] = (stats.byDest[kind] ?? 0) + 1;
    const { type, body } = bodies[kind];
    setTimeout(() => {
      if (res.destroyed) return;
      res.writeHead(200, { 'content-type': type, 'content-length': body.length, 'cache-control': 'public, max-age=3600', 'access-control-allow-origin': '*' });
      if (req.method === 'HEAD' || body.length === 0) return void res.end();
      stats.fixtureBytes += body.length;
      shape.shaper.write(res, key, body);
    }, shape.latencyMs);
  };
  const plain = http.createServer((req, res) => answer(req, res, req.socket));
  plain.keepAliveTimeout = 30_000;
  const secure = http2.createSecureServer({ key: tls.key, cert: tls.cert, allowHTTP1: true }, (req, res) => {
    // One bandwidth budget per connection: an h2 session's streams share it, as they share a link.
    const key = (req as http2.Http2ServerRequest).stream?.session ?? req.socket;
    answer(req, res, key as object);
  });
  secure.on('secureConnection', () => (stats.tlsHandshakes += 1));
  secure.on('tlsClientError', () => (stats.tlsErrors += 1));
  // 127.0.0.3 up: 127.0.0.1's ports 80 and 443 may be someone else's; 127.0.0.53 is systemd-resolved's.
  for (let last = 3; last < 250; last++) {
    if (last === 53) continue;
    const address = `127.0.0.${last}`;
    try {
      await listen(plain, 80, address);
    } catch (error) {
      if (isAddressTaken(error)) continue;
      throw error;
    }
    try {
      await listen(secure as unknown as http.Server, 443, address);
      return address;
    } catch (error) {
      await new Promise<void>((resolve) => plain.close(() => resolve()));
      if (isAddressTaken(error)) continue;
      throw error;
    }
  }
  throw new Error('No loopback address with ports 80 and 443 free for the simulated internet');
}

function selfSignedCertificate(dir: string): { key: Buffer; cert: Buffer } {
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=linksnap-bench-internet',
  ], { stdio: 'ignore' });
  return { key: readFileSync(keyFile), cert: readFileSync(certFile) };
}

// ---- shaping ------------------------------------------------------------------------------------

interface Shaper {
  /** Writes `body` to `res` no faster than the cap allows on the connection `key`, then ends it. */
  write(res: http.ServerResponse | http2.Http2ServerResponse, key: object, body: Buffer): void;
}

/** A per-connection link of `mbit` Mbit/s: chunks queue behind earlier chunks of the same connection. */
function createShaper(mbit: number): Shaper {
  const bitsPerMs = mbit * 1000;
  const ChunkBytes = 16 * 1024;
  const links = new WeakMap<object, { freeAt: number }>();
  return {
    write(res, key, body) {
      let link = links.get(key);
      if (!link) links.set(key, (link = { freeAt: 0 }));
      const linkState = link;
      let offset = 0;
      const next = () => {
        if (res.destroyed) return;
        if (offset >= body.length) return void res.end();
        const chunk = body.subarray(offset, offset + ChunkBytes);
        offset += chunk.length;
        const now = performance.now();
        const start = Math.max(now, linkState.freeAt);
        linkState.freeAt = start + (chunk.length * 8) / bitsPerMs;
        const wait = linkState.freeAt - now;
        // The chunk is sent once it has "crossed the link".
        const send = () => {
          if (res.destroyed) return;
          (res as http.ServerResponse).write(chunk);
          next();
        };
        if (wait >= 1) setTimeout(send, wait);
        else send();
      };
      next();
    },
  };
}

// ---- helpers ------------------------------------------------------------------------------------

function listen(server: http.Server, port: number, host: string): Promise<http.Server> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve(server);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

function isAddressTaken(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL' || code === 'EACCES';
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

if (isEntryPoint(import.meta.url)) {
  main().catch((error) => {
    process.stderr.write(`capture-internet: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
