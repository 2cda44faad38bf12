// extractPage on fixture pages in a real Chromium: metadata from every source a page offers, and
// graceful results on pages that are odd (frameset, SVG document, huge DOM, hostile scripts).
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractPage, type ExtractedPage } from '../src/core/capture/extract/extract-page.js';
import { blockRemoteRequests, launchTestBrowser } from './helpers/corpus.js';

const Dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/extract/pages');

function hugePage(): string {
  const rows = Array.from({ length: 25_000 }, (_, i) => `<div class="row"><span>cell ${i}</span><b>x</b></div>`).join('');
  return `<!DOCTYPE html><html lang="de"><head><title>Huge table</title></head><body>${rows}</body></html>`;
}

describe('extractPage', () => {
  let browser: Browser;
  let server: http.Server;
  let origin: string;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const pathname = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      if (pathname === '/huge') return void res.writeHead(200, { 'content-type': 'text/html' }).end(hugePage());
      const file = path.join(Dir, path.basename(pathname));
      const type = file.endsWith('.svg') ? 'image/svg+xml' : 'text/html; charset=utf-8';
      readFile(file).then((body) => res.writeHead(200, { 'content-type': type }).end(body), () => res.writeHead(404).end());
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

  async function extract(pathname: string, opts?: { maxTextChars?: number }): Promise<ExtractedPage> {
    const context = await browser.createBrowserContext();
    try {
      const page = await context.newPage();
      await blockRemoteRequests(page);
      await page.goto(`${origin}${pathname}`, { waitUntil: 'load' });
      const result = await extractPage(page, opts);
      // Extraction must leave the live page as it was: no injected globals, no changed DOM.
      expect(await page.evaluate(() => typeof (window as unknown as { Readability?: unknown }).Readability)).toBe('undefined');
      return result;
    } finally {
      await context.close();
    }
  }

  it('reads metadata from Readability, meta tags and JSON-LD, with absolute favicon and canonical URLs', async () => {
    const { metadata, readableText, visibleText } = await extract('/pages/metadata.html');
    expect(metadata).toEqual({
      title: 'Le titre JSON-LD', // Readability ranks JSON-LD above og:title
      description: 'Une description courte de la page.',
      siteName: 'Journal Exemple',
      author: 'Marie Curie',
      publishedTime: '2024-03-05T07:30:00.000Z',
      lang: 'fr-CA',
      dir: 'ltr',
      favicon: `${origin}/static/favicon.png`,
      canonicalUrl: `${origin}/articles/le-titre?ref=canon`,
    });
    expect(readableText).toMatch(/Premier paragraphe[^\n]+\n\nDeuxième paragraphe/);
    expect(visibleText).toContain('Troisième paragraphe');
    expect(visibleText).not.toContain('Texte caché');
  });

  it('reports right-to-left pages and their language', async () => {
    const { metadata, readableText } = await extract('/pages/rtl.html');
    expect(metadata.dir).toBe('rtl');
    expect(metadata.lang).toBe('ar');
    expect(metadata.title).toBe('مقالة تجريبية');
    expect(readableText).toContain('فقرة طويلة');
  });

  it('takes visible text from the frames of a frameset', async () => {
    const { metadata, visibleText } = await extract('/pages/frameset.html');
    expect(metadata.title).toBe('Old frameset site');
    expect(visibleText).toContain('Right content frame with the real text');
    expect(visibleText).toContain('Left menu frame');
  });

  it('works although the page broke Array, JSON and querySelectorAll', async () => {
    const { metadata, readableText } = await extract('/pages/hostile.html');
    expect(metadata.title).toBe('Hostile globals');
    expect(metadata.lang).toBe('en');
    expect(readableText).toContain('extraction runs in its own world');
  });

  it('does not throw on a document without <body> (SVG)', async () => {
    const result = await extract('/pages/no-body.svg');
    expect(result.readableText).toBeNull();
    expect(result.visibleText).toContain('Text in an SVG');
  });

  it('falls back to visible text on a DOM too large for Readability, and caps text length', async () => {
    const full = await extract('/huge');
    expect(full.readableText).toBeNull();
    expect(full.metadata.title).toBe('Huge table');
    expect(full.metadata.lang).toBe('de');
    expect(full.visibleText).toContain('cell 24999');
    const capped = await extract('/huge', { maxTextChars: 1000 });
    expect(capped.visibleText.length).toBeLessThanOrEqual(1000);
    expect(capped.visibleText).toContain('cell 0');
  });
});
