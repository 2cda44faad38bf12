// Extraction and quality signals over the 130 real pages of the shared corpus, in one real
// Chromium, with every request to anything but 127.x aborted before it leaves the machine.
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractPage, type ExtractedPage } from '../src/core/capture/extract/extract-page.js';
import { assessQuality } from '../src/core/capture/extract/quality.js';
import { blockRemoteRequests, launchTestBrowser, mapLimit, startCorpusServer, type CorpusServer } from './helpers/corpus.js';

interface PageOutcome {
  name: string;
  url: string;
  httpStatus: number | null;
  extracted: ExtractedPage | null;
  error: string | null;
  extractMs: number;
  leaked: string[];
}

const norm = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();
const primary = (lang: string | null | undefined) => (lang ?? '').toLowerCase().split('-')[0];

describe('extraction over the real-page corpus', () => {
  let corpus: CorpusServer;
  let browser: Browser;
  let outcomes: PageOutcome[] = [];

  beforeAll(async () => {
    corpus = await startCorpusServer();
    browser = await launchTestBrowser();
    outcomes = await mapLimit(corpus.names, 3, async (name): Promise<PageOutcome> => {
      const context = await browser.createBrowserContext();
      const page = await context.newPage();
      const url = corpus.url(name);
      const requests = await blockRemoteRequests(page);
      // Some pages call alert(); an open dialog would hold `load` back forever.
      page.on('dialog', (dialog) => void dialog.dismiss().catch(() => undefined));
      try {
        const response = await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
        const started = performance.now();
        const extracted = await extractPage(page);
        const extractMs = performance.now() - started;
        const leaked = requests.requested.filter((r) => !requests.blocked.includes(r) && !r.startsWith('http://127.') && !r.startsWith('data:'));
        return { name, url, httpStatus: response?.status() ?? null, extracted, error: null, extractMs, leaked };
      } catch (error) {
        return { name, url, httpStatus: null, extracted: null, error: String(error), extractMs: 0, leaked: [] };
      } finally {
        await context.close();
      }
    });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await corpus?.close();
  });

  it('extracts every page without failing and sends nothing off the machine', () => {
    expect(outcomes).toHaveLength(corpus.names.length);
    expect(corpus.names.length).toBeGreaterThanOrEqual(130);
    expect(outcomes.filter((o) => o.error).map((o) => `${o.name}: ${o.error}`)).toEqual([]);
    expect(outcomes.flatMap((o) => o.leaked)).toEqual([]);
  });

  it('finds the expected title on nearly every page', () => {
    const checked: string[] = [];
    const misses: string[] = [];
    for (const o of outcomes) {
      const want = corpus.expected(o.name).title;
      if (want == null || norm(want) === '') continue;
      checked.push(o.name);
      const got = o.extracted?.metadata.title;
      if (norm(got) !== norm(want)) misses.push(`${o.name}: got ${JSON.stringify(norm(got))}, want ${JSON.stringify(norm(want))}`);
    }
    const rate = (checked.length - misses.length) / checked.length;
    console.log(`title match: ${checked.length - misses.length}/${checked.length} (${(rate * 100).toFixed(1)}%)\n  ${misses.join('\n  ')}`);
    expect(rate).toBeGreaterThanOrEqual(0.95);
  });

  it('finds the expected language on nearly every page', () => {
    const checked: string[] = [];
    const misses: string[] = [];
    for (const o of outcomes) {
      const want = corpus.expected(o.name).lang;
      if (want == null || want === '') continue;
      checked.push(o.name);
      const got = o.extracted?.metadata.lang;
      if (primary(got) !== primary(want)) misses.push(`${o.name}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    }
    const rate = (checked.length - misses.length) / checked.length;
    console.log(`lang match: ${checked.length - misses.length}/${checked.length} (${(rate * 100).toFixed(1)}%)\n  ${misses.join('\n  ')}`);
    expect(checked.length).toBeGreaterThan(50);
    expect(rate).toBeGreaterThanOrEqual(0.95);
  });

  it('gets readable text for readerable pages and visible text for all', () => {
    const readerable = outcomes.filter((o) => corpus.expected(o.name).readerable);
    const withText = readerable.filter((o) => (o.extracted?.readableText ?? '').length > 200);
    console.log(`readable text on ${withText.length}/${readerable.length} readerable pages`);
    expect(withText.length / readerable.length).toBeGreaterThanOrEqual(0.9);
    const noVisible = outcomes.filter((o) => !o.extracted?.visibleText.trim()).map((o) => o.name);
    console.log(`pages without visible text: ${noVisible.join(', ') || 'none'}`);
    expect(noVisible.length).toBeLessThanOrEqual(3);
  });

  it('does not mark normal corpus articles as degraded', () => {
    const verdicts = outcomes.map((o) => ({
      o,
      readerable: corpus.expected(o.name).readerable === true,
      q: assessQuality({
        httpStatus: o.httpStatus,
        title: o.extracted?.metadata.title ?? null,
        visibleText: o.extracted?.visibleText ?? '',
        readableText: o.extracted?.readableText ?? null,
        url: o.url,
        finalUrl: o.url,
      }),
    }));
    const flagged = verdicts.filter(({ q }) => q.degraded);
    console.log(`degraded: ${flagged.length}/${outcomes.length}\n  ${flagged.map(({ o, q, readerable }) => `${o.name}${readerable ? '' : ' (not readerable)'}: ${q.reason}`).join('\n  ')}`);
    // Articles are never walls; the few synthetic non-article pages ("abc def ghi") may only be "almost empty".
    expect(flagged.filter(({ readerable }) => readerable).map(({ o }) => o.name)).toEqual([]);
    expect(flagged.filter(({ q }) => q.reason !== 'almost empty page').map(({ o }) => o.name)).toEqual([]);
  });

  it('reports extraction time per page', () => {
    const times = outcomes.filter((o) => !o.error).map((o) => o.extractMs).sort((a, b) => a - b);
    const at = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
    const slowest = [...outcomes].sort((a, b) => b.extractMs - a.extractMs).slice(0, 3);
    console.log(
      `extractPage over ${times.length} pages (3 concurrent): p50 ${at(0.5).toFixed(0)} ms, p95 ${at(0.95).toFixed(0)} ms, max ${at(1).toFixed(0)} ms; slowest ${slowest.map((o) => `${o.name} ${o.extractMs.toFixed(0)} ms`).join(', ')}`,
    );
    expect(times.length).toBe(outcomes.length);
  });
});
