// Tags are how people find links again, so two spellings of the same tag must be one tag:
// `#News`, `news` and `ｎｅｗｓ` (full width) all become `news`; any script is kept (`技术`, `C++`).

const MaxTagLength = 64;

/** Normalises a tag; null when nothing usable is left. */
export function normalizeTag(raw: string): string | null {
  let tag = raw.normalize('NFKC').trim();
  tag = tag.replace(/^[#＃]+/u, '');
  // Punctuation that only ever surrounds a tag in prose (quotes, commas, brackets, full stops).
  tag = tag.replace(/^[\s"'`“”‘’「」『』【】()[\]{}<>,，、;；:：.。!！?？]+|[\s"'`“”‘’「」『』【】()[\]{}<>,，、;；:：.。!！?？]+$/gu, '');
  tag = tag.toLocaleLowerCase('en-US').replace(/\s+/gu, '-');
  if (!tag) return null;
  if ([...tag].length > MaxTagLength) tag = [...tag].slice(0, MaxTagLength).join('');
  return tag;
}

/** Normalises and dedupes a list of tags, keeping the order they were given in. */
export function normalizeTags(raw: Iterable<string>): string[] {
  const seen = new Set<string>();
  for (const item of raw) {
    const tag = normalizeTag(item);
    if (tag) seen.add(tag);
  }
  return [...seen];
}

/** Splits a user-typed tag list: spaces, commas (ASCII or CJK) and `、` separate tags. */
export function parseTagList(input: string | null | undefined): string[] {
  if (!input) return [];
  return normalizeTags(input.split(/[\s,，、;；]+/u));
}

/**
 * `#hashtags` in a chat message. A hashtag starts at a word boundary and runs over letters, marks,
 * numbers and `_ - + .` of any script, so `#技术`, `#C++` and `#node.js` work; a trailing dot is prose.
 */
export function extractHashtags(text: string): string[] {
  const found: string[] = [];
  const pattern = /(?:^|[^\p{L}\p{N}_&/#＃])[#＃]([\p{L}\p{M}\p{N}_+\-.]+)/gu;
  for (const match of text.matchAll(pattern)) {
    const candidate = match[1].replace(/\.+$/u, '');
    // `#123` is usually an issue number, not a tag.
    if (!/^\d+$/u.test(candidate)) found.push(candidate);
  }
  return normalizeTags(found);
}
