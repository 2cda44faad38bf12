// The content hash is compared across versions already stored, so the sliced hash must give exactly
// the bytes the whole-text expression gives, whatever falls on a slice boundary.
import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import { normalisedTextHash } from '../src/core/text-hash.js';

const whole = (text: string) => createHash('sha256').update(Buffer.from(text.replace(/\s+/g, ' ').trim())).digest('hex');

it('equals the whole-text hash for whitespace runs, surrogate pairs and CJK across every slice boundary', async () => {
  const parts = [' ', '\n\n', '\t', '\u00a0', '\u3000', 'a', 'bc', '链接', '😀', '\u{1F1E8}\u{1F1F3}', 'é'];
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  for (let round = 0; round < 200; round++) {
    let text = '';
    const length = next() % 40;
    for (let i = 0; i < length; i++) text += parts[next() % parts.length];
    for (const slice of [1, 2, 3, 5, 8]) expect(await normalisedTextHash(text, slice), JSON.stringify({ text, slice })).toBe(whole(text));
  }
  expect(await normalisedTextHash('')).toBe(whole(''));
  expect(await normalisedTextHash('   \n ')).toBe(whole('   \n '));
});

it('yields to the event loop between slices of a long text', async () => {
  const text = 'word \n '.repeat(400_000);
  let ticks = 0;
  const timer = setInterval(() => (ticks += 1), 0);
  const hash = await normalisedTextHash(text);
  clearInterval(timer);
  expect(hash).toBe(whole(text));
  expect(ticks).toBeGreaterThan(3);
});
