// Text put into HTML or XML by the writers. Titles come from arbitrary web pages, so they may hold
// markup characters, control characters and unpaired surrogates.

/**
 * Characters XML 1.0 does not allow at all (C0 controls but tab and line breaks, unpaired
 * surrogates, U+FFFE/U+FFFF), plus C1 controls that are legal but never meant to be shown.
 * A feed with one of them is rejected whole by a conforming parser.
 */
const NotXmlChar = /[^\t\n\r\x20-\x7E\xA0-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function stripNonXmlChars(text: string): string {
  return text.replace(NotXmlChar, '');
}

/** Escaped for element text and double-quoted attribute values alike, in HTML and XML. */
export function escapeMarkup(text: string): string {
  return stripNonXmlChars(text).replace(/[&<>"']/gu, (char) => MarkupEntities[char]);
}

const MarkupEntities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
