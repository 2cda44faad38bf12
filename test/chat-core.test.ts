// The shared conversation driven through a recording port: no Chromium, no platform, the real
// service over a real SQLite file. Captures are finished by writing the snapshot row and
// publishing the event, exactly as the job runner does after a capture.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FairUse } from '../src/core/chat/fair-use.js';
import { onMessageDeleted } from '../src/core/chat/message-deleted.js';
import { MessageProgress } from '../src/core/chat/message-progress.js';
import { onMessagePosted, type ChatDeps, type PostedMessage } from '../src/core/chat/message-posted.js';
import { ChatPolicy } from '../src/core/chat/policy.js';
import type { AutoTarget, ChatPlace, ChatPort, MessageRef, ProgressMark } from '../src/core/chat/port.js';
import { capturesIn, channelPatch, describeSettings } from '../src/core/chat/settings.js';
import { DefaultWorkspaceSettings, type Share, type Viewer } from '../src/core/types.js';
import { updateSnapshot } from '../src/storage/index.js';
import { openStoreDatabase, type StoreDatabase } from '../src/storage/open-database.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { Backends, backendFixture } from './helpers/databases.js';

describe.each(Backends)('on %s', (backend) => {
  const databases = backendFixture(backend);

  class PermanentError extends Error {}

  /** Records every call; `members` says which channels each user can read. */
  class RecordingPort implements ChatPort {
    readonly platform = 'discord' as const;
    readonly marks = new Map<string, Set<ProgressMark>>();
    readonly history: string[] = [];
    readonly told: Array<{ userId: string; text: string }> = [];
    readonly replies: string[] = [];
    readonly cards: Array<{ shareId: string; tags: string[]; note: string | null }> = [];
    members = new Map<string, string[]>();
    failWith: Error | null = null;

    async mark(message: MessageRef, mark: ProgressMark, on: boolean): Promise<void> {
      if (this.failWith) throw this.failWith;
      const set = this.marks.get(message.messageId) ?? new Set<ProgressMark>();
      if (on) set.add(mark);
      else set.delete(mark);
      this.marks.set(message.messageId, set);
      this.history.push(`${message.messageId} ${on ? '+' : '-'}${mark}`);
    }
    async tell(target: { userId: string }, text: string): Promise<void> {
      this.told.push({ userId: target.userId, text });
    }
    async reply(_target: unknown, text: string): Promise<void> {
      this.replies.push(text);
    }
    async postCard(_target: AutoTarget, card: { share: Share; link: { tags: string[] }; note: string | null }): Promise<void> {
      this.cards.push({ shareId: card.share.id, tags: card.link.tags, note: card.note });
    }
    async viewerOf(userId: string): Promise<Viewer | null> {
      return { channelIds: this.members.get(userId) ?? [] };
    }
    autoTarget(replyTo: unknown): AutoTarget | null {
      const value = replyTo as { kind?: string; channelId: string; messageId: string; userId: string; locale: string; replyInThread: boolean } | null;
      if (value?.kind !== 'fake-auto') return null;
      const message = { channelId: value.channelId, messageId: value.messageId };
      return { message, threadOf: message, userId: value.userId, locale: value.locale, replyInThread: value.replyInThread };
    }
    isEmoji(reaction: string, emoji: string): boolean {
      return reaction === emoji;
    }
    isPermanentFailure(error: unknown): boolean {
      return error instanceof PermanentError;
    }
    words = {
      user: (userId: string) => `@${userId}`,
      channel: (channelId: string | null) => (channelId ? `#${channelId}` : 'a DM'),
    };
    has(messageId: string, mark: ProgressMark): boolean {
      return this.marks.get(messageId)?.has(mark) ?? false;
    }
  }

  let t: TestApp;
  let db: StoreDatabase;
  let port: RecordingPort;
  let deps: ChatDeps;
  let sequence = 0;

  beforeAll(async () => {
    t = await startTestApp({ captures: false, env: await databases.env() });
    db = openStoreDatabase(t.config);
  });
  afterAll(async () => {
    await db?.close();
    await t?.close();
  });
  beforeEach(() => {
    port = new RecordingPort();
    port.members.set('alice', ['general']);
    port.members.set('bob', ['general', 'falcon']);
    deps = {
      service: t.service,
      port,
      fairUse: new FairUse(),
      progress: new MessageProgress({ service: t.service, port, logger: t.logger }),
      logger: t.logger,
      snapshotUrl: (snapshot) => `http://linksnap.test/s/${snapshot.id}`,
    };
    t.service.subscribe('discord', async (event) => {
      await deps.progress.handle(event);
    });
  });

  function place(channelId: string, options: Partial<ChatPlace> = {}): ChatPlace {
    return { workspace: { id: 'discord:g1', platform: 'discord' }, channelId, channelName: channelId, private: false, direct: false, settingsChannelId: channelId, ...options };
  }

  function posted(where: ChatPlace, userId: string, urls: string[], hashtags: string[] = []): PostedMessage {
    const message = { channelId: where.channelId, messageId: `m${++sequence}` };
    return {
      place: where,
      message,
      threadOf: message,
      author: { id: userId, name: userId },
      urls,
      hashtags,
      locale: 'en',
      text: urls.join(' '),
      replyTo: (answer) => ({ kind: 'fake-auto', ...message, userId, ...answer }),
    };
  }

  async function finish(snapshotId: string, status: 'done' | 'failed'): Promise<void> {
    await updateSnapshot(db.db, snapshotId, status === 'done' ? { status, title: 'Page', capturedAt: new Date().toISOString() } : { status, error: 'gone', errorCode: 'http_error' });
    await t.service.events.publish(snapshotId, status);
  }

  async function until(check: () => boolean): Promise<void> {
    for (let i = 0; i < 200 && !check(); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(check()).toBe(true);
  }

  const url = (path: string) => `http://127.0.0.1:4567/${path}`;

  describe('progress of a message with several links', () => {
    it('keeps ⏳ until the last link ended, then leaves 📸 and ⚠️', async () => {
      const message = posted(place('general'), 'alice', [url('p/one'), url('p/two')]);
      const outcome = await onMessagePosted(deps, message);
      expect(outcome!.accepted).toHaveLength(2);
      const id = message.message.messageId;
      expect(port.has(id, 'capturing')).toBe(true);

      await finish(outcome!.accepted[0].snapshot.id, 'done');
      await until(() => port.has(id, 'done'));
      expect(port.has(id, 'capturing')).toBe(true);

      await finish(outcome!.accepted[1].snapshot.id, 'failed');
      await until(() => !port.has(id, 'capturing'));
      expect(port.has(id, 'done')).toBe(true);
      expect(port.has(id, 'failed')).toBe(true);
      expect(port.history.filter((entry) => entry === `${id} +capturing`)).toHaveLength(1);
      // The failed link's reason reaches the poster (explain failures is on by default).
      expect(port.told).toEqual([expect.objectContaining({ userId: 'alice', text: expect.stringContaining('Could not capture http://127.0.0.1:4567/p/two') })]);
    });

    it('keeps quiet about a failure when the workspace turned explanations off, but still marks ⚠️', async () => {
      await t.service.updateSettings('discord:g1', { explainFailures: false });
      try {
        const message = posted(place('general'), 'alice', [url('p/quiet-failure'), 'http://[::1]:1/']);
        const outcome = await onMessagePosted(deps, message);
        await finish(outcome!.accepted[0].snapshot.id, 'failed');
        await until(() => !port.has(message.message.messageId, 'capturing'));
        expect(port.has(message.message.messageId, 'failed')).toBe(true);
        expect(port.told).toEqual([]);
      } finally {
        await t.service.updateSettings('discord:g1', { explainFailures: true });
      }
    });

    it('forgets what a deleted message captured, unless the workspace keeps it', async () => {
      const message = posted(place('general'), 'alice', [url('p/deleted')]);
      const outcome = await onMessagePosted(deps, message);
      const linkId = outcome!.accepted[0].link.id;
      await t.service.updateSettings('discord:g1', { forgetOnDelete: false });
      expect(await onMessageDeleted(deps, { workspaceId: 'discord:g1', ...message.message })).toEqual([]);
      await t.service.updateSettings('discord:g1', { forgetOnDelete: true });
      expect(await onMessageDeleted(deps, { workspaceId: 'discord:g1', ...message.message })).toEqual([linkId]);
      await expect(t.service.getLink('discord:g1', linkId)).rejects.toThrow();
    });

    it('gives up on a message that cannot be answered any more, and retries a transient failure', async () => {
      const message = posted(place('general'), 'alice', [url('p/gone')]);
      const outcome = await onMessagePosted(deps, message);
      const share = outcome!.accepted[0].share;
      const snapshot = outcome!.accepted[0].snapshot;
      await updateSnapshot(db.db, snapshot.id, { status: 'done' });
      const done = { ...snapshot, status: 'done' as const };
      port.failWith = new PermanentError('Unknown Message');
      await expect(deps.progress.handle({ type: 'done', share, snapshot: done })).resolves.toBe(true);
      port.failWith = new Error('socket hang up');
      await expect(deps.progress.handle({ type: 'done', share, snapshot: done })).rejects.toThrow('socket hang up');
      port.failWith = null;
    });
  });

  describe('a refused link', () => {
    it('gets ⚠️ and a reason for the poster, and no ⏳ is left behind', async () => {
      const message = posted(place('general'), 'alice', ['http://[::1]:8080/admin']);
      const outcome = await onMessagePosted(deps, message);
      expect(outcome!.accepted).toEqual([]);
      expect(outcome!.refused).toHaveLength(1);
      const id = message.message.messageId;
      expect(port.has(id, 'failed')).toBe(true);
      expect(port.has(id, 'capturing')).toBe(false);
      expect(port.told).toHaveLength(1);
      expect(port.told[0].userId).toBe('alice');
      expect(port.told[0].text).toContain('http://[::1]:8080/admin');
    });
  });

  describe('re-posts', () => {
    it('shows 🔁 only when an earlier share the poster can see exists', async () => {
      const secret = url('p/secret');
      await onMessagePosted(deps, posted(place('falcon', { private: true }), 'bob', [secret]));
      const byAlice = posted(place('general'), 'alice', [secret]);
      await onMessagePosted(deps, byAlice);
      expect(port.has(byAlice.message.messageId, 'repost')).toBe(false);

      const byBob = posted(place('general'), 'bob', [secret]);
      await onMessagePosted(deps, byBob);
      // Bob reads #falcon; and alice's post in #general is now visible to everyone.
      expect(port.has(byBob.message.messageId, 'repost')).toBe(true);
      const again = posted(place('general'), 'alice', [secret]);
      await onMessagePosted(deps, again);
      expect(port.has(again.message.messageId, 'repost')).toBe(true);
    });

    it('a reply names only a share everyone in the channel can see', async () => {
      await t.service.updateSettings('discord:g1', { duplicateNotice: 'reply' });
      try {
        const secret = url('p/secret-reply');
        await onMessagePosted(deps, posted(place('falcon', { private: true }), 'bob', [secret]));
        await onMessagePosted(deps, posted(place('general'), 'bob', [secret]));
        // Bob can see the #falcon share, but the reply would be read in #general: it names bob's #general post only after it exists.
        expect(port.replies).toEqual([]);
        await onMessagePosted(deps, posted(place('general'), 'alice', [secret]));
        expect(port.replies).toHaveLength(1);
        expect(port.replies[0]).toContain('#general');
        expect(port.replies[0]).not.toContain('#falcon');
      } finally {
        await t.service.updateSettings('discord:g1', { duplicateNotice: 'reaction' });
      }
    });
  });

  describe('private tags on cards', () => {
    it('a card in #general shows no tag given in a private channel', async () => {
      await t.service.updateSettings('discord:g1', { replyInThread: true });
      try {
        const page = url('p/deal');
        const first = await onMessagePosted(deps, posted(place('general'), 'alice', [page], ['news']));
        await finish(first!.accepted[0].snapshot.id, 'done');
        await until(() => port.cards.length === 1);
        const inFalcon = await onMessagePosted(deps, posted(place('acquisition-falcon', { private: true }), 'bob', [page], ['secret']));
        const again = await onMessagePosted(deps, posted(place('general'), 'alice', [page], []));
        expect(inFalcon!.accepted[0].deduplicated).toBe(true);
        await until(() => port.cards.length === 3);
        const card = (shareId: string) => port.cards.find((entry) => entry.shareId === shareId)!;
        expect(card(again!.accepted[0].share.id).tags).toEqual(['general', 'news']);
        expect(card(inFalcon!.accepted[0].share.id).tags).toEqual(['acquisition-falcon', 'general', 'news', 'secret']);
        // Who shared it first is named on the private channel's card, where #general is visible to all.
        expect(card(inFalcon!.accepted[0].share.id).note).toContain('@alice');
        const tags = await t.service.listTags('discord:g1', { channelIds: ['general'] });
        expect(tags.map((entry) => entry.tag)).not.toContain('secret');
        expect(tags.map((entry) => entry.tag)).not.toContain('acquisition-falcon');
      } finally {
        await t.service.updateSettings('discord:g1', { replyInThread: false });
      }
    });
  });

  describe('limits', () => {
    it('queues at most the policy number of links from one message', async () => {
      const urls = Array.from({ length: ChatPolicy.linksPerMessage + 5 }, (_, i) => url(`cap/${i}`));
      const outcome = await onMessagePosted(deps, posted(place('general'), 'carol', urls));
      expect(outcome!.accepted).toHaveLength(ChatPolicy.linksPerMessage);
      expect(outcome!.skipped).toHaveLength(5);
    });

    it('bounds a flood from one user with one notice, while another user and workspace are served', async () => {
      const budget = ChatPolicy.budgets.autoCapture.perUser;
      let accepted = 0;
      for (let i = 0; i < budget; i += 1) {
        const outcome = await onMessagePosted(deps, posted(place('general'), 'flooder', [url(`flood/${i}`), url(`flood/${i}b`)]));
        accepted += outcome!.accepted.length;
      }
      expect(accepted).toBe(budget);
      expect(port.told.filter((entry) => entry.userId === 'flooder')).toHaveLength(1);
      expect(port.told[0].text).toContain(String(budget));
      const other = await onMessagePosted(deps, posted(place('general'), 'dave', [url('other/1')]));
      expect(other!.accepted).toHaveLength(1);
      const elsewhere = await onMessagePosted(deps, posted(place('general', { workspace: { id: 'discord:g2', platform: 'discord' } }), 'flooder', [url('other/2')]));
      expect(elsewhere!.accepted).toHaveLength(1);
    });
  });

  describe('settings, the same on both platforms', () => {
    it('captures a DM whatever the channel lists say, and honours lists in channels', () => {
      const settings = { ...DefaultWorkspaceSettings, autoCaptureChannels: ['c1'] };
      expect(capturesIn(settings, { direct: true, settingsChannelId: 'D1' })).toBe(true);
      expect(capturesIn(settings, { direct: false, settingsChannelId: 'c1' })).toBe(true);
      expect(capturesIn(settings, { direct: false, settingsChannelId: 'c2' })).toBe(false);
      expect(capturesIn({ ...settings, autoCapture: false }, { direct: true, settingsChannelId: 'D1' })).toBe(false);
    });

    it('adds a channel to a list, takes it off the other, and resets to all', () => {
      let settings = { ...DefaultWorkspaceSettings };
      settings = { ...settings, ...channelPatch(settings, { kind: 'include', channelIds: ['a'] }) };
      settings = { ...settings, ...channelPatch(settings, { kind: 'include', channelIds: ['b'] }) };
      expect(settings.autoCaptureChannels).toEqual(['a', 'b']);
      settings = { ...settings, ...channelPatch(settings, { kind: 'exclude', channelIds: ['a'] }) };
      expect(settings.autoCaptureChannels).toEqual(['b']);
      expect(settings.autoCaptureExcluded).toEqual(['a']);
      settings = { ...settings, ...channelPatch(settings, { kind: 'all' }) };
      expect(settings.autoCaptureChannels).toBeNull();
      expect(settings.autoCaptureExcluded).toEqual([]);
    });

    it('describes the settings in either language with the platform mentions', () => {
      const settings = { ...DefaultWorkspaceSettings, autoCaptureChannels: ['a'] };
      expect(describeSettings(settings, 'en', (id) => `<#${id}>`)).toContain('<#a>');
      expect(describeSettings(settings, 'zh-CN', (id) => `<#${id}>`)).toContain('自动保存');
    });
  });
});
