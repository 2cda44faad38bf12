// The page as rendered, from the browser itself (CDP Page.captureSnapshot): DOM after scripts,
// with every sub-resource the page loaded, in one MHTML file.
//
// The MHTML is bounded before it is made. Page.captureSnapshot has no streaming form: the whole
// file comes back as one CDP message, which Node reads and JSON-parses on its main thread (about
// 3 ms per MB on a small machine), so a 300 MB page would stall every web request and chat ack of
// the process for a second or more, and past V8's string limit it would fail outright. So first a
// cheap lower bound of its weight is read from the page (text and element counts of the DOM, the
// sizes of the images and style sheets it loaded, from Resource Timing) and, when that alone is
// over the cap, the snapshot is never asked for. The exact byte count is still checked once the
// MHTML exists (the estimate cannot see cross-origin sizes, frames or attributes).
import type { Page } from 'puppeteer-core';
import { TooLargeError, formatBytes } from '../errors.js';
import { raceAbort } from './deadline.js';

export type MhtmlCapture =
  /** The MHTML as UTF-8 bytes, on a SharedArrayBuffer so the archive worker can read it without a copy. */
  | { kept: true; data: Buffer; estimatedBytes: number | null }
  /** Not kept; `before` says whether the snapshot was never made (skipped by the estimate). */
  | { kept: false; before: boolean; reason: string; estimatedBytes: number | null; bytes: number | null };

/** What the page says about its own weight; each figure is a lower bound of its share of the MHTML. */
export interface MhtmlEstimate {
  /** Lower bound of the MHTML's size in bytes. */
  bytes: number;
  /** Characters of text in the DOM outside <script>, <style> and <noscript> (stops counting once over the cap). */
  textChars: number;
  elements: number;
  /** Decoded bytes of the images, style sheets and fonts the page loaded (same-origin or Timing-Allow-Origin). */
  resourceBytes: number;
  /** The DOM walk stopped early because the total was already over the cap. */
  stoppedEarly: boolean;
}

/** Counters for tests and benchmarks: how often the snapshot was made, skipped or too large. */
export const mhtmlStats = { snapshots: 0, skippedByEstimate: 0, tooLargeAfter: 0, estimateFailed: 0 };

/** Bound on the in-page estimate (waiting for it included); past it the snapshot goes ahead unestimated. */
const EstimateTimeoutMs = 5_000;

// Runs in an isolated world (the page's scripts cannot replace performance or the tree walker).
// Per element at least `<x>` is written; text counts one byte per character (UTF-8, entities and
// quoted-printable only ever make it bigger); resources that Blink writes into the MHTML
// (images, style sheets, fonts: initiator img/css/link/…, not scripts, fetches or media) are
// base64, 4/3 of their size. The walk over text nodes stops as soon as the total passes the cap,
// so on a 300 MB page it costs what a page the size of the cap costs, in the renderer, not in Node.
const EstimateScript = String.raw`
((cap) => {
  const included = new Set(['img', 'image', 'css', 'link', 'input', 'body', 'object', 'embed']);
  // An image counts only while the DOM still shows it: a carousel or a lazy loader may have
  // fetched far more pictures than the document holds now, and the MHTML holds only those.
  const imageInitiators = new Set(['img', 'image', 'input']);
  const shown = new Set();
  let resourceBytes = 0;
  try {
    for (const img of document.images) { if (img.currentSrc) shown.add(img.currentSrc); if (img.src) shown.add(img.src); }
    for (const input of document.querySelectorAll('input[type=image i][src]')) shown.add(input.src);
    for (const image of document.querySelectorAll('image')) { const href = image.href && image.href.baseVal; if (href) { try { shown.add(new URL(href, document.baseURI).href); } catch (e) {} } }
    const seen = new Set();
    for (const entry of performance.getEntriesByType('resource')) {
      if (!included.has(entry.initiatorType) || seen.has(entry.name)) continue;
      if (imageInitiators.has(entry.initiatorType) && !shown.has(entry.name)) continue;
      if (entry.initiatorType === 'link' && /\.m?js(?:[?#]|$)/i.test(entry.name)) continue;
      seen.add(entry.name);
      resourceBytes += entry.decodedBodySize || 0;
    }
  } catch (e) {}
  const elements = document.getElementsByTagName('*').length;
  let total = Math.ceil(resourceBytes * 4 / 3) + elements * 3;
  let textChars = 0;
  let stoppedEarly = false;
  // Blink leaves script text out, writes style sheets back from the CSSOM (often far smaller
  // than their source) and may drop what <noscript> holds: none of it counts.
  const skipped = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'script', 'style']);
  const walker = document.createTreeWalker(document, NodeFilter.SHOW_TEXT);
  let n = 0;
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const parent = node.parentNode;
    if (parent && skipped.has(parent.nodeName)) continue;
    textChars += node.length;
    if ((++n & 1023) === 0 && total + textChars > cap) { stoppedEarly = true; break; }
  }
  total += textChars;
  return { bytes: total, textChars, elements, resourceBytes, stoppedEarly };
})`;

export async function estimateMhtmlBytes(page: Page, maxBytes: number, signal: AbortSignal): Promise<MhtmlEstimate> {
  const session = await page.createCDPSession();
  try {
    const { frameTree } = await raceAbort(session.send('Page.getFrameTree'), signal);
    const { executionContextId } = await raceAbort(
      session.send('Page.createIsolatedWorld', { frameId: frameTree.frame.id, worldName: 'linksnap-mhtml-estimate' }),
      signal,
    );
    const { result, exceptionDetails } = await raceAbort(
      session.send('Runtime.evaluate', {
        expression: `${EstimateScript}(${JSON.stringify(maxBytes)})`,
        contextId: executionContextId,
        returnByValue: true,
        timeout: EstimateTimeoutMs,
      }),
      signal,
    );
    if (exceptionDetails) throw new Error(exceptionDetails.exception?.description ?? exceptionDetails.text);
    const value = result?.value as MhtmlEstimate | undefined;
    if (!value || typeof value.bytes !== 'number') throw new Error(`the estimate returned ${result?.type ?? 'nothing'}`);
    return value;
  } finally {
    await session.detach().catch(() => {});
  }
}

/**
 * The MHTML of the page, within `maxBytes`: skipped without being made when the page's own
 * figures already say it is larger, dropped when the finished file is. Never throws for size.
 */
export async function captureMhtml(page: Page, maxBytes: number, signal: AbortSignal): Promise<MhtmlCapture> {
  let estimate: MhtmlEstimate | null = null;
  try {
    estimate = await estimateMhtmlBytes(page, maxBytes, AbortSignal.any([signal, AbortSignal.timeout(EstimateTimeoutMs)]));
  } catch (error) {
    if (signal.aborted) throw error;
    // An estimate is an optimisation: without one, the check after the fact still holds.
    mhtmlStats.estimateFailed += 1;
  }
  if (estimate && estimate.bytes > maxBytes) {
    mhtmlStats.skippedByEstimate += 1;
    return {
      kept: false,
      before: true,
      reason: `The MHTML archive would be larger than the limit of ${formatBytes(maxBytes)}: the page itself already holds ${estimate.stoppedEarly ? 'more' : `at least ${formatBytes(estimate.bytes)}`} (${estimate.elements} elements, ${estimate.textChars}${estimate.stoppedEarly ? '+' : ''} characters of text, ${formatBytes(estimate.resourceBytes)} of images and style sheets${estimate.stoppedEarly ? '; counting stopped once past the limit' : ''}), so it was skipped by estimate before it was made`,
      estimatedBytes: estimate.bytes,
      bytes: null,
    };
  }

  const session = await page.createCDPSession();
  let mhtml: string;
  try {
    mhtmlStats.snapshots += 1;
    ({ data: mhtml } = await raceAbort(session.send('Page.captureSnapshot', { format: 'mhtml' }), signal));
  } finally {
    await session.detach().catch(() => {});
  }
  // Blink writes MHTML as 7-bit text (quoted-printable and base64 bodies), so characters are
  // bytes and length is a bound both ways; byteLength is only counted when something is not ASCII.
  const bytes = mhtml.length > maxBytes ? mhtml.length : Buffer.byteLength(mhtml, 'utf8');
  if (bytes > maxBytes) {
    mhtmlStats.tooLargeAfter += 1;
    return { kept: false, before: false, reason: new TooLargeError('The MHTML archive', maxBytes).message, estimatedBytes: estimate?.bytes ?? null, bytes };
  }
  return { kept: true, data: sharedBytes(mhtml, bytes), estimatedBytes: estimate?.bytes ?? null };
}

/**
 * The string as UTF-8 in one SharedArrayBuffer: the one copy of the MHTML kept (the string can be
 * collected as soon as this returns), stored as the artifact and read by the archive worker in place.
 */
export function sharedBytes(text: string, byteLength = Buffer.byteLength(text, 'utf8')): Buffer {
  const data = Buffer.from(new SharedArrayBuffer(byteLength));
  // ASCII (the usual MHTML) is copied byte for byte, which is cheaper than encoding UTF-8.
  data.write(text, 0, byteLength, byteLength === text.length ? 'latin1' : 'utf8');
  return data;
}
