// Serves test/fixtures/pages on 127.0.0.1 (an ephemeral port) plus the pages that need a server:
// redirects, slow and hanging responses, a huge page, downloads, a PDF, images and error statuses.
// Every request path is recorded so tests can prove what the browser did (or did not) fetch.
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

export interface FixtureServer {
  /** Absolute URL of `pathname` on this server. */
  url(pathname: string): string;
  origin: string;
  port: number;
  /** Paths requested so far, in order (with query strings). */
  requests: string[];
  /**
   * Serves `html` at `pathname` from now on (a page that changes between captures), or with a
   * status and headers (a page that died: 404, or a redirect elsewhere). `null` removes it.
   */
  setPage(pathname: string, page: string | { status: number; body?: string; headers?: Record<string, string> } | null): void;
  close(): Promise<void>;
}

export interface FixtureServerOptions {
  /** Host to listen on; another 127.x address lets a test tell two servers apart. */
  host?: string;
}

const PagesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/pages');

const Types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
};

export async function startFixtureServer(options: FixtureServerOptions = {}): Promise<FixtureServer> {
  const host = options.host ?? '127.0.0.1';
  const requests: string[] = [];
  const hanging = new Set<http.ServerResponse>();
  const png = await sharp({ create: { width: 1600, height: 1000, channels: 3, background: { r: 30, g: 120, b: 200 } } })
    .composite([{ input: Buffer.from('<svg width="1600" height="1000"><circle cx="800" cy="500" r="300" fill="#fc0"/></svg>'), top: 0, left: 0 }])
    .png()
    .toBuffer();
  const jpeg = await sharp(png).jpeg({ quality: 80 }).toBuffer();
  const smallPng = await sharp({ create: { width: 300, height: 200, channels: 3, background: { r: 200, g: 60, b: 60 } } }).png().toBuffer();
  const pdf = makePdf('Fixture PDF: the quiet lighthouse');
  const pages = new Map<string, { status: number; body?: string; headers?: Record<string, string> }>();

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fixture');
    requests.push(`${url.pathname}${url.search}`);
    void route(url, req, res).catch((error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  });

  async function route(url: URL, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const p = url.pathname;
    const set = pages.get(p);
    if (set) {
      res.writeHead(set.status, { 'content-type': 'text/html; charset=utf-8', ...set.headers });
      res.end(set.body ?? '');
      return;
    }
    const param = (name: string, fallback: number) => Number(url.searchParams.get(name) ?? fallback);
    if (p === '/redirect') {
      const left = param('n', 3);
      const next = left > 1 ? `/redirect?n=${left - 1}` : url.searchParams.get('to') ?? '/article.html';
      res.writeHead(302, { location: next }).end();
      return;
    }
    if (p === '/slow') {
      await delay(param('ms', 1500));
      return sendFile(res, 'article.html', 200);
    }
    if (p === '/hang') {
      // Headers and some content, then nothing: navigation never finishes, but there is a page.
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.write('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Half a page</title></head><body>');
      res.write('<h1>Half a page</h1><p>This response never ends; what arrived is still worth keeping.</p>');
      res.write(`<p>${'Padding so the parser renders at once. '.repeat(100)}</p>`);
      res.write('<img src="/hang-image.png" alt="never arrives">');
      hanging.add(res);
      return;
    }
    if (p === '/hang-image.png' || p === '/hang-silent') {
      // Accepts the request and never answers at all.
      hanging.add(res);
      return;
    }
    if (p === '/echo-agent') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html lang="en"><head><title>Who asked</title></head><body><p id="agent">${escapeHtml(req.headers['user-agent'] ?? '')}</p></body></html>`);
      return;
    }
    if (p === '/huge') {
      const paragraphs = param('paragraphs', 4000);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.write('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A very long page</title></head><body><h1>A very long page</h1>');
      for (let i = 0; i < paragraphs; i++) res.write(`<p>Paragraph ${i}: ${'the quick brown fox jumps over the lazy dog '.repeat(4)}</p>`);
      res.end('</body></html>');
      return;
    }
    if (p === '/download.bin') {
      const size = param('bytes', 64 * 1024);
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-disposition': 'attachment; filename="data.bin"',
        'content-length': String(size),
      });
      res.end(Buffer.alloc(size, 7));
      return;
    }
    if (p === '/doc.pdf' || (p.startsWith('/files/') && p.endsWith('.pdf'))) {
      res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': String(pdf.length) }).end(pdf);
      return;
    }
    if (p === '/image.png' || p === '/favicon.png') {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(png.length) }).end(png);
      return;
    }
    if (p === '/image.jpg') {
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': String(jpeg.length) }).end(jpeg);
      return;
    }
    if (p.startsWith('/lazy-img/')) {
      res.writeHead(200, { 'content-type': 'image/png', 'cache-control': 'no-store' }).end(smallPng);
      return;
    }
    if (p === '/status/404') return sendFile(res, 'not-found.html', 404);
    if (p === '/status/500') return sendFile(res, 'server-error.html', 500);
    if (p === '/consent') {
      res.writeHead(204).end();
      return;
    }
    if (p === '/' || p === '/index.html') return sendFile(res, 'article.html', 200);
    const name = path.normalize(decodeURIComponent(p)).replace(/^([/\\])+/, '');
    if (name.includes('..')) {
      res.writeHead(400).end();
      return;
    }
    return sendFile(res, name, 200);
  }

  async function sendFile(res: http.ServerResponse, name: string, status: number): Promise<void> {
    let body: Buffer;
    try {
      body = await readFile(path.join(PagesDir, name));
    } catch {
      const notFound = await readFile(path.join(PagesDir, 'not-found.html'));
      res.writeHead(404, { 'content-type': Types['.html'] }).end(notFound);
      return;
    }
    res.writeHead(status, { 'content-type': Types[path.extname(name)] ?? 'application/octet-stream', 'content-length': String(body.length) });
    res.end(body);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `http://${host}:${port}`;
  return {
    origin,
    port,
    requests,
    url: (pathname) => new URL(pathname, origin).toString(),
    setPage(pathname, page) {
      if (page === null) pages.delete(pathname);
      else pages.set(pathname, typeof page === 'string' ? { status: 200, body: page } : page);
    },
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A one-page PDF with a line of text, with a correct cross-reference table. */
export function makePdf(text: string): Buffer {
  const stream = `BT /F1 24 Tf 72 720 Td (${text.replace(/[()\\]/g, '\\$&')}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  return pdfFromObjects(objects);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}

/** A PDF of these objects (1-based, the first the catalog) with a correct cross-reference table; `trailer` adds entries. */
export function pdfFromObjects(objects: string[], trailer = ''): Buffer {
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, i) => {
    offsets.push(Buffer.byteLength(body));
    body += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = Buffer.byteLength(body);
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R${trailer} >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}
