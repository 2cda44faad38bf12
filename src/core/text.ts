// Cutting long page text by characters, and how much of it the product shows and searches.

/**
 * The part of a page's text that the web page shows and full-text search indexes. The whole text
 * (up to the capture's cap) stays in its artifact.
 */
export const ShownTextChars = 200_000;

/** True when index `at` falls between the two halves of a surrogate pair (one emoji, say). */
export function splitsSurrogatePair(text: string, at: number): boolean {
  if (at <= 0 || at >= text.length) return false;
  const code = text.charCodeAt(at - 1);
  return code >= 0xd800 && code <= 0xdbff;
}

/** At most `max` UTF-16 units of `text`, never half a surrogate pair. */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  return text.slice(0, splitsSurrogatePair(text, max) ? max - 1 : max);
}
