// A feed summary is the start of a page's readable text. Cutting it at a fixed length would split a
// word, a surrogate pair or an emoji sequence; Intl.Segmenter knows word boundaries in every script
// (Chinese and Japanese have no spaces, ICU finds their words by dictionary).

const Ellipsis = '…';
const words = new Intl.Segmenter(undefined, { granularity: 'word' });
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Whitespace collapsed and cut to at most `max` UTF-16 units (the ellipsis included) at a word boundary. */
export function summaryText(text: string, max = 300): string {
  // Only the start can end up in the summary; segmenting a whole article would be wasted work.
  const complete = text.length <= max * 4;
  const flat = (complete ? text : text.slice(0, max * 4)).replace(/\s+/gu, ' ').trim();
  if (complete && flat.length <= max) return flat;
  const budget = max - Ellipsis.length;
  let cut = 0;
  for (const { index, segment } of words.segment(flat)) {
    const end = index + segment.length;
    if (end > budget) {
      // A first word longer than the whole summary (a URL, an unbroken run of text): cut between characters.
      if (cut === 0) cut = lastGraphemeEnd(segment, budget - index) + index;
      break;
    }
    cut = end;
  }
  return `${flat.slice(0, cut).replace(/[\s\p{P}]+$/u, '')}${Ellipsis}`;
}

function lastGraphemeEnd(text: string, budget: number): number {
  let end = 0;
  for (const { index, segment } of graphemes.segment(text)) {
    if (index + segment.length > budget) break;
    end = index + segment.length;
  }
  return end;
}
