// The HTTP API and pages against the real service (SQLite file, blob files, Chromium captures):
// every route, and the access rules — token, login cookie, signed links, expiry, bad ids,
// traversal, huge and malformed bodies, cross-site requests and foreign Host headers.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../src/core/types.js';
import { LinkSigner, loadLinkSecret } from '../src/web/link-signer.js';
import type { FixtureServer } from './helpers/fixture-server.js';
import type { TestApp } from './helpers/app.js';
import { startWeb, startWebTestBed, type RunningWeb, type WebTestBed } from './helpers/web.js';

const Token = 'web-test-token-0123456789';

let bed: WebTestBed | undefined;
let fixtures: FixtureServer;
let t: TestApp;
let open: RunningWeb;
let locked: RunningWeb;
let article: Snapshot;
let cjk: Snapshot;

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  body: Buffer;
  json: any;
}

/** node:http rather than fetch: lets a test send any Host header, raw paths and broken bodies. */
function request(base: string, method: string, rawPath: string, options: { headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Reply> {
  const target = new URL(base);
  return new Promise((resolve, reject) => {
    // Always a length: Node sends a GET or DELETE body unframed otherwise, which reads as a second request.
    const headers = options.body === undefined ? options.headers : { 'content-length': String(Buffer.byteLength(options.body)), ...options.headers };
    const req = http.request({ host: target.hostname, port: target.port, method, path: rawPath, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        const text = body.toString('utf8');
        let json: unknown = null;
        if (String(res.headers['content-type'] ?? '').startsWith('application/json') && text) json = JSON.parse(text);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const json = (body: unknown) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const bearer = { authorization: `Bearer ${Token}` };

beforeAll(async () => {
  bed = await startWebTestBed(Token);
  ({ fixtures, t, open, locked } = bed);
  const first = await request(open.base, 'POST', '/api/snapshots', json({ url: fixtures.url('/article.html?utm_source=x'), tags: ['#News', 'Lighthouse'] }));
  expect(first.status).toBe(202);
  const second = await request(open.base, 'POST', '/api/snapshots', json({ url: fixtures.url('/cjk.html'), tags: '中文, 日记' }));
  expect(second.status).toBe(202);
  article = await t.service.waitFor(first.json.snapshot.id);
  cjk = await t.service.waitFor(second.json.snapshot.id);
  expect(article.status).toBe('done');
  expect(cjk.status).toBe('done');
});

afterAll(async () => {
  await bed?.close();
});

describe('JSON API', () => {
  it('POST /api/snapshots answers 202 with the queued job, its link and where to follow it', async () => {
    const reply = await request(open.base, 'POST', '/api/snapshots', json({ url: fixtures.url('/rtl.html'), tags: ['RTL', 'rtl', '#عربي'] }));
    expect(reply.status).toBe(202);
    expect(reply.headers.location).toBe(`/api/snapshots/${reply.json.snapshot.id}`);
    expect(['queued', 'capturing']).toContain(reply.json.snapshot.status);
    expect(reply.json.link.url).toBe(fixtures.url('/rtl.html'));
    expect(reply.json.link.tags.sort()).toEqual(['rtl', 'عربي'].sort());
    expect(reply.json.deduplicated).toBe(false);
    expect(reply.json.eventsUrl).toBe(`/api/snapshots/${reply.json.snapshot.id}/events`);
    const done = await t.service.waitFor(reply.json.snapshot.id);
    expect(done.status).toBe('done');

    const again = await request(open.base, 'POST', '/api/snapshots', json({ url: fixtures.url('/rtl.html') }));
    expect(again.status).toBe(202);
    expect(again.json.deduplicated).toBe(true);
    expect(again.json.snapshot.id).toBe(done.id);
    expect(again.json.snapshot.status).toBe('done');
  });

  it('GET /api/snapshots/:id returns the snapshot without disk paths, its link, versions and shares', async () => {
    const reply = await request(open.base, 'GET', `/api/snapshots/${article.id}`);
    expect(reply.status).toBe(200);
    const { snapshot, link, versions, shares } = reply.json;
    expect(snapshot.title).toBe('The Quiet Lighthouse of Vannamere');
    expect(snapshot.viewUrl).toBe(`/s/${article.id}`);
    expect(link.url).toBe(fixtures.url('/article.html'));
    expect(link.tags.sort()).toEqual(['lighthouse', 'news']);
    expect(versions.map((v: Snapshot) => v.id)).toEqual([article.id]);
    expect(shares).toHaveLength(1);
    expect(shares[0].platform).toBe('web');
    expect(snapshot.artifacts.archive.sha256).toBe(article.artifacts.archive!.sha256);
    expect(snapshot.artifacts.archive.url).toBe(`/api/snapshots/${article.id}/archive`);
    expect(reply.text).not.toContain(t.config.blobDir);
  });

  it('GET /api/snapshots lists newest first, filters by tags (ANDed), searches a Chinese substring and pages with a cursor', async () => {
    const all = await request(open.base, 'GET', '/api/snapshots');
    expect(all.status).toBe(200);
    const ids = all.json.items.map((item: { snapshot: Snapshot }) => item.snapshot.id);
    expect(ids.indexOf(cjk.id)).toBeLessThan(ids.indexOf(article.id));

    const tagged = await request(open.base, 'GET', `/api/snapshots?tag=news&tag=lighthouse`);
    expect(tagged.json.items.map((item: { snapshot: Snapshot }) => item.snapshot.id)).toEqual([article.id]);
    const none = await request(open.base, 'GET', `/api/snapshots?tag=news&tag=${encodeURIComponent('中文')}`);
    expect(none.json.items).toEqual([]);

    const search = await request(open.base, 'GET', `/api/snapshots?q=${encodeURIComponent('守望者')}`);
    expect(search.json.items.map((item: { snapshot: Snapshot }) => item.snapshot.id)).toEqual([cjk.id]);

    const page1 = await request(open.base, 'GET', '/api/snapshots?limit=1');
    expect(page1.json.items).toHaveLength(1);
    expect(page1.json.nextCursor).toEqual(expect.any(String));
    const page2 = await request(open.base, 'GET', `/api/snapshots?limit=1&cursor=${encodeURIComponent(page1.json.nextCursor)}`);
    expect(page2.json.items).toHaveLength(1);
    expect(page2.json.items[0].snapshot.id).not.toBe(page1.json.items[0].snapshot.id);

    expect((await request(open.base, 'GET', '/api/snapshots?limit=0')).status).toBe(400);
    expect((await request(open.base, 'GET', '/api/snapshots?limit=abc')).status).toBe(400);
  });

  it('PATCH /api/snapshots/:id adds, removes and replaces tags; GET /api/tags counts them', async () => {
    const added = await request(open.base, 'PATCH', `/api/snapshots/${cjk.id}`, json({ add: ['#Extra', '技术'] }));
    expect(added.status).toBe(200);
    expect(added.json.link.tags.sort()).toEqual(['extra', '中文', '技术', '日记'].sort());
    const removed = await request(open.base, 'PATCH', `/api/snapshots/${cjk.id}`, json({ remove: 'extra' }));
    expect(removed.json.link.tags).not.toContain('extra');

    const tags = await request(open.base, 'GET', '/api/tags');
    expect(tags.status).toBe(200);
    expect(tags.json.tags).toEqual(expect.arrayContaining([{ tag: '技术', count: 1 }, { tag: 'news', count: 1 }]));

    const set = await request(open.base, 'PATCH', `/api/snapshots/${cjk.id}`, json({ tags: ['中文', '日记'] }));
    expect(set.json.link.tags.sort()).toEqual(['中文', '日记'].sort());
    expect((await request(open.base, 'PATCH', `/api/snapshots/${cjk.id}`, json({}))).status).toBe(400);
    expect((await request(open.base, 'PATCH', `/api/snapshots/${cjk.id}`, json({ add: [1, 2] }))).status).toBe(400);
  });

  it('GET /api/snapshots/:id/{kind} serves each artifact byte for byte, sandboxed, with nosniff and no cookies', async () => {
    const kinds = { thumbnail: 'image/webp', screenshot: 'image/png', archive: 'text/html; charset=utf-8', mhtml: 'multipart/related', text: 'text/plain; charset=utf-8' } as const;
    for (const [kind, type] of Object.entries(kinds)) {
      const reply = await request(open.base, 'GET', `/api/snapshots/${article.id}/${kind}`);
      expect(reply.status, kind).toBe(200);
      expect(reply.headers['content-type'], kind).toBe(type);
      expect(reply.headers['content-security-policy'], kind).toMatch(/^sandbox;/);
      expect(reply.headers['content-security-policy'], kind).not.toMatch(/allow-scripts|allow-same-origin/);
      expect(reply.headers['x-content-type-options'], kind).toBe('nosniff');
      expect(reply.headers['set-cookie'], kind).toBeUndefined();
      const ref = article.artifacts[kind as keyof typeof kinds]!;
      expect(createHash('sha256').update(reply.body).digest('hex'), kind).toBe(ref.sha256);
    }
    const mhtml = await request(open.base, 'GET', `/api/snapshots/${article.id}/mhtml`);
    expect(mhtml.headers['content-disposition']).toMatch(/^attachment; filename="linksnap-[\w-]+-mhtml\.mhtml"$/);
    const cached = await request(open.base, 'GET', `/api/snapshots/${article.id}/screenshot`, { headers: { 'if-none-match': `"${article.artifacts.screenshot!.sha256}"` } });
    expect(cached.status).toBe(304);
    expect((await request(open.base, 'GET', `/api/snapshots/${article.id}/original`)).status).toBe(404);
    expect((await request(open.base, 'GET', `/api/snapshots/${article.id}/passwd`)).status).toBe(404);
    expect((await request(open.base, 'GET', `/api/snapshots/${article.id}/constructor`)).status).toBe(404);
  });

  it('GET /api/snapshots/:id/events streams the status as server-sent events and ends when done', async () => {
    const reply = await request(open.base, 'GET', `/api/snapshots/${article.id}/events`);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    const events = reply.text.split('\n\n').filter((block) => block.startsWith('event: status'));
    expect(events).toHaveLength(1);
    expect(JSON.parse(events[0].split('data: ')[1]).status).toBe('done');
  });

  it('GET /api/workspaces lists local first even before anything else exists', async () => {
    const reply = await request(open.base, 'GET', '/api/workspaces');
    expect(reply.status).toBe(200);
    expect(reply.json.workspaces.map((w: { id: string }) => w.id)).toContain('local');
  });

  it('DELETE /api/snapshots/:id forgets the link, its snapshots and files', async () => {
    const reply = await request(open.base, 'POST', '/api/snapshots', json({ url: fixtures.url('/empty.html') }));
    const done = await t.service.waitFor(reply.json.snapshot.id);
    const deleted = await request(open.base, 'DELETE', `/api/snapshots/${done.id}`);
    expect(deleted.status).toBe(204);
    expect((await request(open.base, 'GET', `/api/snapshots/${done.id}`)).status).toBe(404);
    expect((await request(open.base, 'GET', `/api/snapshots/${done.id}/screenshot`)).status).toBe(404);
    expect((await request(open.base, 'DELETE', `/api/snapshots/${done.id}`)).status).toBe(404);
  });
});

describe('refused input', () => {
  it('rejects bad links with 4xx and a specific code', async () => {
    const bad = await request(open.base, 'POST', '/api/snapshots', json({ url: 'not a url' }));
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('invalid_url');
    const ftp = await request(open.base, 'POST', '/api/snapshots', json({ url: 'ftp://example.com/file' }));
    expect(ftp.status).toBe(400);
    expect(ftp.json.error.code).toBe('unsupported_scheme');
    const zh = await request(open.base, 'POST', '/api/snapshots', { ...json({ url: 'javascript:alert(1)' }), headers: { 'content-type': 'application/json', 'accept-language': 'zh-CN' } });
    expect(zh.json.error.localized).toBe('只能保存 http 和 https 链接。');
    const privateNet = await request(open.base, 'POST', '/api/snapshots', json({ url: 'http://10.20.30.40/' }));
    expect(privateNet.status).toBe(422);
    expect(privateNet.json.error.code).toBe('blocked_address');
    expect((await request(open.base, 'POST', '/api/snapshots', json({ url: 42 }))).status).toBe(400);
    expect((await request(open.base, 'POST', '/api/snapshots', json({ url: fixtures.url('/x'), tags: { a: 1 } }))).status).toBe(400);
    expect((await request(open.base, 'POST', '/api/snapshots', json({ url: fixtures.url('/x'), workspace: 'discord:nope' }))).status).toBe(404);
  });

  it('answers malformed, mistyped and huge bodies with 400/413, and keeps serving', async () => {
    const malformed = await request(open.base, 'POST', '/api/snapshots', { headers: { 'content-type': 'application/json' }, body: '{"url": "http://' });
    expect(malformed.status).toBe(400);
    expect(malformed.json.error.message).toMatch(/not valid JSON/);
    expect((await request(open.base, 'POST', '/api/snapshots', { headers: { 'content-type': 'application/json' }, body: '[1,2]' })).status).toBe(400);
    expect((await request(open.base, 'POST', '/api/snapshots', { headers: { 'content-type': 'text/plain' }, body: '{}' })).status).toBe(400);
    const huge = await request(open.base, 'POST', '/api/snapshots', json({ url: fixtures.url('/article.html'), tags: ['x'.repeat(200_000)] }));
    expect(huge.status).toBe(413);
    expect(huge.json.error.code).toBe('too_large');
    const hugeForm = await request(open.base, 'POST', '/add', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `url=${'a'.repeat(100_000)}` });
    expect(hugeForm.status).toBe(413);
    // A chunked body with no length announced is cut off at the cap too.
    const chunked = await new Promise<number>((resolve, reject) => {
      const target = new URL(open.base);
      const req = http.request({ host: target.hostname, port: target.port, method: 'PATCH', path: `/api/snapshots/${article.id}`, headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < 20; i += 1) req.write('x'.repeat(8 * 1024));
      req.end();
    });
    expect(chunked).toBe(413);
    expect((await request(open.base, 'GET', '/healthz')).status).toBe(200);
  });

  it('answers bad ids and traversal attempts with 4xx and never a file outside the data folder', async () => {
    const probes = [
      '/api/snapshots/..%2F..%2F..%2Fetc%2Fpasswd',
      '/api/snapshots/%2e%2e/text',
      '/api/snapshots/%E0%A4%A',
      `/api/snapshots/${article.id}/..%2F..%2F..%2Fetc%2Fpasswd`,
      '/api/snapshots/../../../../etc/passwd',
      '/s/..%2F..%2Fetc%2Fpasswd',
      '/s/%00',
      `/api/snapshots/${'a'.repeat(500)}`,
      '/assets/..%2F..%2Fpackage.json',
      '/assets/../../package.json',
    ];
    for (const probe of probes) {
      const reply = await request(open.base, 'GET', probe);
      expect(reply.status, probe).toBeGreaterThanOrEqual(400);
      expect(reply.status, probe).toBeLessThan(500);
      expect(reply.text, probe).not.toMatch(/root:x:0:0|"name": "linksnap"/);
    }
    expect((await request(open.base, 'GET', '/api/snapshots/AAAAAAAAAAAAAAAA')).status).toBe(404);
    expect((await request(open.base, 'PUT', '/api/snapshots')).status).toBe(405);
  });

  it('refuses a blob that was replaced by a link pointing outside the blob folder', async () => {
    const outside = path.join(t.dataDir, 'outside.txt');
    fs.writeFileSync(outside, 'secret outside the blob folder');
    const { FileBlobStore } = await import('../src/storage/blob-store.js');
    const blobFile = new FileBlobStore(t.config.blobDir).path(article.artifacts.text!.sha256);
    fs.renameSync(blobFile, `${blobFile}.aside`);
    fs.symlinkSync(outside, blobFile);
    try {
      const reply = await request(open.base, 'GET', `/api/snapshots/${article.id}/text`);
      expect(reply.status).toBe(404);
      expect(reply.text).not.toContain('secret');
    } finally {
      fs.rmSync(blobFile);
      fs.renameSync(`${blobFile}.aside`, blobFile);
    }
    expect((await request(open.base, 'GET', `/api/snapshots/${article.id}/text`)).status).toBe(200);
  });

  it('GET /api/snapshots/:id/{kind} answers byte ranges from the blob store: 206 with the slice, 416 past the end', async () => {
    const ref = article.artifacts.screenshot!;
    const whole = (await request(open.base, 'GET', `/api/snapshots/${article.id}/screenshot`)).body;
    expect(whole.length).toBe(ref.size);
    const first = await request(open.base, 'GET', `/api/snapshots/${article.id}/screenshot`, { headers: { range: 'bytes=0-99' } });
    expect(first.status).toBe(206);
    expect(first.headers['content-range']).toBe(`bytes 0-99/${ref.size}`);
    expect(first.body.equals(whole.subarray(0, 100))).toBe(true);
    const tail = await request(open.base, 'GET', `/api/snapshots/${article.id}/screenshot`, { headers: { range: 'bytes=-10' } });
    expect(tail.status).toBe(206);
    expect(tail.body.equals(whole.subarray(ref.size - 10))).toBe(true);
    const rest = await request(open.base, 'GET', `/api/snapshots/${article.id}/screenshot`, { headers: { range: `bytes=${ref.size - 5}-` } });
    expect(rest.headers['content-length']).toBe('5');
    expect(rest.body.equals(whole.subarray(ref.size - 5))).toBe(true);
    const past = await request(open.base, 'GET', `/api/snapshots/${article.id}/screenshot`, { headers: { range: `bytes=${ref.size}-` } });
    expect(past.status).toBe(416);
    expect(past.headers['content-range']).toBe(`bytes */${ref.size}`);
    // A range for some other version (If-Range with another tag) gets the whole, current file.
    const other = await request(open.base, 'GET', `/api/snapshots/${article.id}/screenshot`, { headers: { range: 'bytes=0-9', 'if-range': '"elsewhere"' } });
    expect(other.status).toBe(200);
    expect(other.body.length).toBe(ref.size);
  });

  it('refuses foreign Host headers (DNS rebinding) and cross-site writes (CSRF) in open mode', async () => {
    const rebound = await request(open.base, 'GET', '/api/snapshots', { headers: { host: 'attacker.example:8080' } });
    expect(rebound.status).toBe(403);
    expect(rebound.text).not.toContain(article.id);
    expect((await request(open.base, 'GET', '/api/snapshots', { headers: { host: 'localhost' } })).status).toBe(200);
    const crossSite = await request(open.base, 'POST', '/api/snapshots', {
      ...json({ url: fixtures.url('/article.html') }),
      headers: { 'content-type': 'application/json', origin: 'http://attacker.example' },
    });
    expect(crossSite.status).toBe(403);
    const fetchMeta = await request(open.base, 'DELETE', `/api/snapshots/${article.id}`, { headers: { 'sec-fetch-site': 'cross-site' } });
    expect(fetchMeta.status).toBe(403);
    const form = await request(open.base, 'POST', '/add', { headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'null' }, body: 'url=x' });
    expect(form.status).toBe(403);
    // A browser posting our own form sends "Origin: null" (the page sends no referrer) with Sec-Fetch-Site: same-origin.
    const ownForm = await request(open.base, 'POST', '/add', {
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'null', 'sec-fetch-site': 'same-origin' },
      body: 'url=ftp%3A%2F%2Fexample.com',
    });
    expect(ownForm.status).toBe(400);
    expect(ownForm.text).toContain('id="add-error"');
    expect((await request(open.base, 'GET', `/api/snapshots/${article.id}`)).status).toBe(200);
  });
});

describe('pages', () => {
  it('serve the home page (add form over the link list) and snapshot view in the language Accept-Language asks for, and switch', async () => {
    const root = await request(open.base, 'GET', '/');
    expect(root.status).toBe(200);
    // The add form sits above the list.
    expect(root.text.indexOf('id="add-form"')).toBeGreaterThan(0);
    expect(root.text.indexOf('id="add-form"')).toBeLessThan(root.text.indexOf('id="link-list"'));
    const zh = await request(open.base, 'GET', '/', { headers: { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.5' } });
    expect(zh.status).toBe(200);
    expect(zh.headers['content-security-policy']).toContain("script-src 'self'");
    expect(zh.text).toContain('<html lang="zh-CN">');
    expect(zh.text).toContain('链接快照平台');
    expect(zh.text).toContain('添加链接');
    expect(zh.text).toContain('link管理');
    expect(zh.text).toContain('The Quiet Lighthouse of Vannamere');
    const en = await request(open.base, 'GET', '/', { headers: { 'accept-language': 'en-GB' } });
    expect(en.text).toContain('Link management');

    const switched = await request(open.base, 'GET', '/?lang=zh-CN&tag=news', { headers: { 'accept-language': 'en' } });
    expect(switched.status).toBe(303);
    expect(switched.headers.location).toBe('/?tag=news');
    const cookie = String(switched.headers['set-cookie']).split(';')[0];
    const after = await request(open.base, 'GET', '/?tag=news', { headers: { 'accept-language': 'en', cookie } });
    expect(after.text).toContain('link管理');
    expect(after.text).toContain('The Quiet Lighthouse of Vannamere');
    expect(after.text).not.toContain('灯塔守望者的日记');

    const view = await request(open.base, 'GET', `/s/${article.id}`);
    expect(view.status).toBe(200);
    expect(view.text).toContain('<iframe class="archive"');
    expect(view.text).toMatch(/<iframe[^>]* sandbox=""/);
    expect(view.text).toContain(article.artifacts.mhtml!.sha256);
    // The old pages' addresses still work: they land on the home page, with what they carried.
    const oldList = await request(open.base, 'GET', '/links?tag=news');
    expect([oldList.status, oldList.headers.location]).toEqual([303, '/?tag=news']);
    const oldAdd = await request(open.base, 'GET', '/add?url=https%3A%2F%2Fexample.org%2Fa');
    expect([oldAdd.status, oldAdd.headers.location]).toEqual([303, '/?url=https%3A%2F%2Fexample.org%2Fa']);
    expect((await request(open.base, 'GET', oldAdd.headers.location!)).text).toContain('value="https://example.org/a"');
    expect((await request(open.base, 'GET', '/s/AAAAAAAAAAAAAAAA')).status).toBe(404);
    expect((await request(open.base, 'GET', '/nowhere')).status).toBe(404);
  });

  it('the add form works without scripts: it posts, then lands on the snapshot view; bad links re-show the form', async () => {
    const posted = await request(open.base, 'POST', '/add', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ url: fixtures.url('/lazy.html'), tags: 'lazy 图片' }).toString(),
    });
    expect(posted.status).toBe(303);
    const id = /^\/s\/([\w-]+)$/.exec(String(posted.headers.location))![1];
    const done = await t.service.waitFor(id);
    expect((await t.service.getLink('local', done.linkId)).tags.sort()).toEqual(['lazy', '图片'].sort());
    const bad = await request(open.base, 'POST', '/add', {
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'zh-CN' },
      body: 'url=ftp%3A%2F%2Fexample.com&tags=a',
    });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('只能保存 http 和 https 链接。');
    expect(bad.text).toContain('value="ftp://example.com"');
  });

  it('switches workspace only to one the host keeps', async () => {
    expect((await request(open.base, 'GET', '/workspace?ws=slack:T404')).status).toBe(404);
    const local = await request(open.base, 'GET', '/workspace?ws=local');
    expect(local.status).toBe(303);
    expect(String(local.headers['set-cookie'])).toMatch(/^linksnap_ws=local; Path=\/; SameSite=Strict; HttpOnly/);
  });
});

describe('workspaces', () => {
  it('lists, searches and captures in another workspace the host keeps, and the page switches to it', async () => {
    const other = { id: 'slack:TWEBTEST', platform: 'slack' as const, name: 'Web test team' };
    const accepted = await t.service.snap({ url: fixtures.url('/article.html'), tags: ['team'], workspace: other, requester: { id: 'U1' }, source: { platform: 'slack', channelId: 'C1' } });
    await t.service.waitFor(accepted.snapshot.id);
    const workspaces = await request(open.base, 'GET', '/api/workspaces');
    expect(workspaces.json.workspaces.map((w: { id: string }) => w.id)).toEqual(expect.arrayContaining(['local', other.id]));
    const inOther = await request(open.base, 'GET', `/api/snapshots?workspace=${encodeURIComponent(other.id)}`);
    expect(inOther.json.items.map((item: { snapshot: Snapshot }) => item.snapshot.id)).toEqual([accepted.snapshot.id]);
    const inLocal = await request(open.base, 'GET', '/api/snapshots?tag=team');
    expect(inLocal.json.items).toEqual([]);
    expect((await request(open.base, 'GET', `/api/tags?workspace=${encodeURIComponent(other.id)}`)).json.tags).toEqual([{ tag: 'team', count: 1 }]);

    const posted = await request(open.base, 'POST', '/api/snapshots', json({ url: fixtures.url('/cjk.html'), workspace: other.id }));
    expect(posted.status).toBe(202);
    expect(posted.json.snapshot.workspaceId).toBe(other.id);
    await t.service.waitFor(posted.json.snapshot.id);

    const switched = await request(open.base, 'GET', `/workspace?ws=${encodeURIComponent(other.id)}`);
    const cookie = String(switched.headers['set-cookie']).split(';')[0];
    const page = await request(open.base, 'GET', '/', { headers: { cookie } });
    expect(page.text).toMatch(new RegExp(`<option value="${other.id}" selected>`));
    expect(page.text).toContain('#team');
    expect(page.text).toContain('网页快照测试');
    const localPage = await request(open.base, 'GET', '/');
    expect(localPage.text).not.toContain('#team');
  });
});

describe('access with LINKSNAP_API_TOKEN', () => {
  it('requires the token as a bearer header for the API', async () => {
    const none = await request(locked.base, 'GET', '/api/snapshots');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    expect((await request(locked.base, 'GET', '/api/snapshots', { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const ok = await request(locked.base, 'GET', '/api/snapshots', { headers: bearer });
    expect(ok.status).toBe(200);
    expect(ok.json.items.length).toBeGreaterThan(0);
    for (const [method, route] of [
      ['POST', '/api/snapshots'],
      ['GET', '/api/tags'],
      ['GET', '/api/workspaces'],
      ['PATCH', `/api/snapshots/${article.id}`],
      ['DELETE', `/api/snapshots/${article.id}`],
      ['GET', `/api/snapshots/${article.id}`],
      ['GET', `/api/snapshots/${article.id}/archive`],
      ['GET', `/api/snapshots/${article.id}/events`],
    ] as const) {
      expect((await request(locked.base, method, route, json({ url: 'x' }))).status, `${method} ${route}`).toBe(401);
    }
  });

  it('sends pages to a login form whose cookie then opens them', async () => {
    const page = await request(locked.base, 'GET', '/?tag=news');
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe('/login?next=%2F%3Ftag%3Dnews');
    const loginPage = await request(locked.base, 'GET', '/login?next=%2Flinks');
    expect(loginPage.status).toBe(200);
    expect(loginPage.text).toContain('type="password"');
    const form = (token: string, next = '/') => ({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token, next }).toString() });
    expect((await request(locked.base, 'POST', '/login', form('nope'))).status).toBe(401);
    const evilNext = await request(locked.base, 'POST', '/login', form(Token, '//attacker.example/'));
    expect(evilNext.headers.location).toBe('/');
    const ok = await request(locked.base, 'POST', '/login', form(Token, '/?tag=news'));
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe('/?tag=news');
    const setCookie = String(ok.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).not.toContain(Token);
    const cookie = setCookie.split(';')[0];
    const links = await request(locked.base, 'GET', '/', { headers: { cookie } });
    expect(links.status).toBe(200);
    expect(links.text).toContain('The Quiet Lighthouse of Vannamere');
    expect((await request(locked.base, 'GET', '/api/tags', { headers: { cookie } })).status).toBe(200);
    expect((await request(locked.base, 'GET', '/api/tags', { headers: { cookie: 'linksnap_session=forged' } })).status).toBe(401);
    const secure = await startWeb(t, { ...t.config, apiToken: Token, publicUrl: 'https://snap.example.org' });
    try {
      const behindTls = await request(secure.base, 'POST', '/login', form(Token));
      expect(String(behindTls.headers['set-cookie'])).toMatch(/; Secure/);
    } finally {
      await secure.web.close();
    }
    expect(setCookie).not.toMatch(/; Secure/);
    const out = await request(locked.base, 'POST', '/logout', { headers: { cookie } });
    expect(String(out.headers['set-cookie'])).toMatch(/^linksnap_session=; .*Max-Age=0/);
  });

  it('slows down token guessing at the login form', async () => {
    const guarded = await startWeb(t, { ...t.config, apiToken: Token });
    try {
      const attempt = (token: string) =>
        request(guarded.base, 'POST', '/login', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${token}&next=%2Flinks` });
      for (let i = 0; i < 10; i += 1) expect((await attempt(`guess-${i}`)).status).toBe(401);
      const limited = await attempt(Token);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(limited.headers['set-cookie']).toBeUndefined();
    } finally {
      await guarded.web.close();
    }
  });

  it('a signed link opens its one snapshot and files without logging in, and nothing else', async () => {
    const signed = new URL(locked.web.snapshotUrl(article));
    expect(signed.origin).toBe(locked.base);
    expect(signed.pathname).toBe(`/s/${article.id}`);
    const grant = signed.search.slice(1);
    expect(grant).toMatch(/^sig=[\w-]{43}$/);

    const view = await request(locked.base, 'GET', `${signed.pathname}${signed.search}`);
    expect(view.status).toBe(200);
    expect(view.text).toContain('The Quiet Lighthouse of Vannamere');
    expect(view.text).toContain(`/api/snapshots/${article.id}/archive?${grant}`);
    expect(view.text).not.toContain('class="danger delete"');
    expect(view.headers['referrer-policy']).toBe('no-referrer');
    for (const kind of ['archive', 'screenshot', 'mhtml', 'text', 'thumbnail']) {
      expect((await request(locked.base, 'GET', `/api/snapshots/${article.id}/${kind}?${grant}`)).status, kind).toBe(200);
    }
    const apiView = await request(locked.base, 'GET', `/api/snapshots/${article.id}?${grant}`);
    expect(apiView.status).toBe(200);
    expect(apiView.json.shares).toBeUndefined();
    expect(apiView.json.snapshot.artifacts.text.url).toBe(`/api/snapshots/${article.id}/text?${grant}`);
    const events = await request(locked.base, 'GET', `/api/snapshots/${article.id}/events?${grant}`);
    expect(events.status).toBe(200);

    // The signature is for this snapshot only, and never for changes.
    const other = await request(locked.base, 'GET', `/s/${cjk.id}?${grant}`);
    expect(other.status).toBe(403);
    expect((await request(locked.base, 'GET', `/api/snapshots/${cjk.id}/archive?${grant}`)).status).toBe(403);
    expect((await request(locked.base, 'PATCH', `/api/snapshots/${article.id}?${grant}`, json({ add: ['x'] }))).status).toBe(401);
    expect((await request(locked.base, 'DELETE', `/api/snapshots/${article.id}?${grant}`)).status).toBe(401);
    expect((await request(locked.base, 'GET', `/api/snapshots?${grant}`)).status).toBe(401);
  });

  it('ids cannot be probed: a missing and an existing snapshot look the same without a valid signature', async () => {
    const badSig = `sig=${'A'.repeat(43)}`;
    const existing = await request(locked.base, 'GET', `/s/${article.id}?${badSig}`);
    const missing = await request(locked.base, 'GET', `/s/AAAAAAAAAAAAAAAA?${badSig}`);
    expect(existing.status).toBe(403);
    expect(missing.status).toBe(403);
    expect(existing.text.replace(article.id, 'ID')).toBe(missing.text.replace('AAAAAAAAAAAAAAAA', 'ID'));
    const existingBare = await request(locked.base, 'GET', `/api/snapshots/${article.id}`);
    const missingBare = await request(locked.base, 'GET', '/api/snapshots/AAAAAAAAAAAAAAAA');
    expect([existingBare.status, missingBare.status]).toEqual([401, 401]);
    expect(existingBare.text.replace(article.id, 'ID')).toBe(missingBare.text.replace('AAAAAAAAAAAAAAAA', 'ID'));
  });

  it('expiring links stop working after LINKSNAP_LINK_TTL; the secret is kept in the data folder with mode 0600', async () => {
    const secretFile = path.join(t.dataDir, 'link-secret');
    expect(fs.statSync(secretFile).mode & 0o777).toBe(0o600);
    const secret = loadLinkSecret(t.dataDir, null);
    const expiring = await startWeb(t, { ...t.config, apiToken: Token, linkTtlSec: 3600 });
    try {
      const fresh = new URL(expiring.web.snapshotUrl(article));
      expect(fresh.searchParams.get('exp')).toMatch(/^\d+$/);
      expect((await request(expiring.base, 'GET', fresh.pathname + fresh.search)).status).toBe(200);
      const stale = new LinkSigner(secret, { ttlSec: 3600, now: () => Date.now() - 2 * 3600_000 }).query(article.id);
      expect((await request(expiring.base, 'GET', `/s/${article.id}?${stale}`)).status).toBe(403);
      // Moving the expiry without re-signing breaks the signature.
      const forged = fresh.search.replace(/exp=\d+/, `exp=${Number(fresh.searchParams.get('exp')) + 86_400}`);
      expect((await request(expiring.base, 'GET', `/s/${article.id}${forged}`)).status).toBe(403);
    } finally {
      await expiring.web.close();
    }
    // The same secret across restarts keeps old links valid; a configured secret replaces it.
    const restarted = await startWeb(t, { ...t.config, apiToken: Token });
    const configured = await startWeb(t, { ...t.config, apiToken: Token, linkSecret: 'configured-secret-of-enough-length' });
    try {
      const oldLink = new URL(locked.web.snapshotUrl(article));
      expect((await request(restarted.base, 'GET', oldLink.pathname + oldLink.search)).status).toBe(200);
      expect((await request(configured.base, 'GET', oldLink.pathname + oldLink.search)).status).toBe(403);
      const own = new URL(configured.web.snapshotUrl(article));
      expect((await request(configured.base, 'GET', own.pathname + own.search)).status).toBe(200);
    } finally {
      await restarted.web.close();
      await configured.web.close();
    }
  });

  it('mounted listeners (Slack events) get their requests without the token', async () => {
    const seen: string[] = [];
    locked.web.mount('/slack/events', (req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
    const reply = await request(locked.base, 'POST', '/slack/events', json({ type: 'url_verification' }));
    expect(reply.status).toBe(200);
    expect(seen).toEqual(['POST /slack/events']);
    expect(() => locked.web.mount('/api', () => undefined)).toThrow(/shadow/);
    expect(() => locked.web.mount('/s', () => undefined)).toThrow(/shadow/);
  });
});
