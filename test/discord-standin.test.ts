// The stand-in Discord speaks the protocol the real discord.js expects: these tests drive a bare
// discord.js client against it (no linksnap code) so the bot's end-to-end tests stand on solid ground.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AttachmentBuilder, ChannelType, Client, DiscordAPIError, Events, GatewayIntentBits, Partials, PermissionFlagsBits, type ChatInputCommandInteraction, type Message } from 'discord.js';
import { guild, privateChannel, role, textChannel, thread, user } from './stand-ins/discord/payloads.js';
import { startDiscordStandIn, type DiscordStandIn } from './stand-ins/discord/server.js';

let standIn: DiscordStandIn;
let client: Client | null = null;

beforeEach(async () => {
  standIn = await startDiscordStandIn({ heartbeatIntervalMs: 300 });
});

afterEach(async () => {
  await client?.destroy();
  client = null;
  await standIn.close();
});

function makeClient(token = standIn.token): { client: Client; ready: Promise<void>; login: Promise<string> } {
  const c = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
    partials: [Partials.Channel, Partials.Message],
    rest: { api: standIn.apiUrl, version: '10', retries: 1 },
  });
  client = c;
  const ready = new Promise<void>((resolve) => c.once(Events.ClientReady, () => resolve()));
  return { client: c, ready, login: c.login(token) };
}

function world() {
  const owner = user('owner');
  const alice = user('alice');
  const mods = role('mods', PermissionFlagsBits.ManageMessages);
  const g = guild({
    name: 'Test Server',
    owner,
    roles: [mods],
    channels: (id) => [textChannel('general'), privateChannel('secret', id, { roles: [mods.id] })],
  });
  g.members.push({ user: alice, roles: [], nick: null, joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0 });
  standIn.addGuild(g);
  return { g, owner, alice, general: g.channels[0], secret: g.channels[1] };
}

describe('stand-in Discord with the real discord.js', () => {
  it('learns the gateway from GET /gateway/bot, identifies, and caches the guild from GUILD_CREATE', async () => {
    const { g, general, secret, alice } = world();
    const { client: c, ready, login } = makeClient();
    await login;
    await ready;
    expect(standIn.callsTo('GET', /^\/gateway\/bot$/)).toHaveLength(1);
    expect(standIn.gatewayOps).toContain(2);
    const cached = c.guilds.cache.get(g.id)!;
    expect(cached.name).toBe('Test Server');
    expect(c.application?.id).toBe(standIn.applicationId);
    // Permission overwrites arrive intact: alice cannot see the private channel, @everyone neither.
    const member = await cached.members.fetch({ user: alice.id, cache: true, force: false }).catch(() => cached.members.cache.get(alice.id)!);
    expect(cached.channels.cache.get(general.id)!.permissionsFor(member)!.has(PermissionFlagsBits.ViewChannel)).toBe(true);
    expect(cached.channels.cache.get(secret.id)!.permissionsFor(member)!.has(PermissionFlagsBits.ViewChannel)).toBe(false);
  });

  it('sends threads in GUILD_CREATE as Discord does: private ones only when joined, membership over REST', async () => {
    const { g, general, alice, owner } = world();
    const joined = thread('joined', general, { private: true, owner: alice, members: [standIn.bot.id] });
    const closed = thread('closed', general, { private: true, owner: alice });
    const open = thread('open', general, { private: false, owner });
    for (const t of [joined, closed, open]) {
      g.threads.push(t.thread);
      g.threadMembers[t.thread.id] = t.members;
    }
    const { client: c, ready, login } = makeClient();
    await login;
    await ready;
    const cached = c.guilds.cache.get(g.id)!;
    const huddle = cached.channels.cache.get(joined.thread.id)!;
    expect(huddle.type).toBe(ChannelType.PrivateThread);
    expect(huddle.isThread() && huddle.parentId).toBe(general.id);
    expect(huddle.isThread() && huddle.members.me?.id).toBe(standIn.bot.id);
    expect(cached.channels.cache.get(open.thread.id)?.type).toBe(ChannelType.PublicThread);
    expect(cached.channels.cache.has(closed.thread.id)).toBe(false);
    if (!huddle.isThread()) throw new Error('not a thread');

    expect((await huddle.members.fetch({ member: alice.id, force: true })).id).toBe(alice.id);
    const missing = await huddle.members.fetch({ member: owner.id, force: true }).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(DiscordAPIError);
    expect((missing as DiscordAPIError).code).toBe(10007);
    // Listing members is privileged (Guild Members intent), as on Discord.
    expect(await huddle.members.fetch().catch((error: unknown) => (error as DiscordAPIError).status)).toBe(403);

    // Without that intent only the bot's own joins and leaves arrive over the gateway.
    const updates: string[] = [];
    c.on(Events.ThreadMembersUpdate, (added, removed) => updates.push(`+${[...added.keys()].join()} -${[...removed.keys()].join()}`));
    standIn.addThreadMember(joined.thread.id, owner.id);
    standIn.removeThreadMember(joined.thread.id, standIn.bot.id);
    await standIn.waitUntil(() => updates.length > 0, 5_000, 'THREAD_MEMBERS_UPDATE');
    await new Promise((r) => setTimeout(r, 100));
    expect(updates).toEqual([`+ -${standIn.bot.id}`]);
  });

  it('delivers MESSAGE_CREATE and INTERACTION_CREATE; records the defer callback and a multipart edit with its file', async () => {
    const { g, general, alice } = world();
    const { client: c, ready, login } = makeClient();
    await login;
    await ready;
    const seen = new Promise<Message>((resolve) => c.once(Events.MessageCreate, resolve));
    standIn.postMessage({ channelId: general.id, guildId: g.id, author: alice, content: 'look https://example.com' });
    expect((await seen).content).toBe('look https://example.com');

    c.on(Events.InteractionCreate, async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      await (interaction as ChatInputCommandInteraction).deferReply();
      await interaction.editReply({ content: 'done', files: [new AttachmentBuilder(Buffer.from('PNGDATA'), { name: 'a.png' })] });
    });
    const handle = standIn.slashCommand({ name: 'snap', guildId: g.id, channelId: general.id, user: alice, options: [{ name: 'url', type: 3, value: 'https://example.com' }] });
    const callback = await standIn.waitForCall((call) => call.path === `/interactions/${handle.id}/${handle.token}/callback`);
    expect(callback.body.type).toBe(5);
    const edit = await standIn.waitForCall((call) => call.method === 'PATCH' && call.path.endsWith(`${handle.token}/messages/@original`));
    expect(edit.body.content).toBe('done');
    expect(edit.files).toHaveLength(1);
    expect(edit.files[0].filename).toBe('a.png');
    expect(edit.files[0].data.toString()).toBe('PNGDATA');
    expect(standIn.original(handle.token)?.attachments).toHaveLength(1);
  });

  it('makes discord.js wait out a 429 and retry a 5xx', async () => {
    const { general } = world();
    const { client: c, ready, login } = makeClient();
    await login;
    await ready;
    standIn.failNext({ method: 'POST', path: /\/channels\/\d+\/messages$/, status: 429, times: 1, retryAfterSec: 0.2 });
    await c.rest.post(`/channels/${general.id}/messages`, { body: { content: 'one' } });
    expect(standIn.callsTo('POST', /\/messages$/).map((call) => call.status)).toEqual([429, 200]);
    standIn.failNext({ method: 'POST', path: /\/channels\/\d+\/messages$/, status: 502, times: 1 });
    await c.rest.post(`/channels/${general.id}/messages`, { body: { content: 'two' } });
    expect(standIn.callsTo('POST', /\/messages$/).map((call) => call.status)).toEqual([429, 200, 502, 200]);
  });

  it('resumes after a disconnect and replays the events dispatched meanwhile', async () => {
    const { g, general, alice } = world();
    const { client: c, ready, login } = makeClient();
    await login;
    await ready;
    const contents: string[] = [];
    c.on(Events.MessageCreate, (m) => contents.push(m.content));
    standIn.disconnect();
    standIn.postMessage({ channelId: general.id, guildId: g.id, author: alice, content: 'sent while away' });
    await standIn.waitUntil(() => contents.includes('sent while away'), 20_000, 'replayed message');
    expect(standIn.gatewayOps).toContain(6);
    expect(standIn.gatewayOps.filter((op) => op === 2)).toHaveLength(1);
  });

  it('acknowledges heartbeats; without ACKs discord.js treats the connection as a zombie and resumes', async () => {
    world();
    const { ready, login } = makeClient();
    await login;
    await ready;
    await standIn.waitUntil(() => standIn.gatewayOps.filter((op) => op === 1).length >= 2, 10_000, 'heartbeats');
    expect(standIn.gatewayOps).not.toContain(6);
    standIn.ackHeartbeats = false;
    await standIn.waitUntil(() => standIn.gatewayOps.includes(6), 10_000, 'resume after missed ACKs');
    standIn.ackHeartbeats = true;
    expect(standIn.gatewayOps.filter((op) => op === 2)).toHaveLength(1);
  });

  it('answers a wrong token with 401, which discord.js reports as an invalid token', async () => {
    world();
    const { login } = makeClient('not-the-token');
    await expect(login).rejects.toMatchObject({ code: 'TokenInvalid' });
  });
});
