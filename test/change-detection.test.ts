// Change detection on readable text: what changes on every load is not a change, an edited or
// added paragraph is, and the diff shows the page's own words.
import { describe, expect, it } from 'vitest';
import { changeExcerpt, comparableLines, compareTexts } from '../src/core/change.js';

const article = (parts: { stamp: string; views: string; body: string[]; related?: string[]; token?: string }) =>
  [
    'The quiet lighthouse',
    `Updated ${parts.stamp}`,
    ...parts.body,
    parts.views,
    ...(parts.related ? ['Related stories', ...parts.related] : []),
    `<input name=csrf value=${parts.token ?? 'a8f3b2c94d1e7f6a0b5c3d2e9f8a7b6c'}>`,
    'Advertisement',
    '© The Harbour Gazette',
  ].join('\n');

const body = ['The keeper lit the lamp at dusk, as every night for forty years.', 'Ships passed safely through the strait all winter.'];

describe('change detection', () => {
  it('calls a page whose clock, counters, tokens and rotating lists moved unchanged', () => {
    const before = article({ stamp: '5 minutes ago · Dec 6, 2026 14:30 UTC', views: '1,204 views', body, related: ['Storm warning lifted', 'Harbour fees rise'] });
    const after = article({
      stamp: '2 hours ago · Dec 7, 2026 09:05 UTC',
      views: '1,391 views',
      body,
      related: ['New ferry timetable', 'Fish market reopens'],
      token: '7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f',
    });
    expect(compareTexts(before, after)).toEqual({ changed: false, added: 0, removed: 0, hunks: [], approximate: false });
  });

  it('masks relative times written without digits too', () => {
    expect(compareTexts('Posted an hour ago by the keeper\nBody text.', 'Posted a day ago by the keeper\nBody text.').changed).toBe(false);
    expect(compareTexts('Updated just now on Sunday\nBody text.', 'Updated yesterday on Monday\nBody text.').changed).toBe(false);
  });

  it('ignores Chinese dates, relative times and counters too', () => {
    const before = '灯塔的故事\n发布于 2026年12月6日 14时30分 · 3小时前 · 阅读 3021\n守塔人在黄昏点亮了灯。';
    const after = '灯塔的故事\n发布于 2026年12月7日 09时05分 · 刚刚 · 阅读 4410\n守塔人在黄昏点亮了灯。';
    expect(compareTexts(before, after).changed).toBe(false);
    const edited = after.replace('守塔人在黄昏点亮了灯。', '守塔人在黄昏点亮了灯。\n新的灯塔将于明年建成。');
    const diff = compareTexts(before, edited);
    expect(diff).toMatchObject({ changed: true, added: 1, removed: 0 });
    expect(diff.hunks.flatMap((hunk) => hunk.lines)).toContain('+新的灯塔将于明年建成。');
  });

  it('finds an added and an edited paragraph, and shows them in the page\'s own words', () => {
    const before = article({ stamp: 'Dec 6, 2026', views: '10 views', body });
    const after = article({
      stamp: 'Dec 7, 2026',
      views: '12 views',
      body: [body[0], 'Ships passed safely through the strait all winter, save one.', 'A new lens arrives in spring.'],
    });
    const diff = compareTexts(before, after);
    expect(diff).toMatchObject({ changed: true, added: 2, removed: 1, approximate: false });
    const lines = diff.hunks.flatMap((hunk) => hunk.lines);
    expect(lines).toContain('-Ships passed safely through the strait all winter.');
    expect(lines).toContain('+Ships passed safely through the strait all winter, save one.');
    expect(lines).toContain('+A new lens arrives in spring.');
    // Context lines are shown as the new page has them, not masked.
    expect(lines).toContain(' 12 views');
    expect(changeExcerpt(diff)).toEqual(['-Ships passed safely through the strait all winter.', '+Ships passed safely through the strait all winter, save one.', '+A new lens arrives in spring.']);
  });

  it('keeps prose that follows a recommendation heading', () => {
    const lines = comparableLines(['Recommended', 'Storm warning lifted', 'Harbour fees rise', 'The keeper wrote in his log every evening.', 'Ships passed.'].join('\n'));
    expect(lines).toEqual(['The keeper wrote in his log every evening.', 'Ships passed.']);
  });

  it('counts distinct lines when the texts are too far apart to diff in time', () => {
    const before = Array.from({ length: 3000 }, (_, i) => `Line ${i} of the old page with words ${(i * 7919) % 1000}`).join('\n');
    const after = Array.from({ length: 3000 }, (_, i) => `Line ${i} of the new page with words ${(i * 104729) % 1000}`).join('\n');
    const diff = compareTexts(before, after, 0);
    expect(diff.approximate).toBe(true);
    expect(diff.changed).toBe(true);
    expect(diff.added).toBe(3000);
    expect(diff.removed).toBe(3000);
    expect(diff.hunks).toEqual([]);
  });

  it('treats a first-time empty text against real text as a change', () => {
    expect(compareTexts('', 'Now there is a page.')).toMatchObject({ changed: true, added: 1, removed: 0 });
  });
});
