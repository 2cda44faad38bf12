// The quality verdict (extract/quality.ts) in bounded time. assessQuality runs several regular
// expressions over the whole visible and readable text, which on the main thread is about a
// quarter of a second for a page at the 2 M character cap: the web server and the chat acks wait
// that long. The verdict only asks of the text whether the page is short (under
// shortPageChars weighted characters) and, only when it is short, what it says. So a long text
// is judged on a prefix that is itself provably not short: non-blank characters never weigh more
// than the weighted length, and a prefix never weighs more than the whole. Only when the prefix
// cannot prove it (a text that is mostly blank) is the whole text read.
import { assessQuality, DefaultQualityThresholds, type QualityInput, type QualityVerdict } from './extract/quality.js';

/** Characters judged when the text is longer; ample for shortPageChars (1 500). */
export const QualityPrefixChars = 64_000;

export function assessQualityBounded(input: QualityInput): QualityVerdict {
  const visible = input.visibleText;
  const readable = input.readableText ?? null;
  if (visible.length <= QualityPrefixChars && (readable === null || readable.length <= QualityPrefixChars)) return assessQuality(input);
  const head = {
    ...input,
    visibleText: visible.slice(0, QualityPrefixChars),
    readableText: readable === null ? null : readable.slice(0, QualityPrefixChars),
  };
  const nonBlank = (text: string | null) => (text ? text.replace(/\s+/g, '').length : 0);
  if (Math.max(nonBlank(head.visibleText), nonBlank(head.readableText)) >= DefaultQualityThresholds.shortPageChars) return assessQuality(head);
  return assessQuality(input);
}
