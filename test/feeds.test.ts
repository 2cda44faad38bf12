// Atom feeds over the real web server and real captures: the signed link from GET /api/feeds
// opens the feed without the token, the feed parses as Atom with a real XML parser, its entries
// link to the snapshot view and a thumbnail that both open, and a link shared only in a private
// channel never shows up in a feed, whoever holds the link. A signature for one tag opens no other.
import { DOMParser } from '@xmldom/xmldom';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebTestBed, type WebTestBed } from './helpers/web.js';

const Token = 'feeds-test-token-0123456789';
const bearer = { authorization: `Bearer ${Token}` };
const Atom = 'http://www.w3.org/2005/Atom';

let bed: WebTestBed;
let server: http.Server;
let origin: string;

const page = (title: string, body: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body><article><h1>${title}</h1><p>${body}</p></article></body></html>`;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://fixture').pathname;
    const pages: Record<string, string> = {
      '/public.html': page('Public <news> & "quotes" 新闻', `Opening words of the public story. ${'More words follow here. '.repeat(40)}`),
      '/private.html': page('Private plans', `Only for the private channel. ${'Secret words. '.repeat(40)}`),
      '/other.html': page('Another tag', `Something else entirely. ${'Filler. '.repeat(40)}`),
    };
    if (pages[path]) res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(pages[path]);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  bed = await startWebTestBed(Token);
  const workspace = { id: 'T-feeds', platform: 'slack' as const, name: 'Feeds' };
  const snap = async (path: string, tags: string[], channel: { id: string; private: boolean }) => {
    const accepted = await bed.t.service.snap({
      url: `${origin}${path}`,
      tags,
      workspace,
      requester: { id: 'U1', name: 'Ada' },
      source: { platform: 'slack', channelId: channel.id, channelName: channel.id, channelPrivate: channel.private },
    });
    expect((await bed.t.service.waitFor(accepted.snapshot.id, AbortSignal.timeout(90_000))).status).toBe('done');
  };
  await snap('/public.html', ['news'], { id: 'C-open', private: false });
  await snap('/private.html', ['news'], { id: 'G-secret', private: true });
  await snap('/other.html', ['misc'], { id: 'C-open', private: false });
}, 240_000);

afterAll(async () => {
  await bed?.close();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

async function feedUrl(tag: string | null): Promise<string> {
  const response = await fetch(`${bed.locked.base}/api/feeds?workspace=T-feeds${tag ? `&tag=${tag}` : ''}`, { headers: bearer });
  expect(response.status).toBe(200);
  return ((await response.json()) as { url: string }).url;
}

function parseAtom(xml: string) {
  const doc = new DOMParser({
    onError: (level, message) => {
      if (level !== 'warning') throw new Error(`${level}: ${message}`);
    },
  }).parseFromString(xml, 'application/xml');
  const feed = doc.documentElement!;
  expect(feed.namespaceURI).toBe(Atom);
  expect(feed.localName).toBe('feed');
  return Array.from(feed.getElementsByTagNameNS(Atom, 'entry'));
}

describe('Atom feeds', () => {
  it('a tag feed opens with its signed link alone and lists only what is public', async () => {
    const url = await feedUrl('news');
    expect(url).toMatch(/\/feeds\/T-feeds\/news\.atom\?sig=/);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    const xml = await response.text();
    const entries = parseAtom(xml);
    expect(entries).toHaveLength(1);
    const [entry] = entries;
    expect(entry.getElementsByTagNameNS(Atom, 'title')[0].textContent).toBe('Public <news> & "quotes" 新闻');
    expect(entry.getElementsByTagNameNS(Atom, 'summary')[0].textContent).toMatch(/^Public <news>|Opening words of the public story/);
    expect(xml).not.toContain('Private plans');
    expect(xml).not.toContain('Secret words');
    const links = Array.from(entry.getElementsByTagNameNS(Atom, 'link'));
    const view = links.find((l) => l.getAttribute('rel') === 'alternate')!.getAttribute('href')!;
    expect(links.find((l) => l.getAttribute('rel') === 'related')!.getAttribute('href')).toBe(`${origin}/public.html`);
    // The entry's links work for a reader that has nothing but the feed.
    const viewPage = await fetch(view);
    expect(viewPage.status).toBe(200);
    expect(await viewPage.text()).toContain('Public &lt;news&gt;');
    const thumbnail = entry.getElementsByTagNameNS('http://search.yahoo.com/mrss/', 'thumbnail')[0].getAttribute('url')!;
    const image = await fetch(thumbnail);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/webp');
  });

  it('a workspace feed lists its public links of every tag', async () => {
    const xml = await (await fetch(await feedUrl(null))).text();
    const titles = parseAtom(xml).map((e) => e.getElementsByTagNameNS(Atom, 'title')[0].textContent);
    expect(titles.sort()).toEqual(['Another tag', 'Public <news> & "quotes" 新闻']);
  });

  it('refuses a missing or borrowed signature, and needs the token to hand out links', async () => {
    const news = new URL(await feedUrl('news'));
    expect((await fetch(`${bed.locked.base}/feeds/T-feeds/news.atom`)).status).toBe(403);
    const borrowed = await fetch(`${bed.locked.base}/feeds/T-feeds/misc.atom${news.search}`);
    expect(borrowed.status).toBe(403);
    expect(await borrowed.text()).toContain('feed link is not valid');
    expect((await fetch(`${bed.locked.base}/feeds/T-feeds.atom${news.search}`)).status).toBe(403);
    expect((await fetch(`${bed.locked.base}/api/feeds?workspace=T-feeds&tag=news`)).status).toBe(401);
    expect((await fetch(`${bed.locked.base}/feeds/T-feeds/news.rss${news.search}`)).status).toBe(400);
  });
});
