// The single-file archive, end to end: a real Chromium renders a fixture page, Page.captureSnapshot
// gives MHTML, mhtmlToHtml makes one HTML file, and a fresh Chromium opens that file while every
// request it makes is recorded and refused. Nothing may be requested; text and images must show.
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, HTTPRequest, Page } from 'puppeteer-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mhtmlToHtml } from '../src/core/capture/archive/mhtml-to-html.js';
import { TooLargeError } from '../src/core/errors.js';
import { blockRemoteRequests, launchTestBrowser, startCorpusServer } from './helpers/corpus.js';

const FixtureDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/extract/archive');
const FontFile = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';

interface Served {
  origin: string;
  hits: string[];
  close(): Promise<void>;
}

async function serve(handler: (pathname: string) => Promise<{ type: string; body: Buffer | string } | null>): Promise<Served> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    hits.push(pathname);
    handler(pathname).then(
      (found) => (found ? res.writeHead(200, { 'content-type': found.type }).end(found.body) : res.writeHead(404).end()),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** Distinct solid-colour PNGs, so a test can tell which image ended up where. */
const Colours: Record<string, [number, number, number]> = {
  a: [200, 0, 0], a2: [0, 200, 0], b: [0, 0, 200], c: [200, 200, 0], d: [0, 200, 200], e: [200, 0, 200], f: [90, 90, 90], g: [250, 120, 0], icon: [1, 2, 3], preloaded: [9, 9, 9],
};
async function png(name: string): Promise<Buffer> {
  const [r, g, b] = Colours[name] ?? [0, 0, 0];
  return sharp({ create: { width: 16, height: 16, channels: 3, background: { r, g, b } } }).png().toBuffer();
}

function fixtureHandler(pathname: string) {
  const img = /^\/img\/([\w-]+)\.png$/.exec(pathname);
  if (img) return png(img[1]).then((body) => ({ type: 'image/png', body }));
  if (pathname === '/fonts/fixture.ttf') return readFile(FontFile).then((body) => ({ type: 'font/ttf', body }));
  const file = path.join(FixtureDir, pathname === '/' ? 'index.html' : pathname);
  if (!file.startsWith(FixtureDir)) return Promise.resolve(null);
  const type = file.endsWith('.css') ? 'text/css' : file.endsWith('.js') ? 'text/javascript' : 'text/html; charset=utf-8';
  return readFile(file).then((body) => ({ type, body }), () => null);
}

async function captureMhtml(browser: Browser, url: string): Promise<string> {
  const context = await browser.createBrowserContext();
  try {
    const page = await context.newPage();
    await blockRemoteRequests(page);
    page.on('dialog', (dialog) => void dialog.dismiss().catch(() => undefined));
    await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
    await page.evaluate(() => document.fonts.ready.then(() => undefined));
    const session = await page.createCDPSession();
    const { data } = await session.send('Page.captureSnapshot', { format: 'mhtml' });
    return data;
  } finally {
    await context.close();
  }
}

/** Opens an archive with every request except the archive document itself recorded and refused. */
async function openOffline(browser: Browser, html: string): Promise<{ page: Page; requests: string[]; close(): Promise<void> }> {
  const server = await serve(async (p) => (p === '/archive.html' ? { type: 'text/html; charset=utf-8', body: html } : null));
  const archiveUrl = `${server.origin}/archive.html`;
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  const requests: string[] = [];
  await page.setRequestInterception(true);
  page.on('request', (request: HTTPRequest) => {
    const url = request.url();
    if (url === archiveUrl) return void request.continue().catch(() => undefined);
    if (!url.startsWith('data:')) requests.push(url);
    void request.abort('blockedbyclient').catch(() => undefined);
  });
  page.on('dialog', (dialog) => {
    requests.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss().catch(() => undefined);
  });
  await page.goto(archiveUrl, { waitUntil: 'load', timeout: 30_000 });
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  return {
    page,
    requests,
    close: async () => {
      await context.close();
      await server.close();
    },
  };
}

describe('mhtmlToHtml on a captured fixture page', () => {
  let browser: Browser;
  let fixture: Served;
  let mhtml: string;
  let archive: string;
  let origin: string;

  beforeAll(async () => {
    browser = await launchTestBrowser();
    fixture = await serve(fixtureHandler);
    origin = fixture.origin;
    mhtml = await captureMhtml(browser, `${origin}/`);
    archive = mhtmlToHtml(mhtml, { maxBytes: 20 * 1024 * 1024 });
    // The original server is gone: anything the archive still points at could only fail.
    await fixture.close();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('keeps no script, handler, <base>, refresh or fetching <link>', () => {
    expect(archive).not.toMatch(/<script/i);
    expect(archive).not.toMatch(/\son[a-z]+=/i);
    expect(archive).not.toMatch(/javascript:/i);
    expect(archive).not.toMatch(/<base[\s>]/i);
    expect(archive).not.toMatch(/http-equiv="?refresh/i);
    expect(archive).not.toMatch(/rel="?(preload|manifest|stylesheet)/i);
    expect(archive).not.toContain(`${origin}/img/`);
    expect(archive).not.toContain('10.255.255.1');
    expect(archive.slice(0, 400)).toMatch(/^<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">.*<!-- Archived by linksnap from http:\/\/127\.0\.0\.1:\d+\/ on \d{4}-/);
  });

  it('renders text and every image offline with zero network requests', async () => {
    const view = await openOffline(browser, archive);
    try {
      const state = await view.page.evaluate(async () => {
        const imageOk = (src: string) =>
          new Promise<number>((resolve) => {
            const img = new Image();
            img.onload = () => resolve(img.naturalWidth);
            img.onerror = () => resolve(0);
            img.src = src;
          });
        const bgUrl = (id: string) => /url\("?(.*?)"?\)/.exec(getComputedStyle(document.getElementById(id)!).backgroundImage)?.[1] ?? '';
        const bgs: Record<string, number> = {};
        for (const id of ['css-bg', 'imported-bg', 'inline-bg', 'style-attr-bg']) bgs[id] = bgUrl(id).startsWith('data:image/png') ? await imageOk(bgUrl(id)) : -1;
        const img = (id: string) => document.getElementById(id) as HTMLImageElement;
        const frame = document.getElementById('frame') as HTMLIFrameElement;
        const frameDoc = frame.contentDocument;
        const frameImg = frameDoc?.getElementById('frame-img') as HTMLImageElement | null;
        return {
          text: document.body.innerText,
          title: document.title,
          srcsetImg: img('srcset-img').complete ? img('srcset-img').naturalWidth : 0,
          pictureImg: img('picture-img').naturalWidth,
          pictureSrc: img('picture-img').currentSrc.slice(0, 15),
          remoteImg: img('remote-img').getAttribute('src'),
          bgs,
          frameText: frameDoc?.body.innerText ?? null,
          frameImg: frameImg?.naturalWidth ?? 0,
          scripts: document.querySelectorAll('script').length + (frameDoc?.querySelectorAll('script').length ?? 0),
          ranScripts: [typeof (window as any).__ranInArchive, typeof (window as any).__appJsRan, typeof (window as any).__onloadRan],
          relLink: (document.getElementById('rel-link') as HTMLAnchorElement).getAttribute('href'),
          fragLink: (document.getElementById('frag-link') as HTMLAnchorElement).getAttribute('href'),
        };
      });
      expect(view.requests).toEqual([]);
      expect(state.title).toBe('Archive fixture');
      expect(state.text).toContain('Archived heading in a web font');
      expect(state.text).toContain('中文 and emoji ✅');
      expect(state.text).toContain('Paragraph added by a script before capture');
      expect(state.srcsetImg).toBe(16);
      expect(state.pictureImg).toBe(16);
      expect(state.pictureSrc).toBe('data:image/png;');
      expect(state.remoteImg).toBe('data:,');
      expect(state.bgs).toEqual({ 'css-bg': 16, 'imported-bg': 16, 'inline-bg': 16, 'style-attr-bg': 16 });
      expect(state.frameText).toContain('Text inside the frame');
      expect(state.frameImg).toBe(16);
      expect(state.scripts).toBe(0);
      expect(state.ranScripts).toEqual(['undefined', 'undefined', 'undefined']);
      expect(state.relLink).toBe(`${origin}/elsewhere/page.html?x=1`);
      expect(state.fragLink).toMatch(/#top$/);
    } finally {
      await view.close();
    }
  });

  it('refuses to grow past maxBytes', () => {
    expect(() => mhtmlToHtml(mhtml, { maxBytes: 2_000 })).toThrow(TooLargeError);
    try {
      mhtmlToHtml(mhtml, { maxBytes: 2_000 });
    } catch (error) {
      expect((error as TooLargeError).code).toBe('too_large');
      expect((error as Error).message).toMatch(/archive is larger than the limit of 2 KiB/);
    }
  });
});

describe('mhtmlToHtml on hand-written MHTML', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchTestBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  const fontBase64 = () => readFile(FontFile).then((b) => b.toString('base64').replace(/.{76}/g, '$&\r\n'));
  const qp = (text: string) =>
    Buffer.from(text, 'utf8')
      .toString('latin1')
      .replace(/[=\u0080-\u00ff]/g, (c) => `=${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)
      .replace(/.{70}/g, '$&=\r\n');

  async function handWritten(): Promise<string> {
    const b = 'BOUNDARY-x';
    const part = (headers: string, body: string) => `--${b}\r\n${headers}\r\n\r\n${body}\r\n`;
    const pngBase64 = (await png('b')).toString('base64');
    return [
      `From: <Saved by Blink>\r\nSnapshot-Content-Location: https://example.test/docs/page.html\r\nSubject: t\r\nDate: Tue, 24 Nov 2026 10:00:00 GMT\r\nMIME-Version: 1.0\r\nContent-Type: multipart/related;\r\n\ttype="text/html";\r\n\tboundary="${b}"\r\n\r\n\r\n`,
      part(
        'Content-Type: text/html\r\nContent-ID: <frame-main@mhtml.blink>\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Location: https://example.test/docs/page.html',
        qp(`<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8"><title>Hand — 手写</title>
<meta http-equiv="refresh" content="0;url=https://evil.test/"><base href="https://example.test/docs/">
<link rel="stylesheet" href="cid:css-1@mhtml.blink"><link rel="stylesheet" href="https://cdn.example.test/missing.css">
<link rel="dns-prefetch" href="https://tracker.test/"></head>
<body><p class="f" id="p">Fonts and 中文 text</p><img id="i" src="pic.png#frag" srcset="pic.png 1x, https://cdn.example.test/big.png 2x">
<video id="v" src="https://cdn.example.test/v.mp4" poster="pic.png"></video>
<svg width="10" height="10"><use id="u" href="#local"></use><a href="javascript:alert(1)"><text>x</text></a><script>alert(3)</script></svg>
<iframe id="fr" src="cid:frame-inner@mhtml.blink"></iframe><iframe id="gone" src="https://ads.test/frame"></iframe>
<a id="l" href="../other.html" onmouseover="alert(4)">other</a><form action="/submit"><input type="image" src="https://cdn.example.test/btn.png"></form>
<template><img src="https://cdn.example.test/tpl.png"></template>
</body></html>`),
      ),
      part(
        'Content-Type: text/css\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Location: cid:css-1@mhtml.blink',
        qp(`@import "imp.css"; @import url(https://cdn.example.test/nope.css);
@font-face { font-family: HandFont; src: url(fonts/hand.ttf) format("truetype"), url("https://cdn.example.test/f.woff2") format("woff2"); }
.f { font-family: HandFont; background: image-set("pic.png" 1x, "https://cdn.example.test/x.png" 2x); }
p::after { content: "</style><script>alert(5)</script>"; }`),
      ),
      part('Content-Type: text/css\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Location: https://example.test/docs/imp.css', qp(`body { background-image: url('pic.png'); }`)),
      part('Content-Type: font/ttf\r\nContent-Transfer-Encoding: base64\r\nContent-Location: https://example.test/docs/fonts/hand.ttf', await fontBase64()),
      part('Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\nContent-Location: https://example.test/docs/pic.png', pngBase64),
      part(
        'Content-Type: text/html\r\nContent-ID: <frame-inner@mhtml.blink>\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Location: https://frames.example.test/inner.html',
        qp(`<html><body><p>Inner frame</p><img id="fi" src="https://example.test/docs/pic.png"><a href="/x">x</a><iframe src="cid:frame-inner@mhtml.blink"></iframe></body></html>`),
      ),
      `--${b}--\r\n`,
    ].join('');
  }

  it('inlines fonts, imports, images and frames, neutralises the rest, opens offline', async () => {
    const out = mhtmlToHtml(await handWritten(), { maxBytes: 5 * 1024 * 1024 });
    const forbidden = /javascript:|onmouseover|http-equiv|<base|dns-prefetch|cdn\.example\.test|evil\.test|ads\.test|tracker\.test/gi;
    expect(out.match(forbidden) ?? []).toEqual([]);
    expect(out).toContain('<title>Hand — 手写</title>');
    expect(out).toContain('href="https://example.test/other.html"');
    expect(out).toContain('action="https://example.test/submit"');
    expect(out).toContain('<\\/style>'); // the CSS string cannot close the <style> element
    const view = await openOffline(browser, out);
    try {
      const state = await view.page.evaluate(() => {
        const img = document.getElementById('i') as HTMLImageElement;
        const frame = (document.getElementById('fr') as HTMLIFrameElement).contentDocument;
        return {
          font: [...document.fonts].filter((f) => f.family.replace(/"/g, '') === 'HandFont').map((f) => f.status),
          text: document.body.innerText,
          img: img.naturalWidth,
          srcset: img.getAttribute('srcset'),
          bodyBg: getComputedStyle(document.body).backgroundImage.slice(0, 26),
          poster: (document.getElementById('v') as HTMLVideoElement).getAttribute('poster')?.slice(0, 15),
          videoSrc: (document.getElementById('v') as HTMLVideoElement).getAttribute('src'),
          use: document.getElementById('u')?.getAttribute('href'),
          frameText: frame?.body.innerText,
          frameImg: (frame?.getElementById('fi') as HTMLImageElement | null)?.naturalWidth,
          frameLink: frame?.querySelector('a')?.getAttribute('href'),
          nestedSelf: frame?.querySelector('iframe')?.getAttribute('src'),
          gone: document.getElementById('gone')?.getAttribute('src'),
          scripts: document.querySelectorAll('script').length + (frame?.querySelectorAll('script').length ?? 0),
          styleCount: document.querySelectorAll('style').length,
          afterContent: getComputedStyle(document.getElementById('p')!, '::after').content,
        };
      });
      expect(view.requests).toEqual([]);
      expect(state.font).toEqual(['loaded']);
      expect(state.text).toContain('Fonts and 中文 text');
      expect(state.img).toBe(16);
      expect(state.srcset).toMatch(/^data:image\/png;base64,\S+ 1x$/);
      expect(state.bodyBg).toBe('url("data:image/png;base64');
      expect(state.poster).toBe('data:image/png;');
      expect(state.videoSrc).toBe('data:,');
      expect(state.use).toBe('#local');
      expect(state.frameText).toContain('Inner frame');
      expect(state.frameImg).toBe(16);
      expect(state.frameLink).toBe('https://frames.example.test/x');
      expect(state.nestedSelf).toBe('about:blank');
      expect(state.gone).toBe('about:blank');
      expect(state.scripts).toBe(0);
      // The CSS string that spells "</style><script>" stayed a string inside the one <style>.
      expect(state.styleCount).toBe(1);
      expect(state.afterContent).toBe('"</style><script>alert(5)</script>"');
    } finally {
      await view.close();
    }
  });

  it('names what is wrong with input that is not MHTML', () => {
    expect(() => mhtmlToHtml('<html>not mhtml</html>', { maxBytes: 1000 })).toThrow(/MHTML/);
  });
});

describe('mhtmlToHtml on big real pages', () => {
  let browser: Browser;
  let corpus: Awaited<ReturnType<typeof startCorpusServer>>;
  beforeAll(async () => {
    browser = await launchTestBrowser();
    corpus = await startCorpusServer();
  });
  afterAll(async () => {
    await browser?.close();
    await corpus?.close();
  });

  it('converts the largest corpus pages into archives that open with no request', async () => {
    const names = ['yahoo-2', 'yahoo-1', 'wikipedia-2', 'nytimes-3', 'qq', 'wapo-1', 'medium-1', 'lwn-1'].filter((n) => corpus.names.includes(n));
    const figures: string[] = [];
    for (const name of names) {
      const mhtml = await captureMhtml(browser, corpus.url(name));
      const started = performance.now();
      const out = mhtmlToHtml(mhtml, { maxBytes: 80 * 1024 * 1024 });
      const ms = performance.now() - started;
      figures.push(`${name}: MHTML ${(mhtml.length / 1024).toFixed(0)} KiB -> HTML ${(out.length / 1024).toFixed(0)} KiB in ${ms.toFixed(0)} ms`);
      const view = await openOffline(browser, out);
      try {
        expect(view.requests, name).toEqual([]);
        const text = await view.page.evaluate(() => document.body?.innerText.length ?? 0);
        expect(text, name).toBeGreaterThan(500);
      } finally {
        await view.close();
      }
    }
    console.log(`mhtmlToHtml:\n  ${figures.join('\n  ')}`);
    expect(figures.length).toBe(names.length);
  });
});
