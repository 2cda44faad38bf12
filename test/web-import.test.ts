// Import over the web against the real service: POST /api/import with a real FormData upload, the
// home page's upload form (POST /import, no script), the token, cross-site posts, and uploads over
// the cap refused while they arrive (announced, and chunked with no length).
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MaxImportBytes } from '../src/core/import/index.js';
import { startWebTestBed, type WebTestBed } from './helpers/web.js';

const Token = 'web-import-token-0123456789';
const fixture = (name: string) => readFileSync(new URL(`./fixtures/import/${name}`, import.meta.url));
let bed: WebTestBed;

beforeAll(async () => {
  bed = await startWebTestBed(Token);
}, 120_000);
afterAll(async () => {
  await bed?.close();
});

function upload(name: string, content: Buffer | string, fields: Record<string, string | string[]> = {}): FormData {
  const form = new FormData();
  form.set('file', new Blob([typeof content === 'string' ? content : new Uint8Array(content)]), name);
  for (const [key, value] of Object.entries(fields)) for (const one of [value].flat()) form.append(key, one);
  return form;
}

/** Sends a FormData body through node:http, announced or chunked, and resolves with the first answer even if the server stops reading. */
async function sendRaw(base: string, path: string, form: FormData, options: { chunked: boolean; headers?: Record<string, string> }): Promise<{ status: number; body: string; sent: number }> {
  const encoded = new Response(form);
  const type = encoded.headers.get('content-type')!;
  const body = Buffer.from(await encoded.arrayBuffer());
  const target = new URL(base);
  return new Promise((resolve, reject) => {
    let sent = 0;
    const headers: Record<string, string> = { 'content-type': type, ...options.headers, ...(options.chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(body.length) }) };
    const req = http.request({ host: target.hostname, port: target.port, method: 'POST', path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), sent }));
      res.on('error', reject);
    });
    // The server may close the connection while the rest is still on its way: that is the point.
    req.on('error', () => undefined);
    const step = 256 * 1024;
    const pump = () => {
      while (sent < body.length) {
        const ok = req.write(body.subarray(sent, sent + step));
        sent += Math.min(step, body.length - sent);
        if (!ok) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

describe('POST /api/import', () => {
  it('imports an uploaded bookmark file with tags and lists its links as not captured yet', async () => {
    const response = await fetch(`${bed.open.base}/api/import`, { method: 'POST', body: upload('bookmarks.html', fixture('chrome-bookmarks.html'), { tags: 'web-import, 导入' }) });
    expect(response.status).toBe(200);
    const report = await response.json();
    expect(report).toMatchObject({ format: 'netscape', links: 5, added: 5, existing: 0, tagged: 0, queued: 0, errorsNotListed: 0 });
    expect(report.errors).toEqual([
      { line: 21, message: expect.stringMatching(/^line 21: "javascript:alert\(document.title\)" is not a web address/) },
      { line: 26, message: expect.stringMatching(/^line 26: "chrome:\/\/settings\/" is not a web address/) },
    ]);
    const listed = await (await fetch(`${bed.open.base}/api/snapshots?tag=web-import&limit=100`)).json();
    expect(listed.items).toHaveLength(5);
    for (const item of listed.items) {
      expect(item.snapshot.status).toBe('not_captured');
      expect(item.link.tags).toEqual(expect.arrayContaining(['web-import', '导入']));
    }
    const vue = listed.items.find((item: { link: { url: string } }) => item.link.url === 'https://vuejs.org/guide/introduction.html');
    expect(vue.snapshot.title).toBe('Vue.js 介绍 & 指南');
    const detail = await (await fetch(`${bed.open.base}/api/snapshots/${vue.snapshot.id}`)).json();
    expect(detail.shares).toEqual([expect.objectContaining({ platform: 'web', createdAt: new Date(1700000400 * 1000).toISOString() })]);
    const view = await fetch(`${bed.open.base}/s/${vue.snapshot.id}`, { headers: { 'accept-language': 'en' } });
    expect(view.status).toBe(200);
    const viewPage = await view.text();
    expect(viewPage).toContain('Not captured yet');
    // And a way to capture it: the add form, filled with its address.
    expect(viewPage).toContain(`href="/?url=${encodeURIComponent('https://vuejs.org/guide/introduction.html')}#add">Capture it now</a>`);

    // The same file again adds nothing.
    const again = await (await fetch(`${bed.open.base}/api/import`, { method: 'POST', body: upload('bookmarks.html', fixture('chrome-bookmarks.html'), { tags: 'web-import, 导入' }) })).json();
    expect(again).toMatchObject({ added: 0, existing: 5, tagged: 0, queued: 0 });
    expect((await (await fetch(`${bed.open.base}/api/snapshots?tag=web-import&limit=100`)).json()).items).toHaveLength(5);
  });

  it('queues captures with capture=1', async () => {
    const report = await (await fetch(`${bed.open.base}/api/import`, { method: 'POST', body: upload('list.txt', 'https://capture.example/1\nhttps://capture.example/2\n', { capture: '1', tags: 'web-capture' }) })).json();
    expect(report).toMatchObject({ format: 'url-list', added: 2, queued: 2 });
    const listed = await (await fetch(`${bed.open.base}/api/snapshots?tag=web-capture`)).json();
    for (const item of listed.items) expect(item.snapshot.status).not.toBe('not_captured');
  });

  it('needs the token, refuses cross-site posts, a missing file and a file it cannot read', async () => {
    const body = () => upload('urls.txt', 'https://locked.example/1\n');
    expect((await fetch(`${bed.locked.base}/api/import`, { method: 'POST', body: body() })).status).toBe(401);
    const signedIn = await fetch(`${bed.locked.base}/api/import`, { method: 'POST', body: body(), headers: { authorization: `Bearer ${Token}` } });
    expect(signedIn.status).toBe(200);
    expect((await signedIn.json()).added).toBe(1);
    expect((await fetch(`${bed.open.base}/api/import`, { method: 'POST', body: body(), headers: { origin: 'https://elsewhere.example', 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
    const noFile = new FormData();
    noFile.set('tags', 'x');
    const missing = await fetch(`${bed.open.base}/api/import`, { method: 'POST', body: noFile });
    expect(missing.status).toBe(400);
    expect((await missing.json()).error.message).toMatch(/Choose a file/);
    const notMultipart = await fetch(`${bed.open.base}/api/import`, { method: 'POST', body: 'https://x.example/', headers: { 'content-type': 'text/plain' } });
    expect(notMultipart.status).toBe(400);
    const unreadable = await fetch(`${bed.open.base}/api/import`, { method: 'POST', body: upload('picture.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])) });
    expect(unreadable.status).toBe(400);
    expect((await unreadable.json()).error.code).toBe('invalid_input');
  });

  it('refuses an upload over the cap while it arrives, announced or chunked, and keeps serving', { timeout: 120_000 }, async () => {
    const tooBig = () => upload('huge.txt', Buffer.alloc(MaxImportBytes + 1024 * 1024, 'a'));
    const announced = await sendRaw(bed.open.base, '/api/import', tooBig(), { chunked: false });
    expect(announced.status).toBe(413);
    expect(JSON.parse(announced.body).error.code).toBe('too_large');
    const chunked = await sendRaw(bed.open.base, '/api/import', tooBig(), { chunked: true });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body).error.message).toMatch(/larger than the limit of 50 MiB/);
    expect((await fetch(`${bed.open.base}/healthz`)).status).toBe(200);
  });
});

describe('the import form on the home page', () => {
  it('is on the home page, in English and Chinese', async () => {
    const en = await (await fetch(`${bed.open.base}/?lang=en`)).text();
    expect(en).toContain('action="/import" enctype="multipart/form-data"');
    expect(en).toContain('Import links from a file');
    const zh = await (await fetch(`${bed.open.base}/`, { headers: { 'accept-language': 'zh-CN' } })).text();
    expect(zh).toContain('从文件导入链接');
  });

  it('posts without a script and shows what the import did, with the new links not captured yet in the list', async () => {
    const form = upload('pocket.csv', fixture('pocket-export.csv'), { tags: 'form-import' });
    const response = await fetch(`${bed.open.base}/import?lang=en`, { method: 'POST', body: form, headers: { origin: 'null', 'sec-fetch-site': 'same-origin' } });
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain('Imported 4 links from pocket.csv: 4 new, 0 already here.');
    expect(page).toContain('2 lines could not be imported:');
    expect(page).toContain('line 6: &quot;htp:/x&quot; is not a web address');
    expect(page).toContain('Not captured yet');
    const refused = await fetch(`${bed.open.base}/import?lang=en`, { method: 'POST', body: upload('picture.png', Buffer.from([0x89, 0x50, 0x4e, 0x47])), headers: { origin: 'null', 'sec-fetch-site': 'same-origin' } });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toMatch(/<details open>[\s\S]*role="alert"/);
  });
});
