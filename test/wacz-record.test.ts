// A capture recorded as WACZ: real Chromium loads a fixture page with a redirect, a gzip-encoded
// stylesheet, a web font, lazy images, a script that builds part of the page from a fetch(), and
// an image on a private address the egress policy refuses. The package must be a valid WACZ
// 1.1.1 whose datapackage hashes match its files, whose CDXJ lists the document and every
// sub-resource, and whose WARC records warcio reads back with the status, headers and bytes the
// server sent. Then the same through the service: the snapshot lists a `wacz` artifact with its
// SHA-256, served at /api/snapshots/:id/wacz as an attachment.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { WARCParser } from 'warcio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureUrl } from '../src/core/capture/capture-url.js';
import type { CaptureOutput } from '../src/core/capture/types.js';
import { readWaczFiles } from '../src/core/wacz/wacz-reader.js';
import { startTestBrowser, type TestBrowser } from './helpers/browser.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { startWeb, type RunningWeb } from './helpers/web.js';

const Font = readFileSync('/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf');
const Css = Buffer.from(`@font-face { font-family: Fixture; src: url(/fonts/fixture.ttf) format("truetype"); }\nbody { font-family: Fixture, sans-serif; }\n${'/* padding */\n'.repeat(200)}`);
const Data = Buffer.from(JSON.stringify({ message: 'built by the page script from data.json' }));
const Page = `<!doctype html><html><head><meta charset="utf-8"><title>Recorded fixture</title>
<link rel="stylesheet" href="/style.css"></head><body>
<h1>A page with moving parts</h1>
<p>Static paragraph that any archive keeps.</p>
<div id="from-script">waiting for the script</div>
<img src="http://192.168.77.1/private.png" alt="on a private address">
<div style="height: 3000px"></div>
<img loading="lazy" src="/img/lazy-1.png" alt="lazy one">
<img loading="lazy" src="/img/lazy-2.png" alt="lazy two">
<script>
  fetch('/data.json').then((r) => r.json()).then((d) => { document.getElementById('from-script').textContent = d.message; });
</script>
</body></html>`;

const Local = { workspace: { id: 'local', platform: 'cli' as const }, requester: { id: 'wacz-test' }, source: { platform: 'cli' as const } };

let server: http.Server;
let origin: string;
const images = new Map<string, Buffer>();
const served = new Map<string, { status: number; contentType: string; body: Buffer }>();

function send(res: http.ServerResponse, pathname: string, status: number, headers: Record<string, string>, body: Buffer, wire?: Buffer): void {
  served.set(pathname, { status, contentType: headers['content-type'] ?? '', body });
  res.writeHead(status, { ...headers, 'content-length': String((wire ?? body).length), 'x-fixture': pathname }).end(wire ?? body);
}

beforeAll(async () => {
  for (const i of [1, 2]) {
    images.set(`/img/lazy-${i}.png`, await sharp({ create: { width: 120, height: 80, channels: 3, background: { r: 60 * i, g: 20, b: 200 } } }).png().toBuffer());
  }
  server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://fixture').pathname;
    if (pathname === '/start') {
      served.set(pathname, { status: 302, contentType: '', body: Buffer.alloc(0) });
      res.writeHead(302, { location: '/page.html', 'content-length': '0' }).end();
    } else if (pathname === '/page.html') send(res, pathname, 200, { 'content-type': 'text/html; charset=utf-8' }, Buffer.from(Page));
    else if (pathname === '/style.css') send(res, pathname, 200, { 'content-type': 'text/css', 'content-encoding': 'gzip' }, Css, zlib.gzipSync(Css));
    else if (pathname === '/fonts/fixture.ttf') send(res, pathname, 200, { 'content-type': 'font/ttf' }, Font);
    else if (pathname === '/data.json') send(res, pathname, 200, { 'content-type': 'application/json' }, Data);
    else if (images.has(pathname)) send(res, pathname, 200, { 'content-type': 'image/png' }, images.get(pathname)!);
    else res.writeHead(404, { 'content-type': 'text/plain' }).end('not here');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

interface ReadRecord {
  type: string;
  url: string;
  status: number | null;
  headers: Headers | null;
  body: Buffer;
  payloadDigest: string | null;
}

async function warcRecords(warc: Buffer): Promise<ReadRecord[]> {
  const records: ReadRecord[] = [];
  for await (const record of new WARCParser([warc])) {
    const body = Buffer.from(await record.readFully(false));
    records.push({
      type: record.warcType ?? '',
      url: record.warcTargetURI ?? '',
      status: record.httpHeaders?.statusCode ? Number(record.httpHeaders.statusCode) : null,
      headers: record.httpHeaders ? new Headers(record.httpHeaders.headers as unknown as Headers) : null,
      body,
      payloadDigest: record.warcHeaders.headers.get('WARC-Payload-Digest') ?? null,
    });
  }
  return records;
}

describe('a capture recorded as WACZ', () => {
  let browser: TestBrowser;
  let output: CaptureOutput;
  let files: Map<string, Buffer>;

  beforeAll(async () => {
    browser = startTestBrowser({ concurrency: 1 });
    output = await captureUrl(`${origin}/start`, { pool: browser.pool, policy: browser.policy, limits: browser.limits, blockAds: true, recordWacz: true, logger: browser.logger });
    expect(output.artifacts.wacz, JSON.stringify(output.dropped)).toBeDefined();
    files = await readWaczFiles(output.artifacts.wacz!.data);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('is a WACZ 1.1.1 whose datapackage lists every file with its true hash and size', () => {
    expect([...files.keys()].sort()).toEqual(['archive/data.warc.gz', 'datapackage-digest.json', 'datapackage.json', 'indexes/index.cdx', 'pages/pages.jsonl']);
    const datapackage = JSON.parse(files.get('datapackage.json')!.toString('utf8'));
    expect(datapackage.wacz_version).toBe('1.1.1');
    expect(datapackage.profile).toBe('data-package');
    expect(datapackage.mainPageUrl).toBe(`${origin}/start`);
    const listed = new Map<string, { hash: string; bytes: number }>(datapackage.resources.map((r: { path: string; hash: string; bytes: number }) => [r.path, r]));
    expect([...listed.keys()].sort()).toEqual(['archive/data.warc.gz', 'indexes/index.cdx', 'pages/pages.jsonl']);
    for (const [path, resource] of listed) {
      expect(resource.hash, path).toBe(`sha256:${sha256(files.get(path)!)}`);
      expect(resource.bytes, path).toBe(files.get(path)!.length);
    }
    const digest = JSON.parse(files.get('datapackage-digest.json')!.toString('utf8'));
    expect(digest).toEqual({ path: 'datapackage.json', hash: `sha256:${sha256(files.get('datapackage.json')!)}` });
  });

  it('lists the page in pages.jsonl with its URL, title, time and text', () => {
    const lines = files.get('pages/pages.jsonl')!.toString('utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(lines[0]).toMatchObject({ format: 'json-pages-1.0', id: 'pages' });
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ url: `${origin}/start`, title: 'Recorded fixture' });
    expect(Number.isNaN(Date.parse(lines[1].ts))).toBe(false);
    expect(lines[1].text).toContain('Static paragraph');
  });

  it('indexes the document, the redirect and every sub-resource in sorted CDXJ, and nothing refused', () => {
    const lines = files.get('indexes/index.cdx')!.toString('utf8').trim().split('\n');
    expect([...lines].sort()).toEqual(lines);
    const entries = lines.map((line) => {
      const [urlkey, timestamp, json] = [line.slice(0, line.indexOf(' ')), line.split(' ')[1], line.slice(line.indexOf('{'))];
      return { urlkey, timestamp, ...JSON.parse(json) };
    });
    const byPath = new Map(entries.filter((e) => e.url.startsWith(origin)).map((e) => [new URL(e.url).pathname, e]));
    for (const path of ['/start', '/page.html', '/style.css', '/fonts/fixture.ttf', '/data.json', '/img/lazy-1.png', '/img/lazy-2.png']) {
      expect(byPath.has(path), `${path} in ${lines.join('\n')}`).toBe(true);
      expect(byPath.get(path).status).toBe(String(served.get(path)!.status));
      expect(byPath.get(path).filename).toBe('data.warc.gz');
      expect(byPath.get(path).timestamp).toMatch(/^\d{14}$/);
    }
    expect(byPath.get('/page.html').mime).toBe('text/html');
    expect(entries.some((e) => e.url.includes('192.168.77.1'))).toBe(false);
    expect(entries.some((e) => e.url.startsWith('urn:view:'))).toBe(true);
    expect(entries.some((e) => e.url.startsWith('urn:text:'))).toBe(true);
  });

  it('holds WARC records that warcio reads back with the status, headers and bytes the server sent', async () => {
    const warc = files.get('archive/data.warc.gz')!;
    const records = await warcRecords(warc);
    expect(records[0].type).toBe('warcinfo');
    const responses = new Map(records.filter((r) => r.type === 'response').map((r) => [new URL(r.url).pathname, r]));
    for (const [path, sent] of served) {
      const record = responses.get(path);
      expect(record, path).toBeDefined();
      expect(record!.status).toBe(sent.status);
      expect(record!.headers!.get('x-fixture') ?? (path === '/start' ? null : 'missing')).toBe(path === '/start' ? null : path);
      if (sent.contentType) expect(record!.headers!.get('content-type')).toBe(sent.contentType);
      // Stored decoded, as the page saw it: the gzip on the wire is undone and not claimed again.
      expect(record!.body.equals(sent.body), `${path} body`).toBe(true);
      expect(record!.payloadDigest).toBe(`sha256:${sha256(sent.body)}`);
      expect(record!.headers!.get('content-encoding')).toBeNull();
      expect(Number(record!.headers!.get('content-length'))).toBe(sent.body.length);
    }
    expect(responses.get('/start')!.headers!.get('location')).toBe('/page.html');
    expect(responses.get('/style.css')!.headers!.get('x-archive-orig-content-encoding')).toBe('gzip');
    const requests = records.filter((r) => r.type === 'request').map((r) => new URL(r.url).pathname);
    expect(requests).toContain('/data.json');
    expect(records.some((r) => r.url.includes('192.168.77.1'))).toBe(false);
    const screenshot = records.find((r) => r.url.startsWith('urn:view:'))!;
    expect(screenshot.body.equals(output.artifacts.screenshot!.data)).toBe(true);
  });

  it('offsets in the index point at the right gzip members', async () => {
    const warc = files.get('archive/data.warc.gz')!;
    const lines = files.get('indexes/index.cdx')!.toString('utf8').trim().split('\n');
    for (const line of lines) {
      const entry = JSON.parse(line.slice(line.indexOf('{')));
      const member = warc.subarray(Number(entry.offset), Number(entry.offset) + Number(entry.length));
      const [record] = await warcRecords(member);
      expect(record.url).toBe(entry.url);
    }
  });
});

describe('through the service and the web API', () => {
  let t: TestApp;
  let web: RunningWeb;

  beforeAll(async () => {
    t = await startTestApp({ env: { LINKSNAP_PORT: '0' } });
    web = await startWeb(t, t.config);
  }, 60_000);

  afterAll(async () => {
    await web?.web.close();
    await t?.close();
  });

  it('keeps the WACZ as an artifact with its SHA-256 and serves it as an attachment', async () => {
    const { snapshot } = await t.service.snap({ url: `${origin}/page.html`, tags: ['wacz'], ...Local });
    const done = await t.service.waitFor(snapshot.id, AbortSignal.timeout(90_000));
    expect(done.status).toBe('done');
    const json = (await (await fetch(`${web.base}/api/snapshots/${done.id}`)).json()).snapshot as { artifacts: Record<string, { sha256: string; url: string }> };
    expect(json.artifacts.wacz).toBeDefined();
    const response = await fetch(`${web.base}/api/snapshots/${done.id}/wacz`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toMatch(/^attachment;.*\.wacz/);
    const body = Buffer.from(await response.arrayBuffer());
    expect(sha256(body)).toBe(json.artifacts.wacz.sha256);
    const files = await readWaczFiles(body);
    expect(files.has('archive/data.warc.gz')).toBe(true);
  }, 120_000);

  it('records nothing with LINKSNAP_WACZ=0', async () => {
    const off = await startTestApp({ env: { LINKSNAP_PORT: '0', LINKSNAP_WACZ: '0' } });
    try {
      const { snapshot } = await off.service.snap({ url: `${origin}/page.html`, ...Local });
      const done = await off.service.waitFor(snapshot.id, AbortSignal.timeout(90_000));
      expect(done.status).toBe('done');
      expect(done.artifacts.wacz).toBeUndefined();
      expect(done.artifacts.archive).toBeDefined();
    } finally {
      await off.close();
    }
  }, 120_000);
});
