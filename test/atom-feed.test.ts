// Feed readers reject a whole feed over one malformed character, so the feed is parsed back with a
// real XML parser that fails on any error, and checked against what Atom 1.0 requires.
import { DOMParser, type Element } from '@xmldom/xmldom';
import { describe, expect, it } from 'vitest';
import { AtomNamespace, AtomSummaryChars, MediaNamespace, atomFeed, type AtomEntry } from '../src/core/feeds/atom.js';
import { summaryText } from '../src/core/feeds/summary-text.js';

function parseXml(xml: string) {
  const parser = new DOMParser({
    onError: (level, message) => {
      throw new Error(`${level}: ${message}`);
    },
  });
  return parser.parseFromString(xml, 'application/xml');
}

const children = (parent: Element, name: string, ns = AtomNamespace) =>
  Array.from(parent.childNodes).filter((node): node is Element => node.nodeType === 1 && (node as Element).localName === name && (node as Element).namespaceURI === ns);
const child = (parent: Element, name: string, ns = AtomNamespace) => children(parent, name, ns)[0];
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

const article = '前端开发指南。'.repeat(60) + ' And then some English words that go on and on.';
const entries: AtomEntry[] = [
  {
    id: 'urn:linksnap:snapshot:s2',
    title: 'Tom & Jerry <b>"quoted"</b> 中文标题\u0007\u0000',
    viewUrl: 'https://linksnap.example/s/s2?x=1&y=2',
    url: 'https://example.com/a?utm=no&b=1',
    updated: new Date('2026-12-07T02:00:00Z'),
    published: '2026-12-06T01:00:00.000Z',
    thumbnailUrl: 'https://linksnap.example/s/s2/thumbnail.webp',
    text: article,
    tags: ['技术', 'c++'],
    author: 'Ann <ann@example.com>',
  },
  {
    id: 'urn:linksnap:snapshot:s1',
    title: null,
    viewUrl: 'https://linksnap.example/s/s1',
    url: 'https://example.org/untitled',
    updated: '2026-12-05T10:00:00Z',
    text: 'Short text\u000b with a vertical tab.',
  },
];

describe('atomFeed', () => {
  const xml = atomFeed({
    id: 'urn:linksnap:feed:workspace:local:tag:技术',
    title: 'linksnap · #技术 & "friends"',
    updated: new Date('2026-12-07T02:00:00Z'),
    selfUrl: 'https://linksnap.example/feeds/tags/%E6%8A%80%E6%9C%AF.atom',
    alternateUrl: 'https://linksnap.example/?tag=%E6%8A%80%E6%9C%AF',
    entries,
  });

  it('is well-formed Atom 1.0 with the required feed elements', () => {
    const feed = parseXml(xml).documentElement!;
    expect(feed.localName).toBe('feed');
    expect(feed.namespaceURI).toBe(AtomNamespace);
    expect(child(feed, 'title').textContent).toBe('linksnap · #技术 & "friends"');
    expect(child(feed, 'id').textContent).toBe('urn:linksnap:feed:workspace:local:tag:技术');
    expect(child(feed, 'updated').textContent).toBe('2026-12-07T02:00:00.000Z');
    expect(child(child(feed, 'author'), 'name').textContent).toBe('linksnap');
    const links = children(feed, 'link').map((link) => [link.getAttribute('rel'), link.getAttribute('href')]);
    expect(links).toEqual([
      ['self', 'https://linksnap.example/feeds/tags/%E6%8A%80%E6%9C%AF.atom'],
      ['alternate', 'https://linksnap.example/?tag=%E6%8A%80%E6%9C%AF'],
    ]);
  });

  it('writes each entry with its id, escaped title, dates, links, thumbnail, categories and summary', () => {
    const feed = parseXml(xml).documentElement!;
    const [first, second] = children(feed, 'entry');
    expect(children(feed, 'entry')).toHaveLength(2);
    expect(child(first, 'id').textContent).toBe('urn:linksnap:snapshot:s2');
    // Markup characters survive as text; control characters XML forbids are gone.
    expect(child(first, 'title').textContent).toBe('Tom & Jerry <b>"quoted"</b> 中文标题');
    for (const entry of [first, second]) {
      expect(child(entry, 'updated').textContent).toMatch(RFC3339);
      expect(children(entry, 'link').find((link) => link.getAttribute('rel') === 'alternate')).toBeDefined();
    }
    expect(child(first, 'published').textContent).toBe('2026-12-06T01:00:00.000Z');
    expect(children(first, 'link').map((link) => [link.getAttribute('rel'), link.getAttribute('href')])).toEqual([
      ['alternate', 'https://linksnap.example/s/s2?x=1&y=2'],
      ['related', 'https://example.com/a?utm=no&b=1'],
    ]);
    expect(child(first, 'thumbnail', MediaNamespace).getAttribute('url')).toBe('https://linksnap.example/s/s2/thumbnail.webp');
    expect(children(first, 'category').map((category) => category.getAttribute('term'))).toEqual(['技术', 'c++']);
    expect(child(child(first, 'author'), 'name').textContent).toBe('Ann <ann@example.com>');
    const summary = child(first, 'summary').textContent!;
    expect(summary.length).toBeLessThanOrEqual(AtomSummaryChars);
    expect(summary.endsWith('…')).toBe(true);
    expect(article.startsWith(summary.slice(0, -1))).toBe(true);

    // No title: the page's address stands in; no thumbnail: no media element.
    expect(child(second, 'title').textContent).toBe('https://example.org/untitled');
    expect(child(second, 'thumbnail', MediaNamespace)).toBeUndefined();
    expect(child(second, 'summary').textContent).toBe('Short text with a vertical tab.');
    // xmldom tolerates a bare "&" and control characters, which stricter readers reject; check the text itself.
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    expect(xml).not.toMatch(/&(?!amp;|lt;|gt;|quot;|#39;)/);
    expect(xml).toContain('<title type="text">Tom &amp; Jerry &lt;b&gt;&quot;quoted&quot;&lt;/b&gt; 中文标题</title>');
  });

  it('refuses an invalid date rather than publishing it', () => {
    expect(() => atomFeed({ id: 'x', title: 't', updated: 'not a date', selfUrl: 'https://a/', alternateUrl: 'https://a/', entries: [] })).toThrow(RangeError);
  });
});

describe('summaryText', () => {
  it('keeps short text whole, collapsing whitespace', () => {
    expect(summaryText('  a\n\n b  ', 300)).toBe('a b');
  });

  it('cuts English at a word boundary', () => {
    const text = 'The quick brown fox jumps over the lazy dog. '.repeat(20);
    const summary = summaryText(text, 50);
    expect(summary.length).toBeLessThanOrEqual(50);
    expect(summary).toBe('The quick brown fox jumps over the lazy dog. The…');
  });

  it('cuts CJK text without splitting a character, and an unbroken run between characters', () => {
    const chinese = summaryText('我们今天讨论链接快照平台的设计，以及如何保存网页。'.repeat(10), 20);
    expect(chinese.length).toBeLessThanOrEqual(20);
    expect('我们今天讨论链接快照平台的设计，以及如何保存网页。'.repeat(10).startsWith(chinese.slice(0, -1))).toBe(true);
    const emoji = summaryText('😀'.repeat(100), 11);
    expect(emoji).toBe('😀'.repeat(5) + '…');
    expect(summaryText('x'.repeat(500), 30)).toBe('x'.repeat(29) + '…');
    // A long word after a short one: the cut falls at the boundary before it.
    expect(summaryText('https://example.com/' + 'x'.repeat(500), 30)).toBe('https://example.com…');
  });
});
