// Exports of a tag: three pages captured through the real service (real Chromium), one more link
// with another tag, and one older snapshot without a web archive. WACZ: the CLI (its own process,
// as a user runs it) and GET /api/export both write one package that lists the three tagged pages,
// whose merged index finds each page's document in the WARC it names, and whose hashes match; the
// link without a WACZ is named as left out. Netscape and JSON lines read back through the import
// parser to the same links and tags; zip holds every artifact with hashes that match the store.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WARCParser } from 'warcio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseImportFile } from '../src/core/import/index.js';
import { readWaczFiles } from '../src/core/wacz/wacz-reader.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { runCli } from './helpers/cli.js';
import { startWeb, type RunningWeb } from './helpers/web.js';

const Local = { workspace: { id: 'local', platform: 'cli' as const }, requester: { id: 'export-test' }, source: { platform: 'cli' as const } };
const Pages = ['alpha', 'beta', 'gamma', 'other'];

let server: http.Server;
let origin: string;
let t: TestApp;
let web: RunningWeb;

const page = (name: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>Page ${name}</title></head><body><h1>Page ${name}</h1>` +
  `<p>${`The ${name} page has enough words to be read as an article by the extractor. `.repeat(8)}</p>` +
  `<div id="js"></div><script>document.getElementById('js').textContent = 'script ran on ${name}';</script></body></html>`;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const name = new URL(req.url ?? '/', 'http://fixture').pathname.slice(1).replace(/\.html$/, '');
    if (Pages.includes(name) || name === 'old') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(name));
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t = await startTestApp({ env: { LINKSNAP_PORT: '0' } });
  for (const name of Pages) {
    const accepted = await t.service.snap({ url: `${origin}/${name}.html`, tags: name === 'other' ? ['elsewhere'] : ['reading', `t-${name}`, '中文'], ...Local });
    expect((await t.service.waitFor(accepted.snapshot.id, AbortSignal.timeout(90_000))).status).toBe('done');
  }
  web = await startWeb(t, t.config);
}, 240_000);

afterAll(async () => {
  await web?.web.close();
  await t?.close();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** The package's pages, checked for every promise a WACZ makes about its files and index. */
async function checkPackage(data: Buffer): Promise<Array<{ url: string; title: string }>> {
  const files = await readWaczFiles(data);
  const datapackage = JSON.parse(files.get('datapackage.json')!.toString('utf8'));
  expect(datapackage.wacz_version).toBe('1.1.1');
  for (const resource of datapackage.resources as Array<{ path: string; hash: string; bytes: number }>) {
    expect(files.has(resource.path), resource.path).toBe(true);
    expect(resource.hash).toBe(`sha256:${sha256(files.get(resource.path)!)}`);
    expect(resource.bytes).toBe(files.get(resource.path)!.length);
  }
  const warcs = [...files.keys()].filter((name) => name.startsWith('archive/'));
  expect(datapackage.resources.map((r: { path: string }) => r.path).sort()).toEqual([...warcs, 'indexes/index.cdx', 'pages/pages.jsonl'].sort());
  const pages = files.get('pages/pages.jsonl')!.toString('utf8').trim().split('\n').slice(1).map((line) => JSON.parse(line));
  const index = files.get('indexes/index.cdx')!.toString('utf8').trim().split('\n');
  expect([...index].sort()).toEqual(index);
  for (const entry of pages) {
    // Replayable: the index finds the page's document, in a WARC the package holds, at an offset
    // where warcio reads the page's own HTML.
    const line = index.find((l) => JSON.parse(l.slice(l.indexOf('{'))).url === entry.url);
    expect(line, entry.url).toBeDefined();
    const fields = JSON.parse(line!.slice(line!.indexOf('{')));
    const warc = files.get(`archive/${fields.filename}`)!;
    expect(warc, fields.filename).toBeDefined();
    const member = warc.subarray(Number(fields.offset), Number(fields.offset) + Number(fields.length));
    for await (const record of new WARCParser([member])) {
      expect(record.warcTargetURI).toBe(entry.url);
      const html = Buffer.from(await record.readFully(false)).toString('utf8');
      expect(html).toContain(`<title>${entry.title}</title>`);
    }
  }
  return pages;
}

describe('export --format wacz', () => {
  it('writes one WACZ listing every page of the tag, each found by the merged index', async () => {
    const out = path.join(t.dataDir, 'reading.wacz');
    const result = await runCli(t.dataDir, 'export', '--tag', 'reading', '--format', 'wacz', '-o', out);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('Exported 3 links');
    expect(fs.existsSync(`${out}.partial`)).toBe(false);
    const pages = await checkPackage(fs.readFileSync(out));
    expect(pages.map((p) => p.title).sort()).toEqual(['Page alpha', 'Page beta', 'Page gamma']);
  }, 120_000);

  it('narrows by text and refuses a missing format with the usage', async () => {
    const out = path.join(t.dataDir, 'beta.wacz');
    const result = await runCli(t.dataDir, 'export', '--tag', 'reading', '--text', 'beta', '--format', 'wacz', '-o', out);
    expect(result.code, result.stderr).toBe(0);
    const pages = await checkPackage(fs.readFileSync(out));
    expect(pages.map((p) => p.title)).toEqual(['Page beta']);
    const bad = await runCli(t.dataDir, 'export', '--tag', 'reading', '-o', out);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('export needs --format, one of wacz, netscape, json, zip');
  }, 120_000);

  it('names the links it leaves out: captured without a web archive', async () => {
    const off = await startTestApp({ env: { LINKSNAP_PORT: '0', LINKSNAP_WACZ: '0' }, dataDir: t.dataDir });
    try {
      const accepted = await off.service.snap({ url: `${origin}/old.html`, tags: ['reading'], ...Local });
      expect((await off.service.waitFor(accepted.snapshot.id, AbortSignal.timeout(90_000))).status).toBe('done');
    } finally {
      await off.close();
    }
    const out = path.join(t.dataDir, 'with-old.wacz');
    const result = await runCli(t.dataDir, 'export', '--tag', 'reading', '--format', 'wacz', '-o', out);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('Exported 3 links');
    expect(result.stderr).toContain(`left out ${origin}/old.html: no web archive was recorded`);
    const files = await readWaczFiles(fs.readFileSync(out));
    expect(JSON.parse(files.get('datapackage.json')!.toString('utf8')).description).toContain('1 matching links have no web archive');
  }, 120_000);

  it('GET /api/export streams the same package as an attachment', async () => {
    const response = await fetch(`${web.base}/api/export?tag=reading&format=wacz`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="linksnap-reading-\d{4}-\d\d-\d\d\.wacz"/);
    const pages = await checkPackage(Buffer.from(await response.arrayBuffer()));
    expect(pages.map((p) => p.title).sort()).toEqual(['Page alpha', 'Page beta', 'Page gamma']);
    const bad = await fetch(`${web.base}/api/export?tag=reading&format=pdf`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('format must be one of');
  }, 60_000);
});

describe('export --format netscape | json | zip', () => {
  it('netscape: a bookmark file that imports back to the same links and tags', async () => {
    const out = path.join(t.dataDir, 'reading.html');
    const result = await runCli(t.dataDir, 'export', '--tag', 'reading', '--format', 'netscape', '-o', out);
    expect(result.code, result.stderr).toBe(0);
    const html = fs.readFileSync(out, 'utf8');
    expect(html.startsWith('<!DOCTYPE NETSCAPE-Bookmark-file-1>')).toBe(true);
    const parsed = parseImportFile('reading.html', html);
    expect(parsed.format).toBe('netscape');
    expect(parsed.errors).toEqual([]);
    const found = await t.service.find({ workspaceId: 'local', tags: ['reading'], limit: 100 });
    expect(parsed.items.map((i) => i.url).sort()).toEqual(found.items.map((i) => i.link.url).sort());
    for (const item of found.items) {
      const back = parsed.items.find((i) => i.url === item.link.url)!;
      expect([...back.tags].sort()).toEqual([...item.link.tags].sort());
      expect(back.addedAt!.getTime()).toBe(Math.floor(Date.parse(item.link.createdAt) / 1000) * 1000);
    }
  }, 60_000);

  it('round trip: export, then import into an empty workspace, gives the same links and tags', async () => {
    const found = await t.service.find({ workspaceId: 'local', tags: ['reading'], limit: 100 });
    const want = found.items.map((i) => [i.link.url, [...i.link.tags].sort()]).sort();
    for (const format of ['netscape', 'json']) {
      const fresh = fs.mkdtempSync(path.join(t.dataDir, `fresh-${format}-`));
      const file = path.join(t.dataDir, `round-trip.${format}`);
      const exported = await runCli(t.dataDir, 'export', '--tag', 'reading', '--format', format, '-o', file);
      expect(exported.code, exported.stderr).toBe(0);
      const imported = await runCli(fresh, 'import', file, '--json');
      expect(imported.code, imported.stderr).toBe(0);
      expect(JSON.parse(imported.stdout)).toMatchObject({ added: want.length, errors: [] });
      const back = await runCli(fresh, 'find', '--tag', 'reading', '--json', '--limit', '100');
      const items = (JSON.parse(back.stdout) as { items: Array<{ url: string; tags: string[] }> }).items;
      expect(items.map((i) => [i.url, [...i.tags].sort()]).sort(), format).toEqual(want);
    }
  }, 120_000);

  it('json: one line per link with tags, shares, versions and artifact hashes, importable again', async () => {
    const response = await fetch(`${web.base}/api/export?tag=reading&format=json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toMatch(/\.jsonl"/);
    const text = await response.text();
    const lines = text.trim().split('\n').map((line) => JSON.parse(line));
    expect(lines.length).toBeGreaterThanOrEqual(3);
    const alpha = lines.find((l) => l.url === `${origin}/alpha.html`);
    expect(alpha.tags.sort()).toEqual(['reading', 't-alpha', '中文'].sort());
    expect(alpha.shares[0]).toMatchObject({ platform: 'cli', auto: false });
    expect(alpha.versions[0].status).toBe('done');
    const snapshot = await t.service.getSnapshotById(alpha.versions.at(-1).id);
    expect(alpha.versions.at(-1).sha256.screenshot).toBe(snapshot.artifacts.screenshot!.sha256);
    expect(alpha.versions.at(-1).sha256.wacz).toBe(snapshot.artifacts.wacz!.sha256);
    const parsed = parseImportFile('reading.jsonl', text);
    expect(parsed.items.map((i) => i.url).sort()).toEqual(lines.map((l) => l.url).sort());
  }, 60_000);

  it('zip: every artifact of each matching snapshot, hashes as stored, and an index', async () => {
    const out = path.join(t.dataDir, 'reading.zip');
    const result = await runCli(t.dataDir, 'export', '--tag', 't-beta', '--format', 'zip', '-o', out);
    expect(result.code, result.stderr).toBe(0);
    const files = await readWaczFiles(fs.readFileSync(out));
    const index = JSON.parse(files.get('index.json')!.toString('utf8'));
    expect(index.links).toHaveLength(1);
    const [entry] = index.links;
    expect(entry.url).toBe(`${origin}/beta.html`);
    const snapshot = await t.service.getSnapshotById(entry.snapshotId);
    const kinds = Object.keys(snapshot.artifacts).sort();
    expect(Object.keys(entry.files).sort()).toEqual(kinds);
    for (const kind of kinds) {
      const file = entry.files[kind];
      const data = files.get(file.path)!;
      expect(data, file.path).toBeDefined();
      expect(sha256(data)).toBe(snapshot.artifacts[kind as keyof typeof snapshot.artifacts]!.sha256);
      expect(file.sha256).toBe(sha256(data));
    }
  }, 60_000);
});
