// Import reads the export files of other tools as they really are (fixtures written by hand in each
// tool's documented shape): folders and tags survive, dates are kept, a bad line costs only itself.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidInputError, TooLargeError } from '../src/core/errors.js';
import { parseImportFile } from '../src/core/import/import-file.js';
import { MaxImportBytes, MaxListedImportErrors, type ImportItem, type ImportParse } from '../src/core/import/import-types.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/import/${name}`, import.meta.url));
const byUrl = (parsed: ImportParse) => new Map<string, ImportItem>(parsed.items.map((item) => [item.url, item]));
const seconds = (s: number) => new Date(s * 1000);

describe('Netscape bookmark files', () => {
  it('reads a Chrome export: nested CJK folders become tags, the bookmarks bar does not, dates and titles are kept', () => {
    const parsed = parseImportFile('bookmarks_12_7_26.html', fixture('chrome-bookmarks.html'));
    expect(parsed.format).toBe('netscape');
    const items = byUrl(parsed);
    expect([...items.keys()]).toEqual([
      'https://developer.mozilla.org/en-US/docs/Web/HTML',
      'https://vuejs.org/guide/introduction.html',
      'https://react.dev/learn',
      'https://go.dev/doc/',
      'https://example.com/article',
    ]);
    expect(items.get('https://developer.mozilla.org/en-US/docs/Web/HTML')).toEqual({
      url: 'https://developer.mozilla.org/en-US/docs/Web/HTML',
      title: 'MDN Web Docs',
      tags: [],
      addedAt: seconds(1700000100),
      line: 11,
    });
    expect(items.get('https://vuejs.org/guide/introduction.html')).toMatchObject({ title: 'Vue.js 介绍 & 指南', tags: ['技术', '前端'], line: 16 });
    expect(items.get('https://react.dev/learn')).toMatchObject({ title: 'React <Learn>', tags: ['技术', '前端'] });
    expect(items.get('https://go.dev/doc/')!.tags).toEqual(['技术']);
    // The same page bookmarked twice (once with a fragment) is one item with the earlier date.
    expect(items.get('https://example.com/article')).toMatchObject({ title: 'Example article', tags: ['reading-list'], addedAt: seconds(1600000000), line: 25 });
    expect(parsed.errors).toEqual([
      { line: 21, message: 'line 21: "javascript:alert(document.title)" is not a web address (javascript: links cannot be imported, only http and https)' },
      { line: 26, message: 'line 26: "chrome://settings/" is not a web address (chrome: links cannot be imported, only http and https)' },
    ]);
  });

  it('reads a Firefox export: TAGS and folders both, toolbar and Other Bookmarks skipped, place: and file: refused', () => {
    const parsed = parseImportFile('bookmarks-2026-12-07.json.html', fixture('firefox-bookmarks.html'));
    const items = byUrl(parsed);
    expect(items.get('https://support.mozilla.org/products/firefox')!.tags).toEqual(['mozilla-firefox']);
    // Two bookmarks of one page (tracking parameter aside): tags united, the earlier date kept.
    expect(items.get('https://www.rust-lang.org/learn')).toMatchObject({
      title: 'Learn Rust',
      tags: ['rust', 'programming-languages', 'tutorial'],
      addedAt: seconds(1690000000),
      line: 19,
    });
    expect(items.get('https://ja.wikipedia.org/wiki/%E6%97%A5%E6%9C%AC%E8%AA%9E')!.tags).toEqual(['日本語', '言語']);
    expect(parsed.items).toHaveLength(3);
    expect(parsed.errors.map((error) => error.line)).toEqual([12, 27, 28]);
    expect(parsed.errors[0].message).toContain('"place:parent=menu________&excludeItems=1" is not a web address');
    expect(parsed.errors[1].message).toContain('file: links cannot be imported');
    expect(parsed.errors[2].message).toBe('line 28: "http://[not a host]/" is not a web address (contains spaces)');
  });

  it("reads Pocket's HTML export (lists of links with time_added and tags)", () => {
    const html = [
      '<!DOCTYPE html>',
      '<html><head><title>Pocket Export</title></head><body>',
      '<h1>Unread</h1>',
      '<ul>',
      '<li><a href="https://example.com/a" time_added="1609459200" tags="news,Tech">A</a></li>',
      '</ul>',
      '<h1>Read Archive</h1>',
      '<ul>',
      '<li><a href="https://example.com/b" time_added="1609545600" tags="">https://example.com/b</a></li>',
      '</ul>',
      '</body></html>',
    ].join('\n');
    const parsed = parseImportFile('ril_export.html', html);
    expect(parsed.items).toEqual([
      { url: 'https://example.com/a', title: 'A', tags: ['news', 'tech'], addedAt: seconds(1609459200), line: 5 },
      // An anchor whose text is its address has no title.
      { url: 'https://example.com/b', title: null, tags: [], addedAt: seconds(1609545600), line: 9 },
    ]);
  });

  it('parses a 10,000-link file into 10,000 items', () => {
    const lines = ['<!DOCTYPE NETSCAPE-Bookmark-file-1>', '<DL><p>'];
    for (let folder = 0; folder < 100; folder++) {
      lines.push(`<DT><H3>Folder ${folder}</H3>`, '<DL><p>');
      for (let i = 0; i < 100; i++) lines.push(`<DT><A HREF="https://example.com/${folder}/${i}" ADD_DATE="${1600000000 + i}" TAGS="t${i % 7}">Link ${i}</A>`);
      lines.push('</DL><p>');
    }
    lines.push('</DL><p>');
    const parsed = parseImportFile('big.html', lines.join('\n'));
    expect(parsed.errors).toEqual([]);
    expect(parsed.items).toHaveLength(10_000);
    expect(parsed.items[9_999]).toMatchObject({ url: 'https://example.com/99/99', tags: ['folder-99', 't1'], line: 2 + 100 * 103 - 1 });
  });
});

describe('Pocket CSV', () => {
  it('reads columns by name, tags split on |, times in seconds, a multi-line title, and reports bad rows by line', () => {
    const parsed = parseImportFile('part_000000.csv', fixture('pocket-export.csv'));
    expect(parsed.format).toBe('pocket-csv');
    expect(parsed.items).toEqual([
      {
        url: 'https://example.org/tabs',
        title: 'Why "tabs" beat spaces, a history',
        tags: ['programming', 'history', 'computing'],
        // The duplicate on line 9 was saved earlier.
        addedAt: seconds(1580000000),
        line: 2,
      },
      { url: 'https://news.example.com/no-title', title: null, tags: [], addedAt: seconds(1612137600), line: 3 },
      { url: 'https://blog.example.net/multi', title: 'A title that spans two lines', tags: ['reading'], addedAt: seconds(1614556800), line: 4 },
      { url: 'https://zh.example.cn/%E6%96%87%E7%AB%A0', title: '中文标题', tags: ['技术', '阅读'], addedAt: seconds(1619827200), line: 7 },
    ]);
    expect(parsed.errors).toEqual([
      { line: 6, message: 'line 6: "htp:/x" is not a web address (htp: links cannot be imported, only http and https)' },
      { line: 8, message: 'line 8: has no url (1 of 5 columns)' },
    ]);
  });

  it('is recognised by its header whatever the file is called, with extra columns and CRLF line ends', () => {
    const csv = 'url,title,cursor,time_added,tags,status\r\nhttps://example.com/x,X,abc,1609459200,a|b,unread\r\n';
    const parsed = parseImportFile('export.txt', csv);
    expect(parsed.format).toBe('pocket-csv');
    expect(parsed.items).toEqual([{ url: 'https://example.com/x', title: 'X', tags: ['a', 'b'], addedAt: seconds(1609459200), line: 2 }]);
  });

  it("also reads Raindrop's CSV: comma-separated tags and ISO times", () => {
    const csv =
      'id,title,note,excerpt,url,folder,tags,created,cover,highlights,favorite\n' +
      '1,"R, D",,,https://raindrop.example/x,Unsorted,"design, UX",2023-04-05T06:07:08.000Z,,,false\n';
    const parsed = parseImportFile('raindrop.csv', csv);
    expect(parsed.items).toEqual([{ url: 'https://raindrop.example/x', title: 'R, D', tags: ['design', 'ux'], addedAt: new Date('2023-04-05T06:07:08Z'), line: 2 }]);
  });
});

describe('Karakeep and Linkwarden JSON', () => {
  it('reads a Karakeep export: tags and lists (with their parents) as tags, non-link bookmarks skipped with a reason', () => {
    const parsed = parseImportFile('karakeep-export.json', fixture('karakeep-export.json'));
    expect(parsed.format).toBe('karakeep');
    expect(parsed.items).toEqual([
      {
        url: 'https://selfh.st/guide/',
        title: 'Self-hosting guide',
        tags: ['selfhosted', 'docker', 'homelab', 'containers'],
        addedAt: seconds(1704067200),
        line: 3,
      },
      { url: 'https://www.example.jp/news/1', title: null, tags: ['新闻'], addedAt: new Date('2024-01-03T00:00:00Z'), line: 35 },
    ]);
    expect(parsed.errors).toEqual([
      { line: 25, message: 'line 25: a note ("Grocery list"), not a link; skipped' },
      { line: 43, message: 'line 43: "ftp://files.example.com/x" is not a web address (ftp: links cannot be imported, only http and https)' },
      { line: 51, message: 'line 51: an uploaded file ("Scan"), not a link; skipped' },
    ]);
  });

  it('reads a Linkwarden backup: nested collection names (CJK too) and link tags become tags', () => {
    const parsed = parseImportFile('backup.json', fixture('linkwarden-backup.json'));
    expect(parsed.format).toBe('linkwarden');
    expect(parsed.items).toEqual([
      {
        url: 'https://arxiv.org/abs/1706.03762',
        title: 'Attention Is All You Need',
        tags: ['research', 'ml', 'papers'],
        addedAt: new Date('2023-05-02T08:30:00Z'),
        line: 17,
      },
      { url: 'https://pytorch.org/tutorials/', title: 'PyTorch 教程', tags: ['research', '机器学习'], addedAt: new Date('2023-06-01T00:00:00Z'), line: 44 },
    ]);
    expect(parsed.errors).toEqual([{ line: 54, message: 'line 54: "scan.pdf" has no web address (an uploaded file?); skipped' }]);
  });

  it('says where a JSON file is broken, and what JSON it accepts', () => {
    expect(() => parseImportFile('k.json', '{\n  "bookmarks": [\n    { "title": "x" \n  ]\n}')).toThrow(/not valid JSON \(line 4: expected "}" but found "]"\)/);
    expect(() => parseImportFile('other.json', '{ "items": [] }')).toThrow(/neither a Karakeep export .* nor a Linkwarden backup/);
  });
});

describe('URL lists', () => {
  it('skips blank lines and comments, normalises, merges duplicates and reports broken lines by number', () => {
    const parsed = parseImportFile('urls.txt', fixture('urls.txt'));
    expect(parsed.format).toBe('url-list');
    expect(parsed.items.map((item) => [item.line, item.url])).toEqual([
      [2, 'https://example.com/one'],
      [4, 'https://example.com/two'],
      [5, 'https://example.org/bare'],
      [10, 'https://xn--r8jz45g.jp/%E3%83%91%E3%82%B9'],
    ]);
    expect(parsed.errors).toEqual([
      { line: 7, message: 'line 7: "htp:/x" is not a web address (htp: links cannot be imported, only http and https)' },
      { line: 9, message: 'line 9: "mailto:someone@example.com" is not a web address (mailto: links cannot be imported, only http and https)' },
    ]);
  });

  it('lists the first errors of a file full of them and counts the rest', () => {
    const lines = ['https://example.com/ok'];
    for (let i = 0; i < MaxListedImportErrors + 5; i++) lines.push(i % 2 ? 'https://example.com/also-ok' : `javascript:void(${i})`);
    const parsed = parseImportFile('urls.txt', lines.join('\n'));
    expect(parsed.items).toHaveLength(2);
    const bad = Math.ceil((MaxListedImportErrors + 5) / 2);
    expect(parsed.errors).toHaveLength(bad);
    expect(parsed.errorsNotListed).toBe(0);
    // Good lines first, so the file is still recognised as a URL list by its start.
    const good = Array.from({ length: 50 }, (_, i) => `https://example.com/${i}`);
    const worse = parseImportFile('urls.txt', [...good, ...Array.from({ length: MaxListedImportErrors + 5 }, () => 'https://bad host/')].join('\n'));
    expect(worse.items).toHaveLength(50);
    expect(worse.errors).toHaveLength(MaxListedImportErrors);
    expect(worse.errors[0]).toEqual({ line: 51, message: 'line 51: "https://bad host/" is not a web address (contains spaces)' });
    expect(worse.errorsNotListed).toBe(5);
  });
});

describe('format detection and limits', () => {
  it('refuses what it cannot read, naming the formats it accepts', () => {
    const error = (() => {
      try {
        parseImportFile('notes.md', '# My notes\n\nSome prose about things.\nMore prose.\n');
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toMatch(/"notes\.md" is not a format linksnap can import\. Accepted: a Netscape bookmark file .*Pocket CSV.*Karakeep.*Linkwarden.*list of URLs/);
    expect(() => parseImportFile('empty.txt', ' \n')).toThrow(/"empty\.txt" is empty/);
    const opml = '<?xml version="1.0"?>\n<opml version="2.0"><body><outline text="Feed" xmlUrl="https://example.com/feed.xml"/></body></opml>';
    expect(() => parseImportFile('feeds.opml', opml)).toThrow(/"feeds\.opml" is markup without bookmarks/);
    // A browser's export of no bookmarks at all is still a bookmark file.
    expect(parseImportFile('empty.html', '<!DOCTYPE NETSCAPE-Bookmark-file-1>\n<H1>Bookmarks</H1>\n<DL><p>\n</DL><p>\n')).toMatchObject({ format: 'netscape', items: [], errors: [] });
  });

  it('refuses a file over the size limit and says the limit', () => {
    const big = Buffer.alloc(MaxImportBytes + 1, 0x20);
    expect(() => parseImportFile('huge.html', big)).toThrow(TooLargeError);
    expect(() => parseImportFile('huge.html', big)).toThrow(/larger than the limit of 50/);
  });

  it('reads UTF-16 files with a byte order mark and UTF-8 with one', () => {
    const text = '<!DOCTYPE NETSCAPE-Bookmark-file-1>\n<DL><p>\n<DT><H3>阅读</H3>\n<DL><p>\n<DT><A HREF="https://example.com/u">U</A>\n</DL><p>\n</DL>';
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const utf8 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
    for (const data of [utf16, utf8]) expect(parseImportFile('b.html', data).items).toEqual([{ url: 'https://example.com/u', title: 'U', tags: ['阅读'], addedAt: null, line: 5 }]);
  });
});
