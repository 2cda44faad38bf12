// The Discord bot end to end: the real discord.js against the stand-in Discord, the real service with
// SQLite, blob files and Chromium capturing local fixture pages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestCall } from './stand-ins/discord/server.js';
import { startFixtureServer, type FixtureServer } from './helpers/fixture-server.js';
import { opt, startDiscordWorld, type DiscordWorld } from './stand-ins/discord/harness.js';
import type { UserPayload } from './stand-ins/discord/payloads.js';

let fixtures: FixtureServer;
let w: DiscordWorld;

beforeAll(async () => {
  fixtures = await startFixtureServer();
  w = await startDiscordWorld({ env: { LINKSNAP_SNAPS_PER_MINUTE: '6' }, tuning: { findPageSize: 2 } });
});

afterAll(async () => {
  await w?.close();
  await fixtures?.close();
});

const ws = (guildId: string) => `discord:${guildId}`;

function isEditOf(token: string) {
  return (call: RestCall) => call.method === 'PATCH' && call.path.endsWith(`/${token}/messages/@original`);
}

/** The edit that carries the result (an embed, or a failure message), not a progress line. */
async function finalEdit(token: string): Promise<RestCall> {
  return w.standIn.waitForCall((call) => isEditOf(token)(call) && call.status === 200 && (call.body.embeds?.length > 0 || /Could not|无法|not opened|拒绝/.test(call.body.content ?? '')));
}

function snap(as: UserPayload, channelId: string, guildId: string | undefined, url: string, extra: { tags?: string; locale?: string } = {}) {
  return w.standIn.slashCommand({
    name: 'snap',
    guildId,
    channelId,
    user: as,
    locale: extra.locale,
    options: [opt.string('url', url), ...(extra.tags ? [opt.string('tags', extra.tags)] : [])],
  });
}

describe('startup', () => {
  it('registers the slash commands in the configured guild when it connects', async () => {
    const put = await w.standIn.waitForCall((call) => call.method === 'PUT' && call.path === `/applications/${w.standIn.applicationId}/guilds/${w.a.guild.id}/commands`);
    const names = (put.body as Array<{ name: string }>).map((command) => command.name).sort();
    expect(names).toEqual(['find', 'forget', 'retag', 'snap', 'snapconfig', 'tags', 'unwatch', 'watch', 'watches']);
    const zh = (put.body as Array<{ name: string; description_localizations?: Record<string, string> }>).find((c) => c.name === 'snap');
    expect(zh?.description_localizations?.['zh-CN']).toContain('快照');
    // Watches run in the server's time zone, so the schedule's hint must not say UTC.
    const watch = (put.body as Array<{ name: string; options?: Array<{ name: string; description: string; description_localizations?: Record<string, string> }> }>).find((c) => c.name === 'watch');
    const every = watch?.options?.find((option) => option.name === 'every');
    expect(every?.description).toContain("in the server's time zone");
    expect(every?.description_localizations?.['zh-CN']).toContain('服务器所在时区');
    expect(`${every?.description} ${every?.description_localizations?.['zh-CN']}`).not.toContain('UTC');
  });
});

describe('/snap', () => {
  it('defers at once, shows progress, then edits in the embed with the thumbnail attached', async () => {
    const url = fixtures.url('/article.html');
    const handle = snap(w.a.alice, w.a.general, w.a.guild.id, url, { tags: 'Lighthouse, sea' });
    const callback = await w.standIn.waitForCall((call) => call.path === `/interactions/${handle.id}/${handle.token}/callback`);
    expect(callback.body.type).toBe(5);
    expect(callback.status).toBe(204);

    const progress = await w.standIn.waitForCall((call) => isEditOf(handle.token)(call) && /Capturing/.test(call.body.content ?? ''));
    expect(progress.body.content).toContain(url);

    const final = await finalEdit(handle.token);
    const embed = final.body.embeds[0];
    expect(embed.title).toBe('The Quiet Lighthouse of Vannamere');
    expect(embed.url).toMatch(/^http:\/\/127\.0\.0\.1:9\/s\/.+/);
    const fields = Object.fromEntries(embed.fields.map((f: { name: string; value: string }) => [f.name, f.value]));
    expect(fields.Tags).toBe('#lighthouse #sea');
    expect(fields.Captured).toMatch(/^<t:\d+:f>$/);
    expect(fields.Site).toBeTruthy();
    expect(final.files).toHaveLength(1);
    expect(final.files[0].filename).toMatch(/^thumbnail\.webp$/);
    expect(final.files[0].data.subarray(0, 4).toString()).toBe('RIFF');
    expect(final.files[0].data.subarray(8, 12).toString()).toBe('WEBP');
    expect(embed.image.url).toBe(`attachment://${final.files[0].filename}`);
    const button = final.body.components[0].components[0];
    expect(button.url).toBe(embed.url);
    // The deferred reply is not edited again after the result (no progress line overwrites it).
    await new Promise((r) => setTimeout(r, 300));
    expect(w.standIn.original(handle.token)?.embeds).toHaveLength(1);
  });

  it('edits a refused address into a specific message, in the user’s language', async () => {
    const en = snap(w.a.bob, w.a.general, w.a.guild.id, 'http://10.1.2.3/admin');
    const enReply = await w.standIn.waitForCall((call) => isEditOf(en.token)(call) && call.body.content?.length > 0);
    expect(enReply.body.content).toContain('private, reserved or otherwise refused network');
    expect(enReply.body.content).toContain('10.1.2.3');
    expect(enReply.body.embeds ?? []).toHaveLength(0);

    const zh = snap(w.b.carol, w.b.lobby, w.b.guild.id, 'ftp://example.com/file', { locale: 'zh-CN' });
    const zhReply = await w.standIn.waitForCall((call) => isEditOf(zh.token)(call) && call.body.content?.length > 0);
    expect(zhReply.body.content).toContain('只能保存 http 和 https 链接');
  });

  it('answers a user flooding /snap with a private rate-limit reply, without deferring', async () => {
    const url = fixtures.url('/article.html?flood');
    const handles = Array.from({ length: 7 }, () => snap(w.a.owner, w.a.random, w.a.guild.id, url));
    const last = handles[6];
    const callback = await w.standIn.waitForCall((call) => call.path === `/interactions/${last.id}/${last.token}/callback`);
    expect(callback.body.type).toBe(4);
    expect(callback.body.data.flags & 64).toBe(64);
    expect(callback.body.data.content).toMatch(/faster than 6 a minute/);
    // Everyone else still gets served.
    const other = snap(w.a.mod, w.a.random, w.a.guild.id, url);
    const otherCallback = await w.standIn.waitForCall((call) => call.path === `/interactions/${other.id}/${other.token}/callback`);
    expect(otherCallback.body.type).toBe(5);
    await finalEdit(other.token);
  });
});

describe('auto-capture', () => {
  it('captures a posted link with ⏳ then 📸, turns hashtags and the channel into tags, skips code and <suppressed> links', async () => {
    const link = fixtures.url('/cjk.html');
    const posted = w.standIn.postMessage({
      channelId: w.a.general,
      guildId: w.a.guild.id,
      author: w.a.alice,
      content: `diary ${link} #Diary #技术\n\`${fixtures.url('/inline-code.html')}\`\n\`\`\`\n${fixtures.url('/block.html')}\n\`\`\`\n<${fixtures.url('/suppressed.html')}>`,
    });
    await w.standIn.waitForCall((call) => call.method === 'PUT' && call.path === `/channels/${w.a.general}/messages/${posted.id}/reactions/⏳/@me`);
    await w.standIn.waitForCall((call) => call.method === 'PUT' && call.path === `/channels/${w.a.general}/messages/${posted.id}/reactions/📸/@me`);
    await w.standIn.waitForCall((call) => call.method === 'DELETE' && call.path === `/channels/${w.a.general}/messages/${posted.id}/reactions/⏳/@me`);
    const found = await w.app.service.find({ workspaceId: ws(w.a.guild.id), tags: ['diary'] });
    expect(found.items.map((item) => item.link.url)).toEqual([link]);
    expect(found.items[0].link.tags.sort()).toEqual(['diary', 'general', '技术'].sort());
    expect(found.items[0].snapshot.title).toBe('网页快照测试：灯塔守望者的日记');
    for (const skipped of ['/inline-code.html', '/block.html', '/suppressed.html']) {
      expect(fixtures.requests.some((path) => path.startsWith(skipped))).toBe(false);
    }
  });

  it('ignores messages from bots, including its own', async () => {
    const url = fixtures.url('/article.html?from-bot');
    const fromBot = w.standIn.postMessage({ channelId: w.a.general, guildId: w.a.guild.id, author: { ...w.standIn.bot }, content: url });
    const otherBot = w.standIn.postMessage({ channelId: w.a.general, guildId: w.a.guild.id, author: { ...w.a.bob, id: '42', bot: true }, content: url });
    // A later human message proves the earlier two were processed (events arrive in order).
    const human = w.standIn.postMessage({ channelId: w.a.general, guildId: w.a.guild.id, author: w.a.bob, content: 'no links here, then one: ' + fixtures.url('/rtl.html') });
    await w.standIn.waitForCall((call) => call.method === 'PUT' && call.path.includes(`/messages/${human.id}/reactions/`));
    expect(w.standIn.calls.some((call) => call.path.includes(fromBot.id) || call.path.includes(otherBot.id))).toBe(false);
    const found = await w.app.service.find({ workspaceId: ws(w.a.guild.id), text: 'from-bot' });
    expect(found.items).toHaveLength(0);
  });

  it('answers a repost with 🔁, or with a reply naming who shared it first when set to reply', async () => {
    const url = fixtures.url('/article.html?repost');
    const first = w.standIn.postMessage({ channelId: w.a.general, guildId: w.a.guild.id, author: w.a.alice, content: url });
    await w.standIn.waitForCall((call) => call.method === 'PUT' && call.path.includes(`/messages/${first.id}/reactions/📸/`));
    const again = w.standIn.postMessage({ channelId: w.a.random, guildId: w.a.guild.id, author: w.a.bob, content: `seen this? ${url}` });
    await w.standIn.waitForCall((call) => call.method === 'PUT' && call.path === `/channels/${w.a.random}/messages/${again.id}/reactions/🔁/@me`);

    const config = w.standIn.slashCommand({ name: 'snapconfig', guildId: w.a.guild.id, channelId: w.a.general, user: w.a.owner, options: [opt.string('on_repost', 'reply')] });
    await w.standIn.waitForCall((call) => isEditOf(config.token)(call) && /Settings saved/.test(call.body.content ?? ''));
    const third = w.standIn.postMessage({ channelId: w.a.random, guildId: w.a.guild.id, author: w.a.mod, content: url });
    const reply = await w.standIn.waitForCall((call) => call.method === 'POST' && call.path === `/channels/${w.a.random}/messages` && call.body.message_reference?.message_id === third.id);
    expect(reply.body.content).toContain(`<@${w.a.alice.id}>`);
    expect(reply.body.content).toContain(`<#${w.a.general}>`);
    expect(reply.body.content).toContain('http://127.0.0.1:9/s/');
    expect(reply.body.allowed_mentions.parse).toEqual([]);
  });

  it('forgets what was captured from a message when the message is deleted', async () => {
    const url = fixtures.url('/article.html?to-delete');
    const posted = w.standIn.postMessage({ channelId: w.a.general, guildId: w.a.guild.id, author: w.a.bob, content: url });
    await w.standIn.waitForCall((call) => call.method === 'PUT' && call.path.includes(`/messages/${posted.id}/reactions/📸/`));
    expect((await w.app.service.find({ workspaceId: ws(w.a.guild.id), text: 'to-delete' })).items).toHaveLength(1);
    w.standIn.deleteMessage({ channelId: w.a.general, guildId: w.a.guild.id, messageId: posted.id });
    await w.standIn.waitUntil(() => w.app.logs.some((e) => e.message.startsWith('Message deleted; forgot')), 10_000, 'forget on delete');
    expect((await w.app.service.find({ workspaceId: ws(w.a.guild.id), text: 'to-delete' })).items).toHaveLength(0);

    // A moderator purging messages deletes them in bulk.
    const purged = w.standIn.postMessage({ channelId: w.a.general, guildId: w.a.guild.id, author: w.a.bob, content: fixtures.url('/article.html?purged') });
    await w.standIn.waitForCall((call) => call.method === 'PUT' && call.path.includes(`/messages/${purged.id}/reactions/📸/`));
    w.standIn.dispatch('MESSAGE_DELETE_BULK', { ids: [purged.id, '1234'], channel_id: w.a.general, guild_id: w.a.guild.id });
    await w.standIn.waitUntil(() => w.app.logs.filter((e) => e.message.startsWith('Message deleted; forgot')).length === 2, 10_000, 'bulk forget');
    expect((await w.app.service.find({ workspaceId: ws(w.a.guild.id), text: 'purged' })).items).toHaveLength(0);
  });

  it('does not capture in a channel /snapconfig excluded, and only Manage Server may change settings', async () => {
    const denied = w.standIn.slashCommand({ name: 'snapconfig', guildId: w.a.guild.id, channelId: w.a.general, user: w.a.alice, options: [opt.boolean('auto_capture', false)] });
    const deniedReply = await w.standIn.waitForCall((call) => call.path === `/interactions/${denied.id}/${denied.token}/callback`);
    expect(deniedReply.body.data.content).toContain('Manage Server');
    expect((await w.app.service.getSettings(ws(w.a.guild.id))).autoCapture).toBe(true);

    const exclude = w.standIn.slashCommand({
      name: 'snapconfig',
      guildId: w.a.guild.id,
      channelId: w.a.general,
      user: w.a.owner,
      options: [opt.channel('channel', w.a.random), opt.string('channel_mode', 'exclude')],
    });
    await w.standIn.waitForCall((call) => isEditOf(exclude.token)(call) && /Settings saved/.test(call.body.content ?? ''));
    const quiet = w.standIn.postMessage({ channelId: w.a.random, guildId: w.a.guild.id, author: w.a.bob, content: fixtures.url('/article.html?excluded') });
    const marker = w.standIn.postMessage({ channelId: w.a.general, guildId: w.a.guild.id, author: w.a.bob, content: fixtures.url('/article.html?marker') });
    await w.standIn.waitForCall((call) => call.method === 'PUT' && call.path.includes(`/messages/${marker.id}/reactions/`));
    expect(w.standIn.calls.some((call) => call.path.includes(quiet.id))).toBe(false);

    const reset = w.standIn.slashCommand({ name: 'snapconfig', guildId: w.a.guild.id, channelId: w.a.general, user: w.a.owner, options: [opt.string('channel_mode', 'all'), opt.string('on_repost', 'reaction')] });
    await w.standIn.waitForCall((call) => isEditOf(reset.token)(call) && /Settings saved/.test(call.body.content ?? ''));
  });
});

describe('/find', () => {
  it('pages results newest first with Previous/Next that only the asker can press', async () => {
    const urls = ['/article.html?page=1', '/article.html?page=2', '/article.html?page=3'].map((p) => fixtures.url(p));
    for (const url of urls) {
      const handle = snap(w.a.bob, w.a.general, w.a.guild.id, url, { tags: 'paging' });
      await finalEdit(handle.token);
    }
    const find = w.standIn.slashCommand({ name: 'find', guildId: w.a.guild.id, channelId: w.a.general, user: w.a.alice, options: [opt.string('tag', 'paging')] });
    const deferred = await w.standIn.waitForCall((call) => call.path === `/interactions/${find.id}/${find.token}/callback`);
    expect(deferred.body.type).toBe(5);
    expect(deferred.body.data.flags & 64).toBe(64); // ephemeral
    const page1 = await w.standIn.waitForCall((call) => isEditOf(find.token)(call) && call.body.embeds?.length > 0);
    const description: string = page1.body.embeds[0].description;
    expect(description.indexOf('page=3')).toBeGreaterThan(-1);
    expect(description.indexOf('page=3')).toBeLessThan(description.indexOf('page=2'));
    expect(description).not.toContain('page=1');
    expect(description).toContain('#paging');
    expect(page1.files).toHaveLength(1);
    expect(page1.body.embeds[0].thumbnail.url).toBe(`attachment://${page1.files[0].filename}`);
    const [prev, next] = page1.body.components[0].components;
    expect(prev.disabled).toBe(true);
    expect(next.disabled).toBe(false);

    const message = w.standIn.original(find.token)!;
    const stranger = w.standIn.pressButton({ customId: next.custom_id, message, guildId: w.a.guild.id, channelId: w.a.general, user: w.a.bob });
    const refused = await w.standIn.waitForCall((call) => call.path === `/interactions/${stranger.id}/${stranger.token}/callback`);
    expect(refused.body.type).toBe(4);
    expect(refused.body.data.flags & 64).toBe(64);
    expect(refused.body.data.content).toContain('Only the person who searched');

    const press = w.standIn.pressButton({ customId: next.custom_id, message, guildId: w.a.guild.id, channelId: w.a.general, user: w.a.alice });
    const page2 = await w.standIn.waitForCall((call) => call.path === `/interactions/${press.id}/${press.token}/callback`);
    expect(page2.body.type).toBe(7); // update the message in place
    expect(page2.body.data.embeds[0].description).toContain('page=1');
    expect(page2.body.data.components[0].components[1].disabled).toBe(true);
  });

  it('never shows another guild’s links, nor links from a private channel the asker cannot read', async () => {
    const secretUrl = fixtures.url('/article.html?secret-plans');
    const posted = w.standIn.postMessage({ channelId: w.a.secret, guildId: w.a.guild.id, author: w.a.mod, content: `${secretUrl} #plans` });
    await w.standIn.waitForCall((call) => call.method === 'PUT' && call.path.includes(`/messages/${posted.id}/reactions/📸/`));

    const runFind = async (as: UserPayload, guildId: string, channelId: string, tag: string, locale?: string) => {
      const handle = w.standIn.slashCommand({ name: 'find', guildId, channelId, user: as, locale, options: [opt.string('tag', tag)] });
      const edit = await w.standIn.waitForCall((call) => isEditOf(handle.token)(call) && call.status === 200);
      return JSON.stringify(edit.body);
    };
    expect(await runFind(w.a.mod, w.a.guild.id, w.a.general, 'plans')).toContain('secret-plans');
    expect(await runFind(w.a.alice, w.a.guild.id, w.a.general, 'plans')).not.toContain('secret-plans');
    // Server B never sees server A's links, even by the same tag.
    expect(await runFind(w.b.carol, w.b.guild.id, w.b.lobby, 'paging')).not.toContain('page=');
    expect(await runFind(w.b.carol, w.b.guild.id, w.b.lobby, 'paging', 'zh-CN')).toContain('没有找到');
  });
});

describe('/tags, /retag, /forget', () => {
  it('lists tags with counts; lets the sharer or a moderator retag and forget, nobody else', async () => {
    const url = fixtures.url('/article.html?manage');
    await finalEdit(snap(w.a.bob, w.a.general, w.a.guild.id, url, { tags: 'manage' }).token);

    const tags = w.standIn.slashCommand({ name: 'tags', guildId: w.a.guild.id, channelId: w.a.general, user: w.a.alice });
    const list = await w.standIn.waitForCall((call) => isEditOf(tags.token)(call) && call.body.embeds?.length > 0);
    expect(list.body.embeds[0].description).toMatch(/#paging \(3\)/);
    expect(list.body.embeds[0].description).not.toContain('#plans');

    const denied = w.standIn.slashCommand({ name: 'retag', guildId: w.a.guild.id, channelId: w.a.general, user: w.a.alice, options: [opt.string('url', url), opt.string('tags', 'x')] });
    expect((await w.standIn.waitForCall((call) => isEditOf(denied.token)(call))).body.content).toContain('Only the person who shared it first');

    const retag = w.standIn.slashCommand({ name: 'retag', guildId: w.a.guild.id, channelId: w.a.general, user: w.a.bob, options: [opt.string('url', url), opt.string('tags', 'kept, 新')] });
    expect((await w.standIn.waitForCall((call) => isEditOf(retag.token)(call))).body.content).toContain('#kept #新');

    const forget = w.standIn.slashCommand({ name: 'forget', guildId: w.a.guild.id, channelId: w.a.general, user: w.a.mod, options: [opt.string('url', url)] });
    expect((await w.standIn.waitForCall((call) => isEditOf(forget.token)(call))).body.content).toContain('Forgot');
    expect((await w.app.service.find({ workspaceId: ws(w.a.guild.id), tags: ['kept'] })).items).toHaveLength(0);
  });
});

describe('resilience', () => {
  it('keeps a capture and its reply across a gateway disconnect, a 429 and 5xx errors on the reply', async () => {
    const identifies = w.standIn.gatewayOps.filter((op) => op === 2).length;
    w.standIn.failNext({ method: 'PATCH', path: /\/messages\/@original$/, status: 429, times: 1, retryAfterSec: 0.2 });
    const handle = snap(w.a.alice, w.a.general, w.a.guild.id, fixtures.url('/article.html?reconnect'));
    await w.standIn.waitForCall((call) => call.path === `/interactions/${handle.id}/${handle.token}/callback`);
    w.standIn.disconnect();
    // Discord has a bad minute: the next edits fail with 502 more often than discord.js retries.
    w.standIn.failNext({ method: 'PATCH', path: /\/messages\/@original$/, status: 502, times: 3 });
    const final = await finalEdit(handle.token);
    expect(final.body.embeds[0].title).toBe('The Quiet Lighthouse of Vannamere');
    expect(w.standIn.calls.filter((call) => isEditOf(handle.token)(call) && call.status === 502).length).toBeGreaterThan(0);
    expect(w.standIn.calls.filter((call) => isEditOf(handle.token)(call) && call.status === 429)).toHaveLength(1);
    await w.standIn.waitUntil(() => w.standIn.gatewayOps.includes(6), 20_000, 'resume');
    expect(w.standIn.gatewayOps.filter((op) => op === 2).length).toBe(identifies);
    // And the bot still hears commands after the resume.
    const after = w.standIn.slashCommand({ name: 'tags', guildId: w.a.guild.id, channelId: w.a.general, user: w.a.alice });
    await w.standIn.waitForCall((call) => call.path === `/interactions/${after.id}/${after.token}/callback`);
  });
});
