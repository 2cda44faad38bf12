// `linksnap import` as a user runs it: its own process on its own data folder, each tool's export
// file as the tool writes it. Links come in "not captured yet" and `find` lists them; --tag adds a
// tag to each; bad lines are named by number while the rest goes in; a second run adds nothing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseImportFile } from '../src/core/import/index.js';
import { runCli as cli } from './helpers/cli.js';

/** Every CLI run starts tsx and opens the store: a few seconds each on a busy two-core machine. */
const SlowTestMs = 300_000;
const fixtureFile = (name: string) => fileURLToPath(new URL(`./fixtures/import/${name}`, import.meta.url));
const dataDirs: string[] = [];

function dataFolder(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'linksnap-cli-import-'));
  dataDirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
});

interface FoundItem {
  url: string;
  status: string;
  title: string | null;
  tags: string[];
}

async function findAll(dir: string, ...args: string[]): Promise<FoundItem[]> {
  const found = await cli(dir, 'find', '--json', '--limit', '100', ...args);
  expect(found.code).toBe(0);
  return (JSON.parse(found.stdout) as { items: FoundItem[] }).items;
}

describe('linksnap import', () => {
  it('brings in each format end to end, links only, listed by find as not captured yet', async () => {
    const dir = dataFolder();
    const files = [
      ['chrome-bookmarks.html', 'netscape'],
      ['firefox-bookmarks.html', 'netscape'],
      ['pocket-export.csv', 'pocket-csv'],
      ['karakeep-export.json', 'karakeep'],
      ['linkwarden-backup.json', 'linkwarden'],
      ['urls.txt', 'url-list'],
    ] as const;
    const expected = new Set<string>();
    for (const [name, format] of files) {
      const parsed = parseImportFile(name, fs.readFileSync(fixtureFile(name)));
      const result = await cli(dir, 'import', fixtureFile(name), '--json');
      expect(result.code, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout);
      expect(report.format).toBe(format);
      expect(report.links).toBe(parsed.items.length);
      expect(report.added + report.existing).toBe(parsed.items.length);
      expect(report.queued).toBe(0);
      expect(report.errors).toEqual(parsed.errors);
      for (const item of parsed.items) expected.add(item.url);
    }
    const items = await findAll(dir);
    expect(new Set(items.map((item) => item.url))).toEqual(expected);
    expect(items.every((item) => item.status === 'not_captured')).toBe(true);
    // The plain listing says so too, on each of its entries.
    const plain = await cli(dir, 'find', '--limit', '5');
    expect(plain.code).toBe(0);
    const headings = plain.stdout.split('\n').filter((line) => /^\S+ {2}\d{4}-\d\d-\d\d /.test(line));
    expect(headings).toHaveLength(5);
    for (const heading of headings) expect(heading).toMatch(/ {2}\[not captured yet: linksnap snap <url> captures it\]$/);
    // Folders, collections, lists and tags from every tool, CJK ones included, are tags.
    expect((await findAll(dir, '--tag', '机器学习')).map((item) => item.url)).toContain('https://pytorch.org/tutorials/');
    expect((await findAll(dir, '--tag', '前端')).map((item) => item.title).sort()).toEqual(['React <Learn>', 'Vue.js 介绍 & 指南']);
  }, SlowTestMs);

  it('adds --tag to every link, names bad lines by number, and adds nothing the second time', async () => {
    const dir = dataFolder();
    const file = fixtureFile('pocket-export.csv');
    const first = await cli(dir, 'import', file, '--tag', 'From Pocket', '-t', '稍后读');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^Imported 4 links from a Pocket CSV file into workspace local: 4 new, 0 already there\.$/m);
    expect(first.stdout).toContain('not captured yet');
    expect(first.stderr).toMatch(/^2 lines with a problem:$/m);
    // Line numbers of the file as an editor shows it (a quoted title spans lines 4 and 5).
    expect(first.stderr).toMatch(/^ {2}line 6: "htp:\/x" is not a web address/m);
    expect(first.stderr).toMatch(/^ {2}line 8: has no url/m);
    const items = await findAll(dir);
    expect(items).toHaveLength(4);
    for (const item of items) expect(item.tags).toEqual(expect.arrayContaining(['from-pocket', '稍后读']));

    const second = await cli(dir, 'import', file, '--tag', 'From Pocket', '-t', '稍后读');
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/: 0 new, 4 already there\.$/m);
    expect(await findAll(dir)).toEqual(items);
    const tags = await cli(dir, 'tags', '--json');
    expect(JSON.parse(tags.stdout)).toContainEqual({ tag: 'from-pocket', count: 4 });
  }, SlowTestMs);

  it('queues captures with --capture for serve or a worker, and captures what an earlier run kept without', async () => {
    const dir = dataFolder();
    const file = path.join(dir, 'reading.txt');
    fs.writeFileSync(file, 'https://one.example/a\nhttps://one.example/b\n');
    const kept = await cli(dir, 'import', file);
    expect(kept.code, kept.stderr).toBe(0);
    fs.appendFileSync(file, 'https://two.example/c\n');
    const captured = await cli(dir, 'import', file, '--capture');
    expect(captured.code, captured.stderr).toBe(0);
    expect(captured.stdout).toMatch(/: 1 new, 2 already there\.$/m);
    expect(captured.stdout).toMatch(/^Queued 3 captures, behind chat and spaced per site; `linksnap serve` or `linksnap worker` makes them\.$/m);
    const items = await findAll(dir);
    expect(items.map((item) => item.status)).toEqual(['queued', 'queued', 'queued']);
    const again = await cli(dir, 'import', file, '--capture', '--json');
    expect(JSON.parse(again.stdout)).toMatchObject({ added: 0, existing: 3, queued: 0 });
  }, SlowTestMs);

  it('says what is wrong with the command line or the file', async () => {
    const dir = dataFolder();
    const both = await cli(dir, 'import', fixtureFile('urls.txt'), '--capture', '--no-capture');
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--capture or --no-capture, not both/);
    const none = await cli(dir, 'import');
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/import takes exactly one file/);
    const workspace = await cli(dir, 'import', fixtureFile('urls.txt'), '--workspace', 'discord:nope');
    expect(workspace.code).toBe(2);
    expect(workspace.stderr).toMatch(/no workspace discord:nope; known: local/);
    const missing = await cli(dir, 'import', path.join(dir, 'nothing-here.html'), '--json');
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout).errorCode).toBeTruthy();
    const binary = path.join(dir, 'picture.png');
    fs.writeFileSync(binary, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]));
    const unreadable = await cli(dir, 'import', binary);
    expect(unreadable.code).toBe(1);
    expect(unreadable.stderr).toMatch(/^linksnap: /);
    expect(await findAll(dir)).toEqual([]);
  }, SlowTestMs);

  it('imports a 10,000-link bookmark file without capturing', async () => {
    const dir = dataFolder();
    const file = path.join(dir, 'big-bookmarks.html');
    const lines = ['<!DOCTYPE NETSCAPE-Bookmark-file-1>', '<DL><p>'];
    for (let folder = 0; folder < 100; folder++) {
      lines.push(`<DT><H3>Folder ${folder}</H3>`, '<DL><p>');
      for (let i = 0; i < 100; i++) lines.push(`<DT><A HREF="https://site${folder % 20}.example/${folder}/${i}" ADD_DATE="${1600000000 + folder * 100 + i}">Link ${folder}-${i}</A>`);
      lines.push('</DL><p>');
    }
    lines.push('</DL><p>');
    fs.writeFileSync(file, lines.join('\n'));
    const started = Date.now();
    const result = await cli(dir, 'import', file, '--no-capture');
    console.log(`[cli-import] 10,000 links through the CLI (process start included): ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Imported 10000 links from a bookmark file into workspace local: 10000 new, 0 already there\./);
    // Not a terminal: a few plain progress lines, not a bar.
    expect(result.stderr).toMatch(/^Importing: 10000\/10000 links$/m);
    expect(result.stderr).not.toContain('\r');
    const newest = await findAll(dir, '--tag', 'folder-99');
    expect(newest).toHaveLength(100);
    expect(newest[0]).toMatchObject({ url: 'https://site19.example/99/99', status: 'not_captured', title: 'Link 99-99' });
  }, SlowTestMs);
});
