// The shared conversation's rules, seen through the real discord.js against the stand-in Discord:
// private channels keep their tags and their earlier shares to themselves, a message's ⏳ stays
// until every one of its links ended, a refused link is answered, a flood is bounded while another
// server's /snap is served, and a channel made private later hides what was shared in it.
import { PermissionFlagsBits } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatPolicy } from '../src/core/chat/policy.js';
import { startFixtureServer, type FixtureServer } from './helpers/fixture-server.js';
import type { UserPayload } from './stand-ins/discord/payloads.js';
import type { RestCall } from './stand-ins/discord/server.js';
import { opt, startDiscordWorld, type DiscordWorld } from './stand-ins/discord/harness.js';

let fixtures: FixtureServer;
let w: DiscordWorld;

beforeAll(async () => {
  fixtures = await startFixtureServer();
  w = await startDiscordWorld();
});
afterAll(async () => {
  await w?.close();
  await fixtures?.close();
});

const reactionCall = (messageId: string, emoji: string, method = 'PUT') => (call: RestCall) =>
  call.method === method && call.status === 204 && call.path.endsWith(`/messages/${messageId}/reactions/${emoji}/@me`);
const reacted = (messageId: string, emoji: string) => w.standIn.calls.some(reactionCall(messageId, emoji));

/** The answer of a slash command: its last successful edit, as JSON text. */
async function command(name: string, as: UserPayload, channelId: string, guildId: string, options: Array<{ name: string; type: number; value: unknown }>): Promise<string> {
  const handle = w.standIn.slashCommand({ name, guildId, channelId, user: as, options });
  const isEdit = (call: RestCall) => call.method === 'PATCH' && call.path.endsWith(`/${handle.token}/messages/@original`) && call.status === 200;
  const edit = await w.standIn.waitForCall(isEdit);
  return JSON.stringify(edit.body);
}

function post(as: UserPayload, channelId: string, content: string) {
  return w.standIn.postMessage({ channelId, guildId: w.a.guild.id, author: as, content });
}

describe('privacy', () => {
  it('keeps tags given in a private channel away from members who cannot read it', async () => {
    const url = fixtures.url('/article.html?deal=falcon');
    const first = post(w.a.alice, w.a.general, `${url} #news`);
    await w.standIn.waitForCall(reactionCall(first.id, '📸'));
    const inSecret = post(w.a.mod, w.a.secret, `${url} #falconplans`);
    await w.standIn.waitForCall(reactionCall(inSecret.id, '📸'));

    const tags = await command('tags', w.a.alice, w.a.general, w.a.guild.id, []);
    expect(tags).toContain('news');
    expect(tags).not.toContain('falconplans');
    expect(tags).not.toContain('#secret');
    const found = await command('find', w.a.alice, w.a.general, w.a.guild.id, [opt.string('tag', 'news')]);
    expect(found).toContain('deal=falcon');
    expect(found).not.toContain('falconplans');
    expect(await command('find', w.a.alice, w.a.general, w.a.guild.id, [opt.string('tag', 'falconplans')])).toContain('Nothing found');
    // The moderator reads #secret and sees the tag given there.
    expect(await command('find', w.a.mod, w.a.general, w.a.guild.id, [opt.string('tag', 'falconplans')])).toContain('deal=falcon');
    const link = await w.app.service.findLinkByUrl(`discord:${w.a.guild.id}`, url);
    expect((await w.app.service.listShares(`discord:${w.a.guild.id}`, link!.id)).map((share) => share.messageText)).toEqual([`${url} #news`, `${url} #falconplans`]);
  });

  it('shows 🔁 only when the poster can see an earlier share', async () => {
    const url = fixtures.url('/article.html?repost=private-first');
    const secret = post(w.a.mod, w.a.secret, url);
    await w.standIn.waitForCall(reactionCall(secret.id, '📸'));
    const byAlice = post(w.a.alice, w.a.general, url);
    await w.standIn.waitForCall(reactionCall(byAlice.id, '📸'));
    expect(reacted(byAlice.id, '🔁')).toBe(false);
    const byBob = post(w.a.bob, w.a.general, url);
    await w.standIn.waitForCall(reactionCall(byBob.id, '🔁'));
  });

  it('hides the links of a channel made private later from those who cannot read it now', async () => {
    const url = fixtures.url('/article.html?later=private');
    const posted = post(w.a.alice, w.a.random, `${url} #lateprivate`);
    await w.standIn.waitForCall(reactionCall(posted.id, '📸'));
    expect(await command('find', w.a.bob, w.a.general, w.a.guild.id, [opt.string('tag', 'lateprivate')])).toContain('later=private');

    const random = w.a.guild.channels.find((channel) => channel.id === w.a.random)!;
    const view = PermissionFlagsBits.ViewChannel.toString();
    random.permission_overwrites = [
      { id: w.a.guild.id, type: 0, allow: '0', deny: view },
      { id: w.a.alice.id, type: 1, allow: view, deny: '0' },
    ];
    w.standIn.dispatch('CHANNEL_UPDATE', { ...random, guild_id: w.a.guild.id });
    const hiddenFromBob = async () =>
      (await w.app.service.find({ workspaceId: `discord:${w.a.guild.id}`, tags: ['lateprivate'], viewer: { channelIds: [w.a.general] } })).items.length === 0;
    for (let i = 0; i < 100 && !(await hiddenFromBob()); i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await command('find', w.a.bob, w.a.general, w.a.guild.id, [opt.string('tag', 'lateprivate')])).toContain('Nothing found');
    expect(await command('find', w.a.alice, w.a.general, w.a.guild.id, [opt.string('tag', 'lateprivate')])).toContain('later=private');
  });
});

describe('progress and failures', () => {
  it('keeps ⏳ on a message with two links until both ended', async () => {
    const quick = fixtures.url('/article.html?two=quick');
    const slow = fixtures.url('/slow?ms=4000&two=slow');
    const message = post(w.a.alice, w.a.general, `${quick} and ${slow}`);
    const removed = await w.standIn.waitForCall(reactionCall(message.id, '⏳', 'DELETE'), 60_000);
    await w.standIn.waitUntil(() => w.standIn.calls.filter(reactionCall(message.id, '📸')).length === 2, 30_000, 'both captures done');
    const calls = w.standIn.calls;
    // The quick link's 📸 came while ⏳ stayed; ⏳ went once, when the slow one ended.
    expect(calls.findIndex(reactionCall(message.id, '📸'))).toBeLessThan(calls.indexOf(removed));
    expect(calls.filter(reactionCall(message.id, '⏳', 'DELETE'))).toHaveLength(1);
    const link = await w.app.service.findLinkByUrl(`discord:${w.a.guild.id}`, slow);
    expect((await w.app.service.listVersions(`discord:${w.a.guild.id}`, link!.id))[0].status).toBe('done');
  });

  it('answers a refused link with ⚠️ and the reason', async () => {
    const message = post(w.a.alice, w.a.general, 'look http://[::1]:8080/admin');
    await w.standIn.waitForCall(reactionCall(message.id, '⚠️'));
    const notice = await w.standIn.waitForCall((call) => call.method === 'POST' && call.path === `/channels/${w.a.general}/messages` && call.body.message_reference?.message_id === message.id);
    expect(notice.body.content).toContain('http://[::1]:8080/admin');
    expect(reacted(message.id, '⏳')).toBe(true);
    await w.standIn.waitForCall(reactionCall(message.id, '⏳', 'DELETE'));
  });

  it('bounds a flood from one member with one notice, while another server’s /snap is served first', async () => {
    const budget = ChatPolicy.budgets.autoCapture.perUser;
    const messages = Array.from({ length: budget + 5 }, (_, i) => post(w.a.keeper, w.a.random, fixtures.url(`/article.html?flood=${i}`)));
    await w.standIn.waitUntil(() => messages.slice(0, budget).every((m) => reacted(m.id, '⏳')), 60_000, 'the flood accepted up to its budget');
    const handle = w.standIn.slashCommand({ name: 'snap', guildId: w.b.guild.id, channelId: w.b.lobby, user: w.b.carol, options: [opt.string('url', fixtures.url('/cjk.html?other-server'))] });
    await w.standIn.waitForCall((call) => call.method === 'PATCH' && call.path.endsWith(`/${handle.token}/messages/@original`) && call.body.embeds?.length > 0, 120_000);
    const floodDone = messages.filter((m) => reacted(m.id, '📸')).length;
    // Served at the next free capture slot, not after the flood's queue.
    expect(floodDone).toBeLessThan(budget / 2);
    const notices = w.standIn.calls.filter((call) => call.method === 'POST' && call.path === `/channels/${w.a.random}/messages` && /faster than/.test(call.body.content ?? ''));
    expect(notices).toHaveLength(1);
    await w.standIn.waitUntil(() => messages.slice(budget).every((m) => !reacted(m.id, '⏳')), 5_000, 'nothing queued past the budget').catch(() => undefined);
    expect(messages.slice(budget).filter((m) => reacted(m.id, '⏳'))).toEqual([]);
  });
});

describe('curation from chat', () => {
  it('captures only messages someone reacts to with 📌 in reaction mode', async () => {
    const set = w.standIn.slashCommand({ name: 'snapconfig', guildId: w.a.guild.id, channelId: w.a.general, user: w.a.owner, options: [opt.string('capture', 'reaction')] });
    await w.standIn.waitForCall((call) => call.method === 'PATCH' && call.path.endsWith(`/${set.token}/messages/@original`) && /saved/i.test(call.body.content ?? ''));
    try {
      const url = fixtures.url('/article.html?pinned=1');
      const message = post(w.a.alice, w.a.general, `worth keeping ${url} #pinned`);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(reacted(message.id, '⏳')).toBe(false);
      expect(await w.app.service.findLinkByUrl(`discord:${w.a.guild.id}`, url)).toBeNull();

      w.standIn.react({ channelId: w.a.general, guildId: w.a.guild.id, messageId: message.id, user: w.a.bob, emoji: '📌', messageAuthorId: w.a.alice.id });
      await w.standIn.waitForCall(reactionCall(message.id, '📸'), 60_000);
      const link = await w.app.service.findLinkByUrl(`discord:${w.a.guild.id}`, url);
      expect(link!.tags).toContain('pinned');
      const [share] = await w.app.service.listShares(`discord:${w.a.guild.id}`, link!.id);
      // The share is the poster's, with their words.
      expect(share.userId).toBe(w.a.alice.id);
      expect(share.messageText).toBe(`worth keeping ${url} #pinned`);
      // Another emoji does nothing.
      const other = post(w.a.alice, w.a.general, fixtures.url('/article.html?pinned=2'));
      w.standIn.react({ channelId: w.a.general, guildId: w.a.guild.id, messageId: other.id, user: w.a.bob, emoji: '👍' });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(reacted(other.id, '⏳')).toBe(false);
    } finally {
      await w.app.service.updateSettings(`discord:${w.a.guild.id}`, { captureTrigger: 'auto' });
    }
  });

  it('captures the page again as a new version when someone reacts 🔄 on the bot’s card', async () => {
    const url = fixtures.url('/article.html?again=1');
    const handle = w.standIn.slashCommand({ name: 'snap', guildId: w.a.guild.id, channelId: w.a.general, user: w.a.alice, options: [opt.string('url', url)] });
    await w.standIn.waitForCall((call) => call.method === 'PATCH' && call.path.endsWith(`/${handle.token}/messages/@original`) && call.body.embeds?.length > 0, 60_000);
    const card = w.standIn.original(handle.token)!;
    const link = await w.app.service.findLinkByUrl(`discord:${w.a.guild.id}`, url);
    for (let i = 0; i < 50 && !(await w.app.service.cardAt('discord', w.a.general, card.id)); i += 1) await new Promise((resolve) => setTimeout(resolve, 20));

    w.standIn.react({ channelId: w.a.general, guildId: w.a.guild.id, messageId: card.id, user: w.a.bob, emoji: '🔄', messageAuthorId: w.standIn.bot.id });
    await w.standIn.waitForCall(reactionCall(card.id, '📸'), 60_000);
    const versions = await w.app.service.listVersions(`discord:${w.a.guild.id}`, link!.id);
    expect(versions).toHaveLength(2);
    expect(versions.every((version) => version.status === 'done')).toBe(true);
    expect(reacted(card.id, '⏳')).toBe(true);
  });
});
