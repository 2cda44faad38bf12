// Serves the shared real-page corpus (../shared/corpus/pages) on 127.0.0.1 so captures and
// benchmarks can load pages nobody here wrote. Each page lives at /<name>/source.html.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type HTTPRequest, type Page } from 'puppeteer-core';
import { launchOptions, ProductChromium, TestChromiumArgs } from './chromium.js';

export const CorpusDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/corpus/pages');

/** What a careful reader extracts from a corpus page (expected-metadata.json). */
export interface CorpusExpected {
  title?: string | null;
  byline?: string | null;
  dir?: string | null;
  lang?: string | null;
  excerpt?: string | null;
  siteName?: string | null;
  publishedTime?: string | null;
  readerable?: boolean;
}

export interface CorpusServer {
  /** Absolute URL of one page's source.html. */
  url(name: string): string;
  /** Every page name, sorted. */
  names: string[];
  expected(name: string): CorpusExpected;
  origin: string;
  close(): Promise<void>;
}

export function listCorpusPages(dir = CorpusDir): string[] {
  return readdirSync(dir)
    .filter((name) => {
      const full = path.join(dir, name);
      return statSync(full).isDirectory() && safeStat(path.join(full, 'source.html'));
    })
    .sort();
}

function safeStat(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

const Mime: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json',
  '.css': 'text/css',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
};

export async function startCorpusServer(dir = CorpusDir): Promise<CorpusServer> {
  const names = listCorpusPages(dir);
  const expectedCache = new Map<string, CorpusExpected>();
  const server = http.createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    const file = path.resolve(dir, `.${pathname}`);
    // Never serve outside the corpus folder, whatever the path says.
    if (!file.startsWith(dir + path.sep)) {
      res.writeHead(403).end('forbidden');
      return;
    }
    readFile(file).then(
      (body) => {
        res.writeHead(200, { 'content-type': Mime[path.extname(file)] ?? 'application/octet-stream' });
        res.end(body);
      },
      () => res.writeHead(404, { 'content-type': 'text/plain' }).end('not found'),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    names,
    origin,
    url: (name) => `${origin}/${encodeURIComponent(name)}/source.html`,
    expected(name) {
      let value = expectedCache.get(name);
      if (!value) {
        value = JSON.parse(readFileSync(path.join(dir, name, 'expected-metadata.json'), 'utf8')) as CorpusExpected;
        expectedCache.set(name, value);
      }
      return value;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

// ---- Chromium for tests: one real browser, nothing leaves the machine ----


export function launchTestBrowser(): Promise<Browser> {
  return puppeteer.launch(launchOptions(ProductChromium, TestChromiumArgs));
}

export function isLoopbackUrl(url: string): boolean {
  if (url.startsWith('data:') || url.startsWith('blob:') || url === 'about:blank' || url.startsWith('about:')) return true;
  try {
    const { protocol, hostname } = new URL(url);
    return (protocol === 'http:' || protocol === 'https:' || protocol === 'ws:') && /^127\.\d+\.\d+\.\d+$/.test(hostname);
  } catch {
    return false;
  }
}

/**
 * Aborts every request that is not for 127.x (or data:/blob:), and records all of them, so a test
 * can both stay offline and prove what a page tried to fetch.
 */
export async function blockRemoteRequests(page: Page): Promise<{ requested: string[]; blocked: string[] }> {
  const log = { requested: [] as string[], blocked: [] as string[] };
  await page.setRequestInterception(true);
  page.on('request', (request: HTTPRequest) => {
    const url = request.url();
    log.requested.push(url);
    if (isLoopbackUrl(url)) void request.continue().catch(() => undefined);
    else {
      log.blocked.push(url);
      void request.abort('blockedbyclient').catch(() => undefined);
    }
  });
  return log;
}

/** Runs `task` over `items` with at most `limit` at a time; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]);
    }
  });
  await Promise.all(workers);
  return results;
}
