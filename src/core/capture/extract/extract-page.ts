// Reads metadata, readable text (Mozilla Readability) and visible text out of a rendered page.
// Everything runs in an isolated world of the page's main frame, built over CDP, so the page's
// own scripts can neither see nor tamper with the extraction.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'puppeteer-core';
import type { Logger } from '../../logger.js';
import type { PageMetadata } from '../../types.js';
import { InPageExtractScript } from './in-page-script.js';

export interface ExtractedPage {
  metadata: PageMetadata;
  readableText: string | null;
  visibleText: string;
}

export interface ExtractOptions {
  maxTextChars?: number;
  /** Told when extraction fell back to less than the full result, and why. */
  logger?: Logger;
}

export const DefaultExtractOptions = {
  maxTextChars: 2_000_000,
  /** Readability gives up (and we fall back to visible text) on DOMs with more elements than this. */
  maxReadabilityElements: 60_000,
  /** Bound on the in-page evaluation so a pathological page cannot stall a capture. */
  evaluateTimeoutMs: 20_000,
} as const;

let readabilitySource: string | null = null;

/** Readability.js as shipped, read once; it defines `function Readability` at top level. */
function readabilityScript(): string {
  if (readabilitySource === null) {
    const require = createRequire(import.meta.url);
    readabilitySource = readFileSync(require.resolve('@mozilla/readability/Readability.js'), 'utf8');
  }
  return readabilitySource;
}

interface InPageResult {
  /** Our own metadata pass, whose fields are exactly the snapshot's page metadata. */
  meta: PageMetadata;
  readability: {
    title: string | null;
    byline: string | null;
    excerpt: string | null;
    siteName: string | null;
    publishedTime: string | null;
    lang: string | null;
    dir: string | null;
  } | null;
  readableText: string | null;
  visibleText: string;
  errors: string[];
}

export const EmptyMetadata: PageMetadata = {
  title: null,
  description: null,
  siteName: null,
  author: null,
  publishedTime: null,
  lang: null,
  dir: null,
  favicon: null,
  canonicalUrl: null,
};

export async function extractPage(page: Page, opts: ExtractOptions = {}): Promise<ExtractedPage> {
  const maxTextChars = opts.maxTextChars ?? DefaultExtractOptions.maxTextChars;
  const expression = buildExpression(maxTextChars);
  let result: InPageResult | null = null;
  try {
    result = await evaluateIsolated(page, expression);
  } catch (error) {
    // A closed page or a dead browser is the caller's failure to report, not a weird page.
    if (page.isClosed() || !page.browser().connected) throw error;
    opts.logger?.({ level: 'warn', context: 'capture', message: 'Extraction failed; keeping visible text only', details: { url: page.url(), error: String(error) } });
    result = null;
  }
  if (result?.errors.length) {
    opts.logger?.({ level: 'debug', context: 'capture', message: 'Parts of extraction failed', details: { url: page.url(), errors: result.errors } });
  }
  if (!result) return { metadata: { ...EmptyMetadata }, readableText: null, visibleText: await visibleTextFallback(page, maxTextChars) };
  return {
    metadata: mergeMetadata(result),
    readableText: result.readableText && result.readableText.trim() ? result.readableText : null,
    visibleText: result.visibleText ?? '',
  };
}

function buildExpression(maxTextChars: number): string {
  const opts = JSON.stringify({ maxTextChars, maxElems: DefaultExtractOptions.maxReadabilityElements });
  // Readability.js ends with `if (typeof module === "object") module.exports = …`; shadow `module`.
  return `(() => { const __opts = ${opts}; const Readability = (() => { let module; try { ${readabilityScript()}\n; return Readability; } catch (e) { return null; } })();\nreturn (${InPageExtractScript}); })()`;
}

async function evaluateIsolated(page: Page, expression: string): Promise<InPageResult> {
  const session = await page.createCDPSession();
  try {
    const { frameTree } = await session.send('Page.getFrameTree');
    const { executionContextId } = await session.send('Page.createIsolatedWorld', {
      frameId: frameTree.frame.id,
      worldName: 'linksnap-extract',
    });
    const { result, exceptionDetails } = await session.send('Runtime.evaluate', {
      expression,
      contextId: executionContextId,
      returnByValue: true,
      timeout: DefaultExtractOptions.evaluateTimeoutMs,
    });
    if (exceptionDetails) throw new Error(exceptionDetails.exception?.description ?? exceptionDetails.text);
    if (!result || typeof result.value !== 'object' || result.value === null) throw new Error(`extraction returned ${result?.type ?? 'nothing'}`);
    return result.value as InPageResult;
  } finally {
    await session.detach().catch(() => undefined);
  }
}

/** When the full extraction failed (odd document type, timeout), at least keep what the page shows. */
async function visibleTextFallback(page: Page, maxTextChars: number): Promise<string> {
  try {
    const text = await page.evaluate(
      (max: number) => String((document.body ?? document.documentElement)?.textContent ?? '').slice(0, max),
      maxTextChars,
    );
    return text.replace(/\s+/g, ' ').trim();
  } catch {
    return '';
  }
}

function mergeMetadata({ meta, readability: r }: InPageResult): PageMetadata {
  // Readability's title and byline come from cleaning the document title and the article body,
  // which beats raw og:title on most sites; our own pass fills what it leaves empty.
  return {
    title: r?.title || meta.title || null,
    description: r?.excerpt || meta.description || null,
    siteName: r?.siteName || meta.siteName || null,
    author: r?.byline || meta.author || null,
    publishedTime: normaliseTime(r?.publishedTime || meta.publishedTime),
    lang: normaliseLang(meta.lang || r?.lang || null),
    dir: meta.dir ?? (r?.dir === 'rtl' || r?.dir === 'ltr' ? r.dir : null),
    favicon: meta.favicon,
    canonicalUrl: meta.canonicalUrl,
  };
}

function normaliseTime(value: string | null | undefined): string | null {
  if (!value) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? value : new Date(ms).toISOString();
}

/** BCP 47 shape (`en-US`, `zh-Hant-TW`), or null for values that are not a language tag. */
function normaliseLang(value: string | null): string | null {
  if (!value) return null;
  const tag = value.trim().replace(/_/g, '-');
  if (!/^[a-z]{2,3}(-[a-z0-9]{1,8})*$/i.test(tag)) return null;
  return tag;
}
