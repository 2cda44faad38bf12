// The content hash of a page's text: SHA-256 of the text with every whitespace run made one space
// and the ends trimmed, so two versions compare equal whatever their layout. The text can be
// millions of characters, and the regular expression over all of it holds the event loop for
// ~100 ms (chat acks wait behind it): this walks it in slices, yielding between them, and hashes
// exactly the bytes `text.replace(/\s+/g, ' ').trim()` would give.
import { createHash } from 'node:crypto';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { splitsSurrogatePair } from './text.js';

const SliceChars = 128 * 1024;

export async function normalisedTextHash(text: string, sliceChars = SliceChars): Promise<string> {
  const hash = createHash('sha256');
  let started = false;
  let spaceBefore = false;
  for (let at = 0; at < text.length; ) {
    let end = Math.min(text.length, at + sliceChars);
    // Never cut a surrogate pair: half of one would be hashed as U+FFFD.
    if (splitsSurrogatePair(text, end)) end += 1;
    let piece = text.slice(at, end).replace(/\s+/g, ' ');
    at = end;
    if (piece.startsWith(' ')) {
      spaceBefore = true;
      piece = piece.slice(1);
    }
    if (piece) {
      const spaceAfter = piece.endsWith(' ');
      if (spaceAfter) piece = piece.slice(0, -1);
      if (started && spaceBefore) hash.update(' ');
      hash.update(piece, 'utf8');
      started = true;
      spaceBefore = spaceAfter;
    }
    if (at < text.length) await yieldToLoop();
  }
  return hash.digest('hex');
}
