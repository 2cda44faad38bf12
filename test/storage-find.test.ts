import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../src/core/errors.js';
import type { Platform } from '../src/core/types.js';
import {
  addTags,
  completeSnapshot,
  createShare,
  createSnapshot,
  deleteSharesByMessage,
  deleteLink,
  ensureWorkspace,
  find,
  listTags,
  Migrations,
  migrateToLatest,
  removeTags,
  setTags,
  upsertLink,
  type Db,
} from '../src/storage/index.js';
import { Kysely, Migrator, PostgresDialect } from 'kysely';
import pg from 'pg';
import { IndexedTextChars, tagToken, tagTokens } from '../src/storage/search-index.js';
import { Backends, backendFixture, type TestDatabase } from './helpers/databases.js';

describe.each(Backends)('on %s', (backend) => {
  const databases = backendFixture(backend);

  let handle: TestDatabase;
  let db: Db;

  beforeEach(async () => {
    handle = await databases.open();
    db = handle.db;
    await migrateToLatest(db);
    await ensureWorkspace(db, { id: 'local', platform: 'web' });
    await ensureWorkspace(db, { id: 'discord:1', platform: 'discord' });
  });
  afterEach(async () => {
    await handle.close();
  });

  interface Page {
    workspaceId?: string;
    url: string;
    title?: string;
    text?: string;
    tags?: string[];
    share?: { platform: Platform; channelId?: string; channelPrivate?: boolean; messageId?: string };
  }

  /** A captured, indexed link, like the service leaves it after a capture. */
  async function captured(page: Page): Promise<string> {
    const workspaceId = page.workspaceId ?? 'local';
    const link = await upsertLink(db, workspaceId, page.url);
    const snapshot = await createSnapshot(db, { workspaceId, linkId: link.id, url: link.url });
    await createShare(db, { workspaceId, linkId: link.id, snapshotId: snapshot.id, userId: 'u', ...(page.share ?? { platform: 'web' }) });
    if (page.tags) await addTags(db, workspaceId, link.id, page.tags);
    await completeSnapshot(db, snapshot.id, { title: page.title ?? null }, [], {
      title: page.title ?? null,
      description: null,
      url: link.url,
      text: page.text ?? '',
    });
    return link.id;
  }

  const urls = async (query: Parameters<typeof find>[1]) => (await find(db, query)).items.map((item) => item.link.url);
  const isPostgresBackend = () => backend === 'postgres';
  /** The tag tokens a SQLite search document carries, as the names they stand for; null without a document. */
  async function sqliteDocumentTags(linkId: string): Promise<string[] | null> {
    const document = await sql<{ tags: string; workspace_id: string }>`SELECT f.tags, l.workspace_id FROM link_search f JOIN links l ON l.seq = f.rowid WHERE l.id = ${linkId}`.execute(db);
    if (!document.rows.length) return null;
    const names = (await sql<{ tag: string }>`SELECT DISTINCT tag FROM link_tags`.execute(db)).rows.map((row) => row.tag);
    const tokens = document.rows[0].tags.split(' ').filter(Boolean);
    expect(tokens.every((token) => names.some((name) => tagToken(document.rows[0].workspace_id, name) === token))).toBe(true);
    return names.filter((name) => tokens.includes(tagToken(document.rows[0].workspace_id, name))).sort();
  }

  describe('find', () => {
    it('indexes the first IndexedTextChars characters of a text, so one huge page cannot hold the event loop', async () => {
      const filler = 'lorem ipsum dolor '.repeat(Math.ceil(IndexedTextChars / 18));
      await captured({ url: 'https://huge.test/1', text: `openingword ${filler.slice(0, IndexedTextChars - 40)} nearthecap ${filler} pasttheend` });
      expect(await urls({ workspaceId: 'local', text: 'openingword' })).toEqual(['https://huge.test/1']);
      expect(await urls({ workspaceId: 'local', text: 'nearthecap' })).toEqual(['https://huge.test/1']);
      expect(await urls({ workspaceId: 'local', text: 'pasttheend' })).toEqual([]);
    });

    it('ANDs tags, matches text anywhere, and lists newest first', async () => {
      await captured({ url: 'https://a.test/1', title: 'Node DNS', text: 'call socket.getaddrinfo to resolve', tags: ['#Node', 'dns'] });
      await captured({ url: 'https://a.test/2', title: '快照说明', text: '网页快照可以离线查看', tags: ['技术', 'node'] });
      await captured({ url: 'https://a.test/3', title: 'C++ notes', text: 'templates and socket programming', tags: ['C++'] });

      expect(await urls({ workspaceId: 'local' })).toEqual(['https://a.test/3', 'https://a.test/2', 'https://a.test/1']);
      expect(await urls({ workspaceId: 'local', tags: ['node'] })).toEqual(['https://a.test/2', 'https://a.test/1']);
      expect(await urls({ workspaceId: 'local', tags: ['NODE', '#dns'] })).toEqual(['https://a.test/1']);
      expect(await urls({ workspaceId: 'local', tags: ['技术'] })).toEqual(['https://a.test/2']);
      expect(await urls({ workspaceId: 'local', tags: ['c++'] })).toEqual(['https://a.test/3']);
      expect(await urls({ workspaceId: 'local', tags: ['node', 'c++'] })).toEqual([]);
      expect(await urls({ workspaceId: 'local', text: 'socket.getaddrinfo' })).toEqual(['https://a.test/1']);
      expect(await urls({ workspaceId: 'local', text: 'getaddr' })).toEqual(['https://a.test/1']);
      expect(await urls({ workspaceId: 'local', text: 'SOCKET' })).toEqual(['https://a.test/3', 'https://a.test/1']);
      expect(await urls({ workspaceId: 'local', text: '快照' })).toEqual(['https://a.test/2']);
      expect(await urls({ workspaceId: 'local', text: '离线查看' })).toEqual(['https://a.test/2']);
      expect(await urls({ workspaceId: 'local', text: 'socket templates' })).toEqual(['https://a.test/3']);
      expect(await urls({ workspaceId: 'local', text: 'socket', tags: ['node'] })).toEqual(['https://a.test/1']);
      expect(await urls({ workspaceId: 'local', text: 'a.test/2' })).toEqual(['https://a.test/2']);
      expect(await urls({ workspaceId: 'local', text: '  ' })).toHaveLength(3);
    });

    it('gives the same tag+text answers however many documents Postgres walks before it asks the search index', async () => {
      for (let i = 0; i < 12; i++) {
        await captured({ url: `https://d.test/${i}`, title: i % 3 ? 'Plain' : 'Über 快照', text: `entry ${i} ${i % 2 ? 'socket.getaddrinfo' : 'other words'}`, tags: i % 4 ? ['rare', 'all'] : ['all'] });
      }
      const queries = [
        { tags: ['rare'], text: 'socket.getaddrinfo' },
        { tags: ['rare', 'all'], text: 'getaddr 快照' },
        { tags: ['all'], text: '快照' },
        { tags: ['rare'], text: 'entry 1' },
        { tags: ['rare'], text: '"' },
        { tags: ['rare'], text: 'missing' },
      ];
      for (const query of queries) {
        const viaIndex = await find(db, { workspaceId: 'local', ...query, limit: 3 });
        // Postgres walks only the newest few documents before it turns to an index for the older ones: the same answers.
        for (const postgresWalkDocs of [1, 2, 5]) {
          const walked = await find(db, { workspaceId: 'local', ...query, limit: 3 }, { postgresWalkDocs });
          expect(walked.items.map((item) => item.link.url), `${JSON.stringify(query)} walking ${postgresWalkDocs}`).toEqual(viaIndex.items.map((item) => item.link.url));
          const walkedAll = await find(db, { workspaceId: 'local', ...query, text: query.text, limit: 50 }, { postgresWalkDocs });
          const indexAll = await find(db, { workspaceId: 'local', ...query, limit: 50 });
          expect(walkedAll.items.map((item) => item.link.url)).toEqual(indexAll.items.map((item) => item.link.url));
        }
        const rest = async (cursor: string | null, postgresWalkDocs: number) => (cursor ? (await find(db, { workspaceId: 'local', ...query, limit: 50, cursor }, { postgresWalkDocs })).items.map((item) => item.link.url) : []);
        expect(await rest(viaIndex.nextCursor, 1)).toEqual(await rest(viaIndex.nextCursor, 2_000));
      }
      const both = await find(db, { workspaceId: 'local', tags: ['rare'], text: 'socket.getaddrinfo', limit: 50 });
      expect(both.items.map((item) => item.link.url)).toEqual(['https://d.test/11', 'https://d.test/9', 'https://d.test/7', 'https://d.test/5', 'https://d.test/3', 'https://d.test/1']);
      const cjk = await find(db, { workspaceId: 'local', tags: ['rare', 'all'], text: 'getaddr 快照' });
      expect(cjk.items.map((item) => item.link.url)).toEqual(['https://d.test/9', 'https://d.test/3']);
    });

    it('finds CJK substrings, two-character words included, and folds case the same way on both backends', async () => {
      await captured({ url: 'https://cjk.test/zh', title: '全球气候变化报告', text: '科学家警告，气候变化正在加速。北京今年夏天很热。' });
      await captured({ url: 'https://cjk.test/ja', title: '東京の天気', text: '東京は明日晴れるでしょう。カタカナのテスト。' });
      await captured({ url: 'https://cjk.test/ko', title: '서울 날씨', text: '서울은 내일 맑겠습니다.' });
      await captured({ url: 'https://cjk.test/mixed', title: 'Straße ΣΟΦΙΑ Москва', text: 'Node.js 和 TypeScript 教程，气温 Übersicht' });
      const cases: Array<[string, string[]]> = [
        ['气候', ['https://cjk.test/zh']],
        ['北京', ['https://cjk.test/zh']],
        ['气候变化', ['https://cjk.test/zh']],
        ['气温', ['https://cjk.test/mixed']],
        ['东京', []], // simplified 东 is not traditional 東: no folding across scripts
        ['東京', ['https://cjk.test/ja']],
        ['カタ', ['https://cjk.test/ja']],
        ['서울', ['https://cjk.test/ko']],
        ['和 typescript', ['https://cjk.test/mixed']],
        ['TYPESCRIPT', ['https://cjk.test/mixed']],
        ['москва', ['https://cjk.test/mixed']],
        ['σοφια', ['https://cjk.test/mixed']],
        ['übersicht', ['https://cjk.test/mixed']],
        ['变化 科学', ['https://cjk.test/zh']],
        ['变化 天气', []],
      ];
      for (const [text, expected] of cases) expect(await urls({ workspaceId: 'local', text }), text).toEqual(expected);
      if (backend === 'postgres') {
        // With scans ruled out, a two-character word is answered from the bigrams in the search index, not by reading every document.
        const plan = await db.connection().execute(async (conn) => {
          await sql`SET enable_seqscan = off`.execute(conn);
          return (await sql<{ 'QUERY PLAN': string }>`EXPLAIN SELECT seq FROM link_search f WHERE f.bigrams @> ARRAY['气候']::text[]`.execute(conn)).rows.map((row) => row['QUERY PLAN']).join('\n');
        });
        expect(plan).toMatch(/Bitmap Index Scan on link_search_terms_tags\s+\(.*\)\s+Index Cond: \(bigrams @>/);
      }
    });

    it('finds old matches of a common text with a tag rare among the newest links, however the older ones are read', async () => {
      for (let i = 0; i < 10; i++) {
        await captured({ url: `https://w.test/${i}`, text: `common words ${i}`, tags: i < 2 ? ['few', 'all'] : i === 5 ? ['all', 'mid'] : ['all'] });
      }
      const expected = ['https://w.test/1', 'https://w.test/0'];
      for (const postgresWalkDocs of [1, 3, 100]) {
        const result = await find(db, { workspaceId: 'local', tags: ['few'], text: 'common' }, { postgresWalkDocs });
        expect(result.items.map((item) => item.link.url), `walking ${postgresWalkDocs}`).toEqual(expected);
        const mid = await find(db, { workspaceId: 'local', tags: ['mid', 'all'], text: 'words 5' }, { postgresWalkDocs });
        expect(mid.items.map((item) => item.link.url)).toEqual(['https://w.test/5']);
      }
    });

    it('searches FTS syntax characters literally and never throws on them', async () => {
      await captured({ url: 'https://a.test/q', text: 'he said "hello" (twice) - a*b AND c OR NEAR x^2 {col}: done' });
      await captured({ url: 'https://a.test/plain', text: 'nothing special here at all' });
      const literal = ['"hello"', '"', '(twice)', '(', '-', 'a*b', '*', 'AND', 'OR', 'NEAR', '{col}:', 'x^2', 'said "hello"', 'c OR'];
      for (const text of literal) {
        expect(await urls({ workspaceId: 'local', text }), text).toEqual(['https://a.test/q']);
      }
      // LIKE wildcards are escaped: `%` and `_` appear in neither page.
      expect(await urls({ workspaceId: 'local', text: '%' })).toEqual([]);
      expect(await urls({ workspaceId: 'local', text: '_' })).toEqual([]);
      expect(await urls({ workspaceId: 'local', text: '"unbalanced' })).toEqual([]);
      // `NOT` is a term like any other (it occurs in "nothing"), not an operator that excludes the page.
      expect(await urls({ workspaceId: 'local', text: 'NOT nothing' })).toEqual(['https://a.test/plain']);
    });

    it('pages with cursors across pages with no duplicates or gaps, also while new links arrive', async () => {
      const all: string[] = [];
      for (let i = 0; i < 23; i++) {
        all.unshift(`https://p.test/${i}`);
        await captured({ url: `https://p.test/${i}`, text: `page number ${i} common words`, tags: i % 2 ? ['odd', 'all'] : ['all'] });
      }
      for (const query of [{}, { tags: ['all'] }, { text: 'common' }, { text: 'common', tags: ['all'] }]) {
        const seen: string[] = [];
        let cursor: string | null = null;
        let pages = 0;
        const expectedPages = Math.ceil(all.length / 5);
        do {
          const result = await find(db, { workspaceId: 'local', ...query, limit: 5, cursor });
          seen.push(...result.items.map((item) => item.link.url));
          cursor = result.nextCursor;
          pages++;
          // A link captured mid-paging lands on top, outside the pages already being walked.
          if (pages === 2) await captured({ url: `https://p.test/new-${JSON.stringify(query)}`, text: 'common', tags: ['all'] });
        } while (cursor);
        expect(seen, JSON.stringify(query)).toEqual(all);
        expect(pages).toBe(expectedPages);
        all.unshift(`https://p.test/new-${JSON.stringify(query)}`);
      }
      const odd = await find(db, { workspaceId: 'local', tags: ['odd'], limit: 11 });
      expect(odd.items.map((item) => item.link.url)).toEqual(all.filter((url) => /\/\d*[13579]$/.test(url)));
      expect(odd.nextCursor).toBeNull();
      await expect(find(db, { workspaceId: 'local', cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(InvalidInputError);
    });

    it('moves a link to the top when it is captured again and keeps its text searchable meanwhile', async () => {
      const first = await captured({ url: 'https://r.test/1', text: 'alpha version', tags: ['keep'] });
      await captured({ url: 'https://r.test/2', text: 'bravo version', tags: ['keep'] });
      const again = await createSnapshot(db, { workspaceId: 'local', linkId: first, url: 'https://r.test/1' });
      const top = await find(db, { workspaceId: 'local' });
      expect(top.items.map((item) => [item.link.url, item.snapshot.status])).toEqual([
        ['https://r.test/1', 'queued'],
        ['https://r.test/2', 'done'],
      ]);
      expect(await urls({ workspaceId: 'local', text: 'alpha' })).toEqual(['https://r.test/1']);
      // The tag index and the search index moved with the link.
      expect(await urls({ workspaceId: 'local', tags: ['keep'] })).toEqual(['https://r.test/1', 'https://r.test/2']);
      expect(await urls({ workspaceId: 'local', tags: ['keep'], text: 'version' })).toEqual(['https://r.test/1', 'https://r.test/2']);
      await completeSnapshot(db, again.id, {}, [], { title: null, description: null, url: 'https://r.test/1', text: 'charlie version' });
      expect(await urls({ workspaceId: 'local', text: 'alpha' })).toEqual([]);
      expect(await urls({ workspaceId: 'local', text: 'charlie' })).toEqual(['https://r.test/1']);
    });

    it('never returns another workspace’s links, even for a workspace id that is a prefix of another', async () => {
      await ensureWorkspace(db, { id: 'discord:12', platform: 'discord' });
      await captured({ workspaceId: 'discord:1', url: 'https://w.test/one', text: 'shared words', tags: ['t'] });
      await captured({ workspaceId: 'discord:12', url: 'https://w.test/twelve', text: 'shared words', tags: ['t'] });
      for (const query of [{}, { tags: ['t'] }, { text: 'shared' }, { text: 'sh' }, { text: 'shared', tags: ['t'] }]) {
        expect(await urls({ workspaceId: 'discord:1', ...query }), JSON.stringify(query)).toEqual(['https://w.test/one']);
        expect(await urls({ workspaceId: 'local', ...query }), JSON.stringify(query)).toEqual([]);
      }
      expect(await listTags(db, 'discord:12')).toEqual([{ tag: 't', count: 1 }]);
    });

    it('hides links shared only in private channels from viewers outside them', async () => {
      const discord = (channelId: string, channelPrivate: boolean, messageId: string) => ({ platform: 'discord' as const, channelId, channelPrivate, messageId });
      await captured({ workspaceId: 'discord:1', url: 'https://v.test/public', tags: ['v'], share: discord('general', false, 'm1') });
      await captured({ workspaceId: 'discord:1', url: 'https://v.test/secret', tags: ['v'], text: 'secret plans', share: discord('staff', true, 'm2') });
      const both = await captured({ workspaceId: 'discord:1', url: 'https://v.test/both', tags: ['v'], share: discord('staff', true, 'm3') });

      const outsider = { channelIds: ['general'] };
      const staff = { channelIds: ['general', 'staff'] };
      expect(await urls({ workspaceId: 'discord:1', viewer: outsider })).toEqual(['https://v.test/public']);
      expect(await urls({ workspaceId: 'discord:1', viewer: { channelIds: [] } })).toEqual(['https://v.test/public']);
      expect(await urls({ workspaceId: 'discord:1', viewer: staff })).toHaveLength(3);
      expect(await urls({ workspaceId: 'discord:1', viewer: null })).toHaveLength(3);
      expect(await urls({ workspaceId: 'discord:1', text: 'secret', viewer: outsider })).toEqual([]);
      expect(await urls({ workspaceId: 'discord:1', tags: ['v'], viewer: outsider })).toEqual(['https://v.test/public']);
      expect(await listTags(db, 'discord:1', outsider)).toEqual([{ tag: 'v', count: 1 }]);
      expect(await listTags(db, 'discord:1', null)).toEqual([{ tag: 'v', count: 3 }]);

      // Shared again in a public channel: now everyone sees it; that message deleted: hidden again.
      const snapshot = (await find(db, { workspaceId: 'discord:1', tags: ['v'] })).items.find((item) => item.link.id === both)!.snapshot;
      await createShare(db, { workspaceId: 'discord:1', linkId: both, snapshotId: snapshot.id, userId: 'u', ...discord('general', false, 'm4') });
      expect(await urls({ workspaceId: 'discord:1', viewer: outsider })).toEqual(['https://v.test/both', 'https://v.test/public']);
      await deleteSharesByMessage(db, 'discord:1', 'general', 'm4');
      expect(await urls({ workspaceId: 'discord:1', viewer: outsider })).toEqual(['https://v.test/public']);
    });

    it('keeps each search document’s copy of its link’s tags in step when tags are added, removed, set, the link moves or is forgotten', async () => {
      const documentTags = async (linkId: string) => {
        const rows = isPostgresBackend()
          ? await sql<{ tags: string[] }>`SELECT f.tags FROM link_search f JOIN links l ON l.seq = f.seq WHERE l.id = ${linkId}`.execute(db)
          : null;
        return rows ? (rows.rows[0] ? [...rows.rows[0].tags].sort() : null) : await sqliteDocumentTags(linkId);
      };
      const a = await captured({ url: 'https://s.test/a', text: 'first text', tags: ['before'] });
      const b = await captured({ url: 'https://s.test/b', text: 'second text' });
      expect(await documentTags(a)).toEqual(['before']);
      expect(await documentTags(b)).toEqual([]);
      await addTags(db, 'local', b, ['x', 'y']);
      await addTags(db, 'local', b, ['y'], { channelId: 'staff', private: true });
      expect(await documentTags(b)).toEqual(['x', 'y']);
      await removeTags(db, 'local', b, ['x']);
      expect(await documentTags(b)).toEqual(['y']);
      // Seen from #general, the tag given in the private channel stays; the open one is replaced.
      await setTags(db, 'local', b, ['z'], { channelId: 'general', private: false }, { channelIds: ['general'] });
      expect(await documentTags(b)).toEqual(['y', 'z']);
      await setTags(db, 'local', b, []);
      expect(await documentTags(b)).toEqual([]);
      // Captured again: the document moves to the link's new seq with its tags, and a new text keeps them.
      const again = await createSnapshot(db, { workspaceId: 'local', linkId: a, url: 'https://s.test/a' });
      expect(await documentTags(a)).toEqual(['before']);
      await addTags(db, 'local', a, ['during']);
      await completeSnapshot(db, again.id, {}, [], { title: null, description: null, url: 'https://s.test/a', text: 'third text' });
      expect(await documentTags(a)).toEqual(['before', 'during']);
      expect(await urls({ workspaceId: 'local', tags: ['during'], text: 'third' })).toEqual(['https://s.test/a']);
      await deleteLink(db, 'local', a);
      expect(await documentTags(a)).toBeNull();
      expect(await urls({ workspaceId: 'local', tags: ['before'], text: 'text' })).toEqual([]);
    });

    it('answers tag+text and two-tag queries exactly as the plain rule does, tags given in private channels included', async () => {
      const places = [
        { channelId: 'general', private: false },
        { channelId: 'staff', private: true },
        { channelId: 'ops', private: true },
      ];
      const words = ['alpha', 'bravo', 'charlie', 'delta'];
      const tagNames = ['red', 'blue', 'green'];
      let state = 12345;
      const random = () => (state = (state * 48271) % 2147483647) / 2147483647;
      const choose = <T,>(list: T[]) => list[Math.floor(random() * list.length)];
      interface Model { url: string; id: string; shared: string[]; text: string; tags: Array<{ tag: string; channelId: string; open: boolean }> }
      const links: Model[] = [];
      for (let i = 0; i < 36; i++) {
        const share = choose(places);
        const url = `https://m.test/${i}`;
        const text = `${words.filter(() => random() < 0.5).join(' ')} n${i}`;
        const early = i % 3 === 0 ? [choose(tagNames)] : [];
        const id = await captured({ workspaceId: 'discord:1', url, text, tags: early, share: { platform: 'discord', channelId: share.channelId, channelPrivate: share.private, messageId: `m${i}` } });
        const model: Model = { url, id, shared: [share.channelId], text, tags: early.map((tag) => ({ tag, channelId: '', open: true })) };
        for (const tag of tagNames) {
          if (random() < 0.45) {
            const place = choose(places);
            await addTags(db, 'discord:1', id, [tag], place);
            model.tags.push({ tag, channelId: place.channelId, open: !place.private });
          }
        }
        links.unshift(model);
      }
      // Tags removed, and a link captured again (to the top), after the documents were written.
      for (const model of links.slice(0, 6)) {
        const tag = model.tags[0]?.tag;
        if (!tag) continue;
        await removeTags(db, 'discord:1', model.id, [tag]);
        model.tags = model.tags.filter((entry) => entry.tag !== tag);
      }
      const moved = links.splice(20, 1)[0];
      const again = await createSnapshot(db, { workspaceId: 'discord:1', linkId: moved.id, url: moved.url });
      await completeSnapshot(db, again.id, {}, [], { title: null, description: null, url: moved.url, text: moved.text });
      links.unshift(moved);

      const privateChannels = new Set(places.filter((place) => place.private).map((place) => place.channelId));
      const expected = (tags: string[], text: string | null, viewer: { channelIds: string[] } | null) =>
        links
          .filter((model) => viewer === null || model.shared.some((channel) => !privateChannels.has(channel) || viewer.channelIds.includes(channel)))
          .filter((model) => tags.every((tag) => model.tags.some((entry) => entry.tag === tag && (viewer === null || entry.open || viewer.channelIds.includes(entry.channelId)))))
          .filter((model) => (text ?? '').split(' ').filter(Boolean).every((term) => model.text.includes(term)))
          .map((model) => model.url);
      const everything = async (query: Parameters<typeof find>[1], tuning: Parameters<typeof find>[2]) => {
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const result = await find(db, { ...query, limit: 4, cursor }, tuning);
          seen.push(...result.items.map((item) => item.link.url));
          cursor = result.nextCursor;
        } while (cursor);
        return seen;
      };
      const viewers = [null, { channelIds: ['general'] }, { channelIds: ['general', 'staff'] }];
      const queries: Array<{ tags: string[]; text: string | null }> = [];
      for (const first of tagNames) {
        // One tag alone too: a link may carry it in two places, only one of them visible.
        queries.push({ tags: [first], text: null });
        for (const second of tagNames) if (first < second) queries.push({ tags: [first, second], text: null });
        for (const word of words) queries.push({ tags: [first], text: word });
      }
      queries.push({ tags: ['red', 'blue'], text: 'alpha' }, { tags: ['green'], text: 'bravo delta' }, { tags: tagNames.slice(0, 3), text: null });
      for (const viewer of viewers) {
        for (const query of queries) {
          const want = expected(query.tags, query.text, viewer);
          for (const tuning of [{}, { postgresWalkDocs: 1 }, { postgresWalkDocs: 3 }]) {
            const got = await everything({ workspaceId: 'discord:1', tags: query.tags, ...(query.text ? { text: query.text } : {}), viewer }, tuning);
            expect(got, `${JSON.stringify(query)} as ${JSON.stringify(viewer)} with ${JSON.stringify(tuning)}`).toEqual(want);
          }
        }
      }
    });

    it('on Postgres, intersects a tag with a text inside the search index before reading any document', async () => {
      if (!isPostgresBackend()) return;
      for (let i = 0; i < 30; i++) await captured({ url: `https://e.test/${i}`, text: `entry ${i} ${i % 7 ? 'plain' : 'needle'}`, tags: i % 2 ? ['common'] : ['common', 'even'] });
      // Older links by the thousand, half of them with the tag, and their statistics: the planner
      // weighs the index as it would on a real archive (on a few rows, reading them all is cheaper).
      const at = '2026-01-01T00:00:00.000Z';
      await sql`INSERT INTO links (id, workspace_id, url, created_at, updated_at, seq, latest_snapshot_id, public)
        SELECT 'old' || n, 'local', 'https://old.test/' || n, ${at}, ${at}, -n, 'none', 1 FROM generate_series(1, 20000) n`.execute(db);
      await sql`INSERT INTO link_tags (link_id, tag, workspace_id, seq, channel_id, public, link_public)
        SELECT 'old' || n, tag, 'local', -n, '', 1, 1 FROM generate_series(1, 20000) n, unnest(ARRAY['common', 'even']) tag WHERE tag = 'common' OR n % 2 = 0`.execute(db);
      await sql`INSERT INTO link_search (seq, scope, folded, tags)
        SELECT -n, 'local', 'older text ' || md5(n::text), CASE WHEN n % 2 = 0 THEN ARRAY['common', 'even'] ELSE ARRAY['common'] END FROM generate_series(1, 20000) n`.execute(db);
      // VACUUM also moves the index's pending entries into its tree, as autovacuum does on a live database.
      await sql`VACUUM ANALYZE`.execute(db);
      // The statements find() sends, caught on their way to the server.
      const statements: Array<{ sql: string; parameters: readonly unknown[] }> = [];
      const spy = new Kysely<any>({
        dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: handle.target, max: 2 }) }),
        log: (event) => {
          if (event.level === 'query') statements.push({ sql: event.query.sql, parameters: event.query.parameters });
        },
      });
      try {
        const result = await find(spy as Db, { workspaceId: 'local', tags: ['even'], text: 'needle' }, { postgresWalkDocs: 2 });
        expect(result.items.map((item) => item.link.url)).toEqual(['https://e.test/28', 'https://e.test/14', 'https://e.test/0']);
        const older = statements.filter((statement) => statement.sql.includes('f.tags @>') && statement.sql.includes('f.seq < '));
        expect(older).toHaveLength(1);
        const plan = await spy.connection().execute(async (conn) => {
          // As find() runs it (see postgresSearchPage).
          await sql`SET enable_seqscan = off`.execute(conn);
          await sql`SET enable_indexscan = off`.execute(conn);
          const explained = await conn.executeQuery<{ 'QUERY PLAN': string }>({ sql: `EXPLAIN ${older[0].sql}`, parameters: older[0].parameters, query: { kind: 'RawNode' } as never, queryId: { queryId: 'explain' } as never });
          return explained.rows.map((row) => row['QUERY PLAN']).join('\n');
        });
        // One scan of the one index answers both conditions: the text's trigrams and the tag.
        expect(plan).toMatch(/Bitmap Index Scan on link_search_terms_tags\s+\(.*\)\s+Index Cond: \(\(folded ~~ .*\) AND \(tags @> .*\)\)/);
      } finally {
        await spy.destroy();
      }
    });

    it('on Postgres, finds old matches of texts and tag pairs spread far apart, however far the newest are walked', async () => {
      if (!isPostgresBackend()) return;
      // Links 20,000 seqs apart, tagged and worded in turn.
      const at = '2026-01-01T00:00:00.000Z';
      await sql`INSERT INTO links (id, workspace_id, url, created_at, updated_at, seq, latest_snapshot_id, public)
        SELECT 'b' || n, 'local', 'https://b.test/' || n, ${at}, ${at}, n * 20000, 's-b' || n, 1 FROM generate_series(1, 40) n`.execute(db);
      await sql`INSERT INTO snapshots (id, link_id, workspace_id, url, status, degraded, created_at)
        SELECT 's-b' || n, 'b' || n, 'local', 'https://b.test/' || n, 'done', 0, ${at} FROM generate_series(1, 40) n`.execute(db);
      await sql`INSERT INTO link_tags (link_id, tag, workspace_id, seq, channel_id, public, link_public)
        SELECT 'b' || n, tag, 'local', n * 20000, '', 1, 1 FROM generate_series(1, 40) n, unnest(ARRAY['odd', 'third']) tag
        WHERE (tag = 'odd' AND n % 2 = 1) OR (tag = 'third' AND n % 3 = 0)`.execute(db);
      await sql`INSERT INTO link_search (seq, scope, folded, tags)
        SELECT n * 20000, 'local', CASE WHEN n % 5 = 0 THEN 'a rare word' ELSE 'plain' END,
          ARRAY(SELECT t FROM unnest(ARRAY['odd', 'third']) t WHERE (t = 'odd' AND n % 2 = 1) OR (t = 'third' AND n % 3 = 0)) FROM generate_series(1, 40) n`.execute(db);
      await sql`ANALYZE`.execute(db);
      const want = (keep: (n: number) => boolean) => Array.from({ length: 40 }, (_, i) => 40 - i).filter(keep).map((n) => `https://b.test/${n}`);
      const all = async (query: Omit<Parameters<typeof find>[1], 'workspaceId'>, postgresWalkDocs: number) => {
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const result = await find(db, { workspaceId: 'local', ...query, limit: 2, cursor }, { postgresWalkDocs });
          seen.push(...result.items.map((item) => item.link.url));
          cursor = result.nextCursor;
        } while (cursor);
        return seen;
      };
      for (const postgresWalkDocs of [1, 2, 1000]) {
        expect(await all({ text: 'rare' }, postgresWalkDocs)).toEqual(want((n) => n % 5 === 0));
        expect(await all({ tags: ['odd'], text: 'rare' }, postgresWalkDocs)).toEqual(want((n) => n % 5 === 0 && n % 2 === 1));
        expect(await all({ tags: ['odd', 'third'] }, postgresWalkDocs)).toEqual(want((n) => n % 2 === 1 && n % 3 === 0));
        expect(await all({ tags: ['odd', 'third'], text: 'rare' }, postgresWalkDocs)).toEqual(want((n) => n % 30 === 15));
      }
    });

    it('migration 0010 gives the documents written before it their links’ tags', async () => {
      const old = await databases.open();
      try {
        const migrator = new Migrator({ db: old.db, provider: { getMigrations: async () => Migrations } });
        expect((await migrator.migrateTo('0009_postgres_search_and_seq')).error).toBeUndefined();
        const at = '2026-01-01T00:00:00.000Z';
        await sql`INSERT INTO workspaces (id, platform, name, settings, created_at) VALUES ('w', 'web', null, '{}', ${at})`.execute(old.db);
        const rows: Array<[string, number, string[], string]> = [
          ['one', 1, ['news', 'rust'], 'memory safety without a collector'],
          ['two', 2, ['news'], 'memory of an old newspaper'],
          ['three', 3, [], 'memory lane'],
        ];
        for (const [id, seq, tags, text] of rows) {
          await sql`INSERT INTO links (id, workspace_id, url, created_at, updated_at, seq, latest_snapshot_id, public) VALUES (${id}, 'w', ${`https://${id}.test/`}, ${at}, ${at}, ${seq}, ${`s-${id}`}, 1)`.execute(old.db);
          await sql`INSERT INTO snapshots (id, link_id, workspace_id, url, status, degraded, created_at) VALUES (${`s-${id}`}, ${id}, 'w', 'u', 'done', 0, ${at})`.execute(old.db);
          for (const tag of tags) await sql`INSERT INTO link_tags (link_id, tag, workspace_id, seq) VALUES (${id}, ${tag}, 'w', ${seq})`.execute(old.db);
          await (backend === 'postgres'
            ? sql`INSERT INTO link_search (seq, scope, folded) VALUES (${seq}, 'w', ${text})`
            : sql`INSERT INTO link_search (rowid, scope, title, description, url, text) VALUES (${seq}, '<w>', '', '', ${`https://${id}.test/`}, ${text})`
          ).execute(old.db);
        }
        expect((await migrateToLatest(old.db)).applied).toEqual(Object.keys(Migrations).filter((name) => name > '0009_postgres_search_and_seq'));
        const found = async (tags: string[], text: string) => (await find(old.db, { workspaceId: 'w', tags, text })).items.map((item) => item.link.id);
        expect(await found(['news'], 'memory')).toEqual(['two', 'one']);
        expect(await found(['news', 'rust'], 'memory')).toEqual(['one']);
        expect(await found(['rust'], 'newspaper')).toEqual([]);
        expect(await found([], 'lane')).toEqual(['three']);
        const stored = backend === 'postgres'
          ? (await sql<{ seq: number; tags: string[] }>`SELECT seq, tags FROM link_search ORDER BY seq`.execute(old.db)).rows.map((row) => [...row.tags].sort().join(' '))
          : (await sql<{ seq: number; tags: string }>`SELECT rowid AS seq, tags FROM link_search ORDER BY rowid`.execute(old.db)).rows.map((row) => row.tags);
        expect(stored).toEqual(backend === 'postgres' ? ['news rust', 'news', ''] : [tagTokens('w', ['news', 'rust']), tagTokens('w', ['news']), '']);
      } finally {
        await old.close();
      }
    });

    it('returns snapshots with their artifacts and links with their tags', async () => {
      const link = await upsertLink(db, 'local', 'https://h.test/');
      const snapshot = await createSnapshot(db, { workspaceId: 'local', linkId: link.id, url: link.url });
      await addTags(db, 'local', link.id, ['b', 'a']);
      await completeSnapshot(db, snapshot.id, { title: 'Home' }, [{ kind: 'thumbnail', sha256: 'f'.repeat(64), size: 9, mime: 'image/webp' }], {
        title: 'Home', description: null, url: link.url, text: '',
      });
      const [item] = (await find(db, { workspaceId: 'local', text: 'home' })).items;
      expect(item.link).toMatchObject({ id: link.id, tags: ['a', 'b'] });
      expect(item.snapshot).toMatchObject({ id: snapshot.id, status: 'done', title: 'Home' });
      expect(item.snapshot.artifacts.thumbnail).toEqual({ kind: 'thumbnail', sha256: 'f'.repeat(64), size: 9, mime: 'image/webp' });
    });
  });
});
