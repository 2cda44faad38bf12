// Quality signals on small pages rendered by a real Chromium: walls are marked degraded with a
// stable reason, articles that merely talk about walls are not.
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractPage } from '../src/core/capture/extract/extract-page.js';
import { assessQuality, DegradedReason } from '../src/core/capture/extract/quality.js';
import { blockRemoteRequests, launchTestBrowser } from './helpers/corpus.js';

const Dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/extract/quality');
const Status: Record<string, number> = { 'cloudflare.html': 403, 'not-found.html': 404 };

describe('assessQuality on rendered pages', () => {
  let browser: Browser;
  let server: http.Server;
  let origin: string;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const pathname = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      if (pathname === '/members/42') return void res.writeHead(302, { location: '/accounts/login?next=%2Fmembers%2F42' }).end();
      const file = pathname === '/accounts/login' ? 'login.html' : path.basename(pathname);
      readFile(path.join(Dir, file)).then(
        (body) => res.writeHead(Status[file] ?? 200, { 'content-type': 'text/html; charset=utf-8' }).end(body),
        () => res.writeHead(404).end(),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchTestBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  async function verdict(pathname: string) {
    const context = await browser.createBrowserContext();
    try {
      const page = await context.newPage();
      await blockRemoteRequests(page);
      const url = `${origin}${pathname}`;
      const response = await page.goto(url, { waitUntil: 'load' });
      const { metadata, visibleText, readableText } = await extractPage(page);
      return assessQuality({ httpStatus: response?.status() ?? null, title: metadata.title, visibleText, readableText, url, finalUrl: page.url() });
    } finally {
      await context.close();
    }
  }

  it.each([
    ['/cloudflare.html', DegradedReason.BotCheck],
    ['/hcaptcha.html', DegradedReason.BotCheck],
    ['/zh-captcha.html', DegradedReason.BotCheck],
    ['/login.html', DegradedReason.LoginWall],
    ['/zh-login.html', DegradedReason.LoginWall],
    ['/members/42', DegradedReason.LoginWall],
    ['/not-found.html', 'error page (HTTP 404)'],
    ['/soft-404.html', DegradedReason.ErrorPage],
    ['/zh-404.html', DegradedReason.ErrorPage],
    ['/empty.html', DegradedReason.AlmostEmpty],
  ])('marks %s as %s', async (pathname, reason) => {
    expect(await verdict(pathname)).toEqual({ degraded: true, reason });
  });

  it.each(['/article.html', '/zh-article.html'])('keeps %s, an article that only talks about walls', async (pathname) => {
    expect(await verdict(pathname)).toEqual({ degraded: false, reason: null });
  });
});

describe('assessQuality on its inputs alone', () => {
  const base = { url: 'https://example.test/a', finalUrl: 'https://example.test/a', title: 'A title', readableText: null };
  const long = 'A paragraph of real article text that goes on for a while. '.repeat(40);

  it('names the HTTP status of an error page, even with a long body', () => {
    expect(assessQuality({ ...base, httpStatus: 500, visibleText: long })).toEqual({ degraded: true, reason: 'error page (HTTP 500)' });
    expect(assessQuality({ ...base, httpStatus: 401, visibleText: 'Authorization required' })).toEqual({ degraded: true, reason: 'login wall' });
  });

  it('uses readable text when visible text is missing', () => {
    expect(assessQuality({ ...base, httpStatus: 200, visibleText: '', readableText: long }).degraded).toBe(false);
    expect(assessQuality({ ...base, httpStatus: null, visibleText: '   \n ', readableText: null })).toEqual({ degraded: true, reason: 'almost empty page' });
  });

  it('counts CJK text by meaning, not by characters', () => {
    // Forty Chinese characters are a real (short) page; forty Latin letters are not.
    const zh = '这是一篇很短但是完整的中文文章，讲述了一个简单的故事，结尾也很完整。故事到此结束了。';
    expect(assessQuality({ ...base, httpStatus: 200, visibleText: zh }).degraded).toBe(false);
    expect(assessQuality({ ...base, httpStatus: 200, visibleText: 'Loading… please wait' })).toEqual({ degraded: true, reason: 'almost empty page' });
  });
});
