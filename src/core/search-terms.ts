// How what a user typed splits into search terms, and which terms are too short to use the index:
// shared by the store's search, the service (which refuses unusable searches) and /find in chat
// (which answers them with a hint at once).

/** Splits what a user typed into terms: whitespace separates, everything else is literal. */
export function searchTerms(text: string): string[] {
  return [...new Set(text.normalize('NFKC').split(/\s+/u).filter(Boolean))];
}

/** CJK ideographs, kana and hangul: a two-character word there is a real word (气候, 東京). */
export const CjkChar = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

/** One character, or two without a CJK one: too short to look up in the index. */
export function isTooShortTerm(term: string): boolean {
  const chars = [...term];
  if (chars.length <= 1) return true;
  return chars.length === 2 && !chars.some((char) => CjkChar.test(char));
}

/** The first term that makes the search unusable, or null when the search can run. */
export function unusableTerm(query: { tags?: string[]; text?: string | null }): string | null {
  if (query.tags?.length || !query.text) return null;
  const terms = searchTerms(query.text);
  if (!terms.length || !terms.every(isTooShortTerm)) return null;
  return terms[0];
}

