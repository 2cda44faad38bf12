// Who sees which links through the Discord bot, end to end: the real discord.js against the stand-in
// Discord, the real service with SQLite and Chromium capturing local fixture pages. Private threads,
// results posted to a channel, guilds the bot has not cached, /retag and /forget of links whose
// capture redirected or failed, and the localised /snapconfig summary.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureServer, type FixtureServer } from './helpers/fixture-server.js';
import { opt, startDiscordWorld, type DiscordWorld } from './stand-ins/discord/harness.js';
import type { UserPayload } from './stand-ins/discord/payloads.js';
import type { RestCall } from './stand-ins/discord/server.js';

let fixtures: FixtureServer;
let w: DiscordWorld;

beforeAll(async () => {
  fixtures = await startFixtureServer();
  w = await startDiscordWorld({ tuning: { findPageSize: 10 } });
});

afterAll(async () => {
  await w?.close();
  await fixtures?.close();
});

const isEditOf = (token: string) => (call: RestCall) => call.method === 'PATCH' && call.path.endsWith(`/${token}/messages/@original`) && call.status === 200;

/** The edit that carries a /snap result (an embed or a failure message), not a progress line. */
function snapResult(token: string): Promise<RestCall> {
  return w.standIn.waitForCall((call) => isEditOf(token)(call) && (call.body.embeds?.length > 0 || /Could not|无法/.test(call.body.content ?? '')));
}

async function command(
  name: string,
  as: UserPayload,
  where: { guildId?: string; channelId: string },
  options: Array<{ name: string; type: number; value: unknown }> = [],
  locale?: string,
): Promise<{ callback: RestCall; text: string }> {
  const handle = w.standIn.slashCommand({ name, guildId: where.guildId, channelId: where.channelId, user: as, options, locale });
  const callback = await w.standIn.waitForCall((call) => call.path === `/interactions/${handle.id}/${handle.token}/callback`);
  if (callback.body.type === 4) return { callback, text: JSON.stringify(callback.body.data) };
  const edit = await w.standIn.waitForCall(isEditOf(handle.token));
  return { callback, text: JSON.stringify(edit.body) };
}

async function postAndCapture(as: UserPayload, channelId: string, content: string): Promise<void> {
  const posted = w.standIn.postMessage({ channelId, guildId: w.a.guild.id, author: as, content });
  await w.standIn.waitForCall((call) => call.method === 'PUT' && call.path === `/channels/${channelId}/messages/${posted.id}/reactions/📸/@me`);
}

const inA = (channelId: string) => ({ guildId: w.a.guild.id, channelId });
const findTag = async (as: UserPayload, channelId: string, tag: string) => (await command('find', as, inA(channelId), [opt.string('tag', tag)])).text;
const tagsOf = async (as: UserPayload) => (await command('tags', as, inA(w.a.general))).text;

describe('private threads', () => {
  it('shows a private thread’s links only to its members and to members who may manage threads', async () => {
    await postAndCapture(w.a.alice, w.a.huddle, `${fixtures.url('/article.html?huddle-notes')} #pinecone`);

    // bob and mod read #general (and so, to discord.js, the thread) but never joined the thread.
    expect(await findTag(w.a.bob, w.a.general, 'pinecone')).not.toContain('huddle-notes');
    expect(await findTag(w.a.mod, w.a.general, 'pinecone')).not.toContain('huddle-notes');
    expect(await tagsOf(w.a.bob)).not.toContain('#pinecone');
    expect(await findTag(w.a.alice, w.a.general, 'pinecone')).toContain('huddle-notes');
    expect(await findTag(w.a.keeper, w.a.general, 'pinecone')).toContain('huddle-notes');
    expect(await tagsOf(w.a.alice)).toContain('#pinecone');
    // Membership is asked of Discord, one thread member at a time (the list needs a privileged intent).
    expect(w.standIn.callsTo('GET', new RegExp(`^/channels/${w.a.huddle}/thread-members/${w.a.bob.id}$`)).map((c) => c.status)).toContain(404);

    // Discord does not tell a bot without the Guild Members intent that alice left; she still loses access.
    w.standIn.removeThreadMember(w.a.huddle, w.a.alice.id);
    expect(await findTag(w.a.alice, w.a.general, 'pinecone')).not.toContain('huddle-notes');
    w.standIn.addThreadMember(w.a.huddle, w.a.bob.id);
    expect(await findTag(w.a.bob, w.a.general, 'pinecone')).toContain('huddle-notes');
  });
});

describe('/find public:true', () => {
  it('posts only links the whole channel may see: none from private channels the asker happens to read', async () => {
    await postAndCapture(w.a.mod, w.a.secret, `${fixtures.url('/article.html?quarterly-secret')} #quarterly`);
    await postAndCapture(w.a.bob, w.a.general, `${fixtures.url('/article.html?quarterly-open')} #quarterly`);

    const posted = await command('find', w.a.mod, inA(w.a.general), [opt.string('tag', 'quarterly'), opt.boolean('public', true)]);
    expect(posted.callback.body.data?.flags ?? 0).toBe(0); // not ephemeral
    expect(posted.text).toContain('quarterly-open');
    expect(posted.text).not.toContain('quarterly-secret');

    // Asked privately, mod still sees what mod may read.
    const own = await findTag(w.a.mod, w.a.general, 'quarterly');
    expect(own).toContain('quarterly-secret');
    // Posted in #secret itself, its own links are for its own audience.
    const inSecret = await command('find', w.a.mod, inA(w.a.secret), [opt.string('tag', 'quarterly'), opt.boolean('public', true)]);
    expect(inSecret.text).toContain('quarterly-secret');
  });
});

describe('a guild the bot has not cached', () => {
  it('keeps its commands in that guild’s workspace, not the user’s DMs', async () => {
    const url = fixtures.url('/article.html?uncached-guild');
    const handle = w.standIn.slashCommand({ name: 'snap', guildId: w.c.guild.id, channelId: w.c.hall, user: w.c.dave, options: [opt.string('url', url), opt.string('tags', 'hall')] });
    expect((await snapResult(handle.token)).body.embeds).toHaveLength(1);

    expect((await w.app.service.find({ workspaceId: `discord:${w.c.guild.id}`, tags: ['hall'] })).items.map((i) => i.link.url)).toEqual([url]);
    expect((await w.app.service.find({ workspaceId: `discord:dm:${w.c.dave.id}`, tags: ['hall'] })).items).toHaveLength(0);
    expect((await command('find', w.c.dave, { guildId: w.c.guild.id, channelId: w.c.hall }, [opt.string('tag', 'hall')])).text).toContain('uncached-guild');
    expect((await command('find', w.c.dave, { channelId: `dm-${w.c.dave.id}` }, [opt.string('tag', 'hall')])).text).not.toContain('uncached-guild');
  });
});

describe('/retag and /forget', () => {
  it('find a link whose capture redirected or failed, and still hide links the member cannot see', async () => {
    const redirected = fixtures.url('/redirect?n=2&to=/article.html%3Flanded');
    expect((await snapResult(w.standIn.slashCommand({ name: 'snap', guildId: w.a.guild.id, channelId: w.a.general, user: w.a.bob, options: [opt.string('url', redirected)] }).token)).body.embeds).toHaveLength(1);
    const retag = await command('retag', w.a.bob, inA(w.a.general), [opt.string('url', redirected), opt.string('tags', 'moved')]);
    expect(retag.text).toContain('#moved');
    expect((await w.app.service.find({ workspaceId: `discord:${w.a.guild.id}`, tags: ['moved'] })).items).toHaveLength(1);

    // Redirected to a private address: the capture fails, and the page was never read.
    const dead = fixtures.url('/redirect?n=1&to=http://10.1.2.3/gone');
    const failed = await snapResult(w.standIn.slashCommand({ name: 'snap', guildId: w.a.guild.id, channelId: w.a.general, user: w.a.bob, options: [opt.string('url', dead)] }).token);
    expect(failed.body.embeds ?? []).toHaveLength(0);
    const forget = await command('forget', w.a.bob, inA(w.a.general), [opt.string('url', dead)]);
    expect(forget.text).toContain('Forgot');
    expect(await w.app.service.findLinkByUrl(`discord:${w.a.guild.id}`, dead)).toBeNull();

    // A link only shared in #secret does not exist for alice, even though she names it exactly.
    const secret = fixtures.url('/article.html?retag-secret');
    await postAndCapture(w.a.mod, w.a.secret, secret);
    const hidden = await command('forget', w.a.alice, inA(w.a.general), [opt.string('url', secret)]);
    expect(hidden.text).toContain('No snapshot of');
    expect(await w.app.service.findLinkByUrl(`discord:${w.a.guild.id}`, secret)).not.toBeNull();
  });
});

describe('/snapconfig', () => {
  it('shows the repost setting in the member’s language', async () => {
    const zh = await command('snapconfig', w.b.owner, { guildId: w.b.guild.id, channelId: w.b.lobby }, [opt.string('on_repost', 'reply')], 'zh-CN');
    expect(zh.text).toContain('重复链接:简短回复');
    const en = await command('snapconfig', w.b.owner, { guildId: w.b.guild.id, channelId: w.b.lobby }, [], 'en-US');
    expect(en.text).toContain('on repost: short reply');
  });
});
