// One visibility rule, two evaluators: the SQL that searches and counts use, and the TypeScript
// check for rows in memory. Random shares and tags in public and private channels, random viewers:
// both must pick the same rows. Then the privacy cases the rule exists for, through the store.
import { Migrator, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Platform, Viewer } from '../src/core/types.js';
import { channelAudience, isVisible, PublicViewer, sharePlace } from '../src/core/visibility.js';
import {
  addTags,
  completeSnapshot,
  createShare,
  createSnapshot,
  ensureWorkspace,
  find,
  firstShareVisibleTo,
  getLink,
  listShares,
  listTags,
  migrateToLatest,
  Migrations,
  placedVisibleTo,
  setChannelPrivacy,
  setTags,
  shareColumns,
  tagColumns,
  upsertLink,
  visibleTo,
  type Db,
} from '../src/storage/index.js';
import { Backends, backendFixture, type TestDatabase } from './helpers/databases.js';

describe.each(Backends)('on %s', (backend) => {
  const databases = backendFixture(backend);

  const W = 'discord:1';
  let handle: TestDatabase;
  let db: Db;

  beforeEach(async () => {
    handle = await databases.open();
    db = handle.db;
    await migrateToLatest(db);
    await ensureWorkspace(db, { id: W, platform: 'discord' });
  });
  afterEach(async () => {
    await handle.close();
  });

  /** Deterministic, so a failure shows the same case again. */
  function prng(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
      state = (state * 1_664_525 + 1_013_904_223) >>> 0;
      return state / 2 ** 32;
    };
  }

  interface ShareSpec {
    channelId: string | null;
    channelPrivate: boolean;
    platform: Platform;
    tags: string[];
    messageId?: string;
    userId?: string;
  }

  /** A captured link with its shares, tags given with each share at its place, as snap() does. */
  async function sharedLink(url: string, shares: ShareSpec[]): Promise<string> {
    const link = await upsertLink(db, W, url);
    const snapshot = await createSnapshot(db, { workspaceId: W, linkId: link.id, url: link.url });
    let at = Date.parse('2026-01-01T00:00:00Z');
    for (const spec of shares) {
      if (spec.tags.length) await addTags(db, W, link.id, spec.tags, { channelId: spec.channelId, private: spec.channelPrivate });
      await createShare(db, {
        workspaceId: W,
        linkId: link.id,
        snapshotId: snapshot.id,
        platform: spec.platform,
        userId: spec.userId ?? 'u1',
        channelId: spec.channelId,
        channelPrivate: spec.channelPrivate,
        messageId: spec.messageId ?? null,
        createdAt: new Date((at += 60_000)),
      });
    }
    await completeSnapshot(db, snapshot.id, { title: url }, [], { title: url, description: null, url, text: 'page text' });
    return link.id;
  }

  describe('the visibility rule in SQL and in TypeScript', () => {
    it('selects the same shares, tags and links for random channels and viewers', async () => {
      const random = prng(20261203);
      const channels = ['c1', 'c2', 'c3', 'c4', 'c5'];
      // A channel's privacy is one fact at a time (a new share updates earlier ones), so draw it per channel.
      const privateChannel = new Map(channels.map((id) => [id, random() < 0.5]));
      const pick = <T,>(items: T[]) => items[Math.floor(random() * items.length)];
      for (let i = 0; i < 30; i += 1) {
        const shares: ShareSpec[] = [];
        const count = 1 + Math.floor(random() * 3);
        for (let j = 0; j < count; j += 1) {
          const web = random() < 0.15;
          const channelId = web ? null : pick(channels);
          shares.push({
            platform: web ? 'web' : 'discord',
            channelId,
            channelPrivate: channelId ? privateChannel.get(channelId)! : false,
            tags: [pick(['alpha', 'beta', 'gamma']), pick(['delta', 'beta'])],
          });
        }
        await sharedLink(`https://v.test/${i}`, shares);
      }
      const viewers: Array<Viewer | null> = [null, PublicViewer, { channelIds: ['c1'] }, { channelIds: ['c2', 'c4'] }, { channelIds: channels }, { channelIds: ['nope'] }];
      for (let v = 0; v < 20; v += 1) viewers.push({ channelIds: channels.filter(() => random() < 0.4) });

      const allShares = await db.selectFrom('shares').selectAll().execute();
      const allTags = await db.selectFrom('link_tags').selectAll().execute();
      const allLinks = await db.selectFrom('links').select(['id']).execute();
      for (const viewer of viewers) {
        const sqlShares = await db.selectFrom('shares as s').select('s.id').where(placedVisibleTo(shareColumns('s'), viewer)).execute();
        const tsShares = allShares.filter((row) => isVisible({ public: row.channel_private === 0, channelId: row.channel_id }, viewer));
        expect(sqlShares.map((row) => row.id).sort()).toEqual(tsShares.map((row) => row.id).sort());

        const sqlTags = await db.selectFrom('link_tags as t').select(['t.link_id', 't.tag', 't.channel_id']).where(placedVisibleTo(tagColumns('t'), viewer)).execute();
        const tsTags = allTags.filter((row) => isVisible({ public: row.public === 1, channelId: row.channel_id || null }, viewer));
        const key = (row: { link_id: string; tag: string; channel_id: string }) => `${row.link_id}/${row.tag}/${row.channel_id}`;
        expect(sqlTags.map(key).sort()).toEqual(tsTags.map(key).sort());

        if (viewer === null) continue;
        const sqlLinks = await db.selectFrom('links as l').select('l.id').where(visibleTo(viewer)).execute();
        const tsLinks = [];
        for (const link of allLinks) {
          const shares = await listShares(db, W, link.id);
          if (shares.some((share) => isVisible(sharePlace(share), viewer))) tsLinks.push(link.id);
        }
        expect(sqlLinks.map((row) => row.id).sort()).toEqual(tsLinks.sort());

        // /tags counts: links visible to the viewer through a tag row they can see, each link once.
        const counts = new Map<string, Set<string>>();
        for (const row of tsTags) {
          if (!tsLinks.includes(row.link_id)) continue;
          counts.set(row.tag, (counts.get(row.tag) ?? new Set()).add(row.link_id));
        }
        const expected = [...counts].map(([tag, links]) => ({ tag, count: links.size })).sort((a, b) => b.count - a.count || (a.tag < b.tag ? -1 : 1));
        expect(await listTags(db, W, viewer)).toEqual(expected);
      }
      // The draw reached both kinds of channel, so neither clause went untested.
      expect(new Set(privateChannel.values()).size).toBe(2);
    });
  });

  describe('private tags stay private', () => {
    const general = { platform: 'discord' as const, channelId: 'general', channelPrivate: false };
    const falcon = { platform: 'discord' as const, channelId: 'falcon', channelPrivate: true };

    it('hides tags given in a private channel from find, counts, cards and signed pages of non-members', async () => {
      const linkId = await sharedLink('https://deal.test/', [
        { ...general, tags: ['news'] },
        { ...falcon, tags: ['acquisition-falcon', 'secret'] },
      ]);
      const outsider: Viewer = { channelIds: ['general'] };
      const member: Viewer = { channelIds: ['general', 'falcon'] };

      // The link itself is public (shared in #general), its private tags are not.
      const seen = await find(db, { workspaceId: W, viewer: outsider });
      expect(seen.items.map((item) => item.link.tags)).toEqual([['news']]);
      expect((await find(db, { workspaceId: W, tags: ['acquisition-falcon'], viewer: outsider })).items).toEqual([]);
      expect((await find(db, { workspaceId: W, tags: ['news', 'secret'], viewer: outsider })).items).toEqual([]);
      expect((await find(db, { workspaceId: W, tags: ['secret'], text: 'page', viewer: outsider })).items).toEqual([]);
      expect(await listTags(db, W, outsider)).toEqual([{ tag: 'news', count: 1 }]);
      expect((await getLink(db, W, linkId, channelAudience('general'))).tags).toEqual(['news']);
      expect((await getLink(db, W, linkId, PublicViewer)).tags).toEqual(['news']);

      // Members of the private channel see them, and a card posted there shows them.
      expect((await find(db, { workspaceId: W, tags: ['acquisition-falcon'], viewer: member })).items).toHaveLength(1);
      expect((await listTags(db, W, member)).map((entry) => entry.tag).sort()).toEqual(['acquisition-falcon', 'news', 'secret']);
      expect((await getLink(db, W, linkId, channelAudience('falcon'))).tags).toEqual(['acquisition-falcon', 'news', 'secret']);
      expect((await getLink(db, W, linkId, null)).tags).toEqual(['acquisition-falcon', 'news', 'secret']);
    });

    it('lists a link once when the same tag was given in two places the viewer sees', async () => {
      const linkId = await sharedLink('https://twice.test/', [
        { ...general, tags: ['shared'] },
        { ...falcon, tags: ['shared'] },
      ]);
      const member: Viewer = { channelIds: ['general', 'falcon'] };
      expect((await find(db, { workspaceId: W, tags: ['shared'], viewer: member })).items).toHaveLength(1);
      expect((await find(db, { workspaceId: W, tags: ['shared'] })).items).toHaveLength(1);
      expect(await listTags(db, W, member)).toEqual([{ tag: 'shared', count: 1 }]);
      expect((await getLink(db, W, linkId, member)).tags).toEqual(['shared']);
    });

    it('a retag changes only the tags its author can see and gives new ones at their place', async () => {
      const linkId = await sharedLink('https://retag.test/', [
        { ...general, tags: ['news'] },
        { ...falcon, tags: ['secret'] },
      ]);
      await setTags(db, W, linkId, ['world'], { channelId: 'general', private: false }, { channelIds: ['general'] });
      expect((await getLink(db, W, linkId, channelAudience('general'))).tags).toEqual(['world']);
      // The private tag the retagger could not see is still there for the channel's members.
      expect((await getLink(db, W, linkId, null)).tags).toEqual(['secret', 'world']);
    });

    it('follows a channel made private later, and made public again', async () => {
      const linkId = await sharedLink('https://later.test/', [{ ...general, channelId: 'ops', tags: ['ops-notes'] }]);
      const outsider: Viewer = { channelIds: ['general'] };
      expect((await find(db, { workspaceId: W, viewer: outsider })).items).toHaveLength(1);

      expect(await setChannelPrivacy(db, W, 'ops', true)).toBe(1);
      expect((await find(db, { workspaceId: W, viewer: outsider })).items).toEqual([]);
      expect(await listTags(db, W, outsider)).toEqual([]);
      expect((await getLink(db, W, linkId, PublicViewer)).tags).toEqual([]);
      expect((await find(db, { workspaceId: W, viewer: { channelIds: ['ops'] } })).items).toHaveLength(1);

      await setChannelPrivacy(db, W, 'ops', false);
      expect((await find(db, { workspaceId: W, tags: ['ops-notes'], viewer: outsider })).items).toHaveLength(1);
    });

    it('a new share reports its channel privacy for the shares made there before', async () => {
      await sharedLink('https://a.test/', [{ ...general, channelId: 'room', tags: ['a'] }]);
      // Another link shared in the same channel, now reported private (the adapter saw the change).
      await sharedLink('https://b.test/', [{ ...falcon, channelId: 'room', tags: ['b'] }]);
      const outsider: Viewer = { channelIds: ['general'] };
      expect((await find(db, { workspaceId: W, viewer: outsider })).items).toEqual([]);
    });

    it('names an earlier share only when the viewer may see it, never one from the same message', async () => {
      const linkId = await sharedLink('https://first.test/', [
        { ...falcon, tags: [], messageId: 'm1', userId: 'spy' },
        { ...general, tags: [], messageId: 'm2' },
        { ...general, tags: [], messageId: 'm2' },
      ]);
      const shares = await listShares(db, W, linkId);
      const current = shares[2];
      const except = { shareId: current.id, channelId: current.channelId, messageId: current.messageId };
      expect(await firstShareVisibleTo(db, W, linkId, { channelIds: ['general'] }, except)).toBeNull();
      expect((await firstShareVisibleTo(db, W, linkId, { channelIds: ['general', 'falcon'] }, except))?.userId).toBe('spy');
      expect((await firstShareVisibleTo(db, W, linkId, null, null))?.id).toBe(shares[0].id);
    });
  });

  describe('migration 0004 places the tags given before it', () => {
    it('puts a private channel name tag and the tags of private-only links in their channel', async () => {
      const old = await databases.open();
      try {
        const migrator = new Migrator({ db: old.db, provider: { getMigrations: async () => Migrations } });
        expect((await migrator.migrateTo('0003_link_checks')).error).toBeUndefined();
        const at = '2026-01-01T00:00:00.000Z';
        await sql`INSERT INTO workspaces (id, platform, name, settings, created_at) VALUES ('w', 'discord', null, '{}', ${at})`.execute(old.db);
        const rows: Array<[string, number, string, number, string]> = [
          ['public-link', 1, 'general', 0, 'general'],
          ['private-link', 0, 'falcon', 1, 'falcon'],
        ];
        for (const [id, isPublic, channel, isPrivate, name] of rows) {
          await sql`INSERT INTO links (id, workspace_id, url, created_at, updated_at, seq, latest_snapshot_id, public) VALUES (${id}, 'w', ${`https://${id}.test/`}, ${at}, ${at}, ${id === 'public-link' ? 1 : 2}, null, ${isPublic})`.execute(old.db);
          await sql`INSERT INTO snapshots (id, link_id, workspace_id, url, status, degraded, created_at) VALUES (${`s-${id}`}, ${id}, 'w', 'u', 'done', 0, ${at})`.execute(old.db);
          await sql`INSERT INTO shares (id, workspace_id, link_id, snapshot_id, platform, user_id, channel_id, channel_name, channel_private, auto, created_at) VALUES (${`sh-${id}`}, 'w', ${id}, ${`s-${id}`}, 'discord', 'u', ${channel}, ${name}, ${isPrivate}, 1, ${at})`.execute(old.db);
        }
        // The public link was also posted in private #falcon, which tagged it with the channel's name.
        await sql`INSERT INTO shares (id, workspace_id, link_id, snapshot_id, platform, user_id, channel_id, channel_name, channel_private, auto, created_at) VALUES ('sh-2', 'w', 'public-link', 's-public-link', 'discord', 'u', 'falcon', 'Falcon', 1, 1, ${at})`.execute(old.db);
        for (const [linkId, tag, seq] of [['public-link', 'news', 1], ['public-link', 'falcon', 1], ['private-link', 'plans', 2]] as const) {
          await sql`INSERT INTO link_tags (link_id, tag, workspace_id, seq) VALUES (${linkId}, ${tag}, 'w', ${seq})`.execute(old.db);
        }
        expect((await migrateToLatest(old.db)).applied).toEqual(Object.keys(Migrations).filter((name) => name >= '0004_tag_places'));
        const placed = await old.db.selectFrom('link_tags').select(['link_id', 'tag', 'channel_id', 'public']).orderBy('tag').execute();
        expect(placed).toEqual([
          { link_id: 'public-link', tag: 'falcon', channel_id: 'falcon', public: 0 },
          { link_id: 'public-link', tag: 'news', channel_id: '', public: 1 },
          { link_id: 'private-link', tag: 'plans', channel_id: 'falcon', public: 0 },
        ]);
      } finally {
        await old.close();
      }
    });
  });
});
