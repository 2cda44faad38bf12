// Exports are how people leave or back up: what a writer produces must import back (into linksnap,
// and into a browser) as the same links and tags, and it must stream rather than build one string.
import { describe, expect, it } from 'vitest';
import type { ExportLink } from '../src/core/export/export-types.js';
import { jsonLines } from '../src/core/export/json-lines-writer.js';
import { netscapeBookmarks } from '../src/core/export/netscape-writer.js';
import { parseImportFile } from '../src/core/import/import-file.js';

const link = (url: string, tags: string[], title: string | null, createdAt = '2024-03-01T12:00:00.000Z'): ExportLink => ({
  url,
  title,
  tags,
  createdAt,
  shares: [{ platform: 'slack', channelName: 'general', userName: 'Ann', sharedAt: createdAt, auto: true }],
  versions: [
    {
      id: `snap-${url.length}`,
      createdAt,
      capturedAt: '2024-03-01T12:00:05.000Z',
      status: 'done',
      httpStatus: 200,
      title,
      sha256: { screenshot: 'a'.repeat(64), text: 'b'.repeat(64) },
      viewUrl: `https://linksnap.example/s/snap-${url.length}`,
    },
  ],
});

const links: ExportLink[] = [
  link('https://example.com/plain', [], 'Plain'),
  link('https://example.com/a?x=1&y=2', ['news', 'tech'], 'Tom & Jerry <script>alert("x")</script> \'quoted\''),
  link('https://example.com/b', ['news'], null, '2023-01-02T03:04:05.678Z'),
  link('https://example.cn/%E6%96%87', ['技术', '前端'], '前端「指南」& 技巧'),
  link('https://example.com/c', ['c++', 'node.js'], 'Line\nbreak\ttitle'),
];

async function collect(chunks: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const chunk of chunks) out.push(chunk);
  return out;
}

describe('netscape writer', () => {
  it('imports back as the same links, tags, titles and dates', async () => {
    const html = (await collect(netscapeBookmarks(links))).join('');
    expect(html.startsWith('<!DOCTYPE NETSCAPE-Bookmark-file-1>')).toBe(true);
    const parsed = parseImportFile('linksnap-export.html', html);
    expect(parsed.format).toBe('netscape');
    expect(parsed.errors).toEqual([]);
    expect(parsed.items.map(({ url, title, tags, addedAt }) => ({ url, title, tags, addedAt }))).toEqual(
      links.map((l) => ({ url: l.url, title: l.title?.replace(/\s+/g, ' ') ?? null, tags: l.tags, addedAt: new Date(Math.floor(Date.parse(l.createdAt) / 1000) * 1000) })),
    );
  });

  it('escapes titles, tags and addresses, and files links in folders by first tag', async () => {
    const html = (await collect(netscapeBookmarks(links, { title: 'Links of "R&D"' }))).join('');
    expect(html).toContain('<TITLE>Links of &quot;R&amp;D&quot;</TITLE>');
    expect(html).toContain('HREF="https://example.com/a?x=1&amp;y=2"');
    expect(html).toContain('>Tom &amp; Jerry &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &#39;quoted&#39;</A>');
    expect(html).not.toContain('<script>');
    expect(html).toContain('TAGS="技术,前端"');
    expect(html).toContain('>前端「指南」&amp; 技巧</A>');
    // news-first links are adjacent, so one folder holds both; untagged links sit at the top level.
    expect(html.match(/<H3>news<\/H3>/g)).toHaveLength(1);
    expect(html.match(/<H3>/g)).toHaveLength(3);
    expect(html).toMatch(/<DT><H3>news<\/H3>\n    <DL><p>\n        <DT><A HREF="https:\/\/example.com\/a\?x=1&amp;y=2" ADD_DATE="1709294400" TAGS="news,tech">/);
    expect(html).toContain('    <DT><A HREF="https://example.com/plain" ADD_DATE="1709294400">Plain</A>\n');
    // A link without a title is named by its address, as browsers show it.
    expect(html).toContain('TAGS="news">https://example.com/b</A>');
  });

  it('still round-trips when links are not ordered by first tag (a folder per run)', async () => {
    const shuffled = [links[1], links[3], links[2], links[0]];
    const html = (await collect(netscapeBookmarks(shuffled))).join('');
    expect(html.match(/<H3>news<\/H3>/g)).toHaveLength(2);
    const parsed = parseImportFile('x.html', html);
    expect(parsed.items.map((item) => [item.url, item.tags])).toEqual(shuffled.map((l) => [l.url, l.tags]));
  });

  it('streams: a chunk per link, written before the source has ended', async () => {
    let produced = 0;
    async function* source(): AsyncGenerator<ExportLink> {
      for (const l of links) {
        produced++;
        yield l;
      }
    }
    const writer = netscapeBookmarks(source());
    const header = await writer.next();
    expect(header.value).toContain('<DL><p>');
    const first = await writer.next();
    expect(first.value).toContain('https://example.com/plain');
    expect(produced).toBe(1);
    const rest = await collect(writer);
    expect(produced).toBe(links.length);
    expect(rest).toHaveLength(links.length);
  });
});

describe('json lines writer', () => {
  it('writes one JSON object a line with shares, versions and hashes, and imports back', async () => {
    const chunks = await collect(jsonLines(links));
    expect(chunks).toHaveLength(links.length);
    for (const chunk of chunks) expect(chunk.endsWith('\n') && !chunk.slice(0, -1).includes('\n')).toBe(true);
    const objects = chunks.map((chunk) => JSON.parse(chunk));
    expect(objects).toEqual(links);
    expect(objects[1].versions[0].sha256.screenshot).toBe('a'.repeat(64));
    expect(Object.keys(objects[0])).toEqual(['url', 'title', 'tags', 'createdAt', 'shares', 'versions']);

    const parsed = parseImportFile('linksnap-export.jsonl', chunks.join(''));
    expect(parsed.format).toBe('linksnap-json');
    expect(parsed.errors).toEqual([]);
    expect(parsed.items).toEqual(
      links.map((l, i) => ({ url: l.url, title: l.title?.replace(/\s+/g, ' ') ?? null, tags: l.tags, addedAt: new Date(l.createdAt), line: i + 1 })),
    );
  });

  it('leaves out what is not part of the export shape, and a missing viewUrl is null', async () => {
    const extra = { ...links[0], secret: 'x', versions: [{ ...links[0].versions[0], viewUrl: undefined }] } as ExportLink;
    const [line] = await collect(jsonLines([extra]));
    expect(line).not.toContain('secret');
    expect(JSON.parse(line).versions[0].viewUrl).toBeNull();
  });

  it('reports a broken line of a linksnap json file and imports the rest', () => {
    const good = JSON.stringify(links[0]);
    const parsed = parseImportFile('backup.jsonl', `${good}\n{"url": "https://example.com/x", "tags": [\n${JSON.stringify(links[2])}\n`);
    expect(parsed.items.map((item) => [item.line, item.url])).toEqual([
      [1, links[0].url],
      [3, links[2].url],
    ]);
    expect(parsed.errors).toEqual([{ line: 2, message: 'line 2: not a JSON object; skipped' }]);
  });
});
