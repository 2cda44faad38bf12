// Cutting text by UTF-16 units never leaves half an emoji behind.
import { expect, it } from 'vitest';
import { cutText, splitsSurrogatePair } from '../src/core/text.js';

it('cuts at the limit, or one unit short of it where the limit falls inside a surrogate pair', () => {
  expect(cutText('abcdef', 3)).toBe('abc');
  expect(cutText('ab😀cd', 3)).toBe('ab');
  expect(cutText('ab😀cd', 4)).toBe('ab😀');
  expect(cutText('abc', 10)).toBe('abc');
  expect([0, 1, 2, 3, 4].map((at) => splitsSurrogatePair('a😀b', at))).toEqual([false, false, true, false, false]);
});
