// The notices outbox and channel digests on a real store: a notice is written once per key, posted
// once even when two bot processes look at the same time, retried with backoff after a transient
// failure and given up at once after a permanent one, and left for the process that runs its
// workspace's shard. Digests: one post a channel and period, grouped by tag as the channel sees
// tags, nothing for an empty period, weekly ones on Mondays. On SQLite and on Postgres.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { postDigests } from '../src/core/digests.js';
import { createMemoryLogger } from '../src/core/logger.js';
import { NoticeDelivery } from '../src/core/notices.js';
import type { Notice } from '../src/core/types.js';
import { addTags, completeSnapshot, createShare, createSnapshot, ensureWorkspace, migrateToLatest, updateSettings, upsertLink, type Db } from '../src/storage/index.js';
import { listNotices } from '../src/storage/notices.js';
import { createServiceStore } from '../src/storage/service-store.js';
import { Backends, backendFixture } from './helpers/databases.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const Policy = { maxAttempts: 3, firstDelayMs: 60_000, maxDelayMs: 3_600_000 };
const change = (i: number) => ({
  kind: 'watch-failing' as const,
  watchId: `w${i}`,
  linkId: `l${i}`,
  url: `https://example.test/${i}`,
  failures: 3,
  error: 'no such host',
  locale: null,
});

describe.each(Backends)('notices on %s', (backend) => {
  const databases = backendFixture(backend);

  async function twoConnections() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'linksnap-notices-'));
    dirs.push(dir);
    const file = path.join(dir, 'linksnap.db');
    const first = await databases.open(file);
    await migrateToLatest(first.db);
    const second = backend === 'sqlite' ? await databases.open(file) : { db: first.db, close: async () => undefined };
    return { first, second };
  }

  it('posts each notice once between two processes, and writes a key once', async () => {
    const { first, second } = await twoConnections();
    try {
      await ensureWorkspace(first.db, { id: 'slack:T1', platform: 'slack' });
      const logger = createMemoryLogger();
      const a = new NoticeDelivery({ store: createServiceStore(first.db), logger, pollMs: 0, policy: Policy });
      const b = new NoticeDelivery({ store: createServiceStore(second.db), logger, pollMs: 0, policy: Policy });
      const posted: Array<{ by: string; notice: Notice }> = [];
      a.subscribe('slack', async (notice) => void posted.push({ by: 'a', notice }));
      b.subscribe('slack', async (notice) => void posted.push({ by: 'b', notice }));
      for (let i = 0; i < 30; i++) {
        expect(await a.add({ workspaceId: 'slack:T1', platform: 'slack', channelId: 'C1', dedupKey: `k${i}`, payload: change(i) })).toBe(true);
      }
      expect(await b.add({ workspaceId: 'slack:T1', platform: 'slack', channelId: 'C1', dedupKey: 'k0', payload: change(0) })).toBe(false);
      await Promise.all([a.deliverDue(), b.deliverDue(), a.deliverDue(), b.deliverDue()]);
      const keys = posted.map((entry) => (entry.notice.payload as { watchId: string }).watchId);
      expect(keys.sort()).toEqual(Array.from({ length: 30 }, (_, i) => `w${i}`).sort());
      expect((await listNotices(first.db, 'slack:T1')).every((notice) => notice.deliveredAt !== null)).toBe(true);
      a.close();
      b.close();
    } finally {
      await second.close();
      await first.close();
    }
  });

  it('backs off after a transient failure, gives up at once after a permanent one, and leaves other shards alone', async () => {
    const { first, second } = await twoConnections();
    try {
      for (const id of ['discord:g1', 'discord:g2']) await ensureWorkspace(first.db, { id, platform: 'discord' });
      let now = new Date('2026-12-06T12:00:00.000Z');
      const delivery = new NoticeDelivery({ store: createServiceStore(first.db), logger: createMemoryLogger(), pollMs: 0, policy: Policy, now: () => now });
      const tries: string[] = [];
      delivery.subscribe(
        'discord',
        async (notice) => {
          tries.push(notice.channelId);
          if (notice.channelId === 'gone') throw Object.assign(new Error('Unknown Channel'), { permanent: true });
          if (tries.filter((channel) => channel === 'flaky').length === 1 && notice.channelId === 'flaky') throw new Error('502 Bad Gateway');
        },
        { owns: (workspaceId) => workspaceId === 'discord:g1', isPermanentFailure: (error) => (error as { permanent?: boolean }).permanent === true },
      );
      // A backlog of another shard's notices, older than this process's own, never hides them.
      for (let i = 0; i < 150; i++) await delivery.add({ workspaceId: 'discord:g2', platform: 'discord', channelId: 'backlog', dedupKey: `backlog-${i}`, payload: change(100 + i), now: new Date(now.getTime() - 60_000) });
      await delivery.add({ workspaceId: 'discord:g1', platform: 'discord', channelId: 'flaky', dedupKey: 'flaky', payload: change(1), now });
      await delivery.add({ workspaceId: 'discord:g1', platform: 'discord', channelId: 'gone', dedupKey: 'gone', payload: change(2), now });
      await delivery.add({ workspaceId: 'discord:g2', platform: 'discord', channelId: 'other-shard', dedupKey: 'other', payload: change(3), now });
      await delivery.deliverDue();
      expect(tries.sort()).toEqual(['flaky', 'gone']);
      // Not due again until the backoff passed.
      now = new Date(now.getTime() + 30_000);
      await delivery.deliverDue();
      expect(tries).toHaveLength(2);
      now = new Date(now.getTime() + 31_000);
      await delivery.deliverDue();
      expect(tries.filter((channel) => channel === 'flaky')).toHaveLength(2);
      expect(tries.filter((channel) => channel === 'gone')).toHaveLength(1);
      const stored = await listNotices(second.db, 'discord:g1');
      expect(stored.find((n) => n.channelId === 'flaky')?.deliveredAt).not.toBeNull();
      expect(stored.find((n) => n.channelId === 'gone')).toMatchObject({ deliveredAt: null });
      expect(stored.find((n) => n.channelId === 'gone')?.givenUpAt).not.toBeNull();
      // Another shard's notice waits, untried, for its own process.
      const otherShard = await listNotices(second.db, 'discord:g2', 1_000);
      expect(otherShard).toHaveLength(151);
      expect(otherShard.every((notice) => notice.deliveredAt === null && notice.givenUpAt === null)).toBe(true);
      delivery.close();
    } finally {
      await second.close();
      await first.close();
    }
  });

  it('posts one digest a channel and period, grouped by tag as the channel sees tags', async () => {
    const { first, second } = await twoConnections();
    const db: Db = first.db;
    try {
      const ws = 'discord:g-digest';
      await ensureWorkspace(db, { id: ws, platform: 'discord' });
      const monday = new Date(2026, 11, 7, 9, 0, 0); // 09:00 local on Monday 7 December 2026
      const share = async (url: string, channelId: string, hoursAgo: number, tags: Array<{ name: string; channelId: string; private: boolean }>) => {
        const at = new Date(monday.getTime() - hoursAgo * 3_600_000);
        const link = await upsertLink(db, ws, url, at);
        const snapshot = await createSnapshot(db, { workspaceId: ws, linkId: link.id, url, now: at });
        await completeSnapshot(db, snapshot.id, { title: `Title of ${url}`, capturedAt: at.toISOString() }, [], { title: null, description: null, url, text: 'x' });
        await createShare(db, { workspaceId: ws, linkId: link.id, snapshotId: snapshot.id, platform: 'discord', userId: 'u', userName: null, channelId, channelName: `Zulu ${channelId}`, channelPrivate: false, messageId: `m-${url}`, auto: true, messageText: null, replyTo: null, createdAt: at });
        // The channel's name is a tag of every link captured there (as auto-capture gives it): a digest does not group by it.
        for (const tag of [...tags, { name: `Zulu ${channelId}`, channelId, private: false }]) await addTags(db, ws, link.id, [tag.name], { channelId: tag.channelId, private: tag.private });
      };
      await share('https://a.test/1', 'c-daily', 2, [{ name: 'ships', channelId: 'c-daily', private: false }]);
      await share('https://a.test/2', 'c-daily', 5, [{ name: 'ships', channelId: 'c-daily', private: false }, { name: 'secret', channelId: 'c-private', private: true }]);
      // Tagged only in a private channel the digest's channel cannot see: listed, but untagged here.
      await share('https://a.test/3', 'c-daily', 8, [{ name: 'secret', channelId: 'c-private', private: true }]);
      await share('https://a.test/old', 'c-daily', 30, [{ name: 'ships', channelId: 'c-daily', private: false }]);
      await share('https://a.test/week', 'c-weekly', 100, [{ name: 'weather', channelId: 'c-weekly', private: false }]);
      await updateSettings(db, ws, { digests: { 'c-daily': 'daily', 'c-weekly': 'weekly', 'c-empty': 'daily' } });

      const delivery = new NoticeDelivery({ store: createServiceStore(db), logger: createMemoryLogger(), pollMs: 0 });
      const deps = { ...createServiceStore(db), notices: delivery };
      expect(await postDigests(deps, monday)).toEqual({ posted: 2, empty: 1 });
      // The same slot again (a repeated run): nothing posted twice.
      expect(await postDigests(deps, monday)).toEqual({ posted: 0, empty: 1 });
      const notices = await listNotices(second.db, ws);
      expect(notices).toHaveLength(2);
      const daily = notices.find((n) => n.channelId === 'c-daily')!.payload as Extract<Notice['payload'], { kind: 'digest' }>;
      expect(daily).toMatchObject({ kind: 'digest', period: 'daily', total: 3 });
      expect(daily.groups.map((group) => ({ tag: group.tag, urls: group.items.map((item) => item.url) }))).toEqual([
        { tag: 'ships', urls: ['https://a.test/1', 'https://a.test/2'] },
        { tag: null, urls: ['https://a.test/3'] },
      ]);
      const weekly = notices.find((n) => n.channelId === 'c-weekly')!.payload as Extract<Notice['payload'], { kind: 'digest' }>;
      expect(weekly).toMatchObject({ period: 'weekly', total: 1, groups: [{ tag: 'weather' }] });
      // Tuesday: the daily digest only.
      const tuesday = new Date(monday.getTime() + 86_400_000);
      expect(await postDigests(deps, tuesday)).toEqual({ posted: 0, empty: 2 });
      delivery.close();
    } finally {
      await second.close();
      await first.close();
    }
  });
});
