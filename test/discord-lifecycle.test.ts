// The bot's life around the edges: a rejected token, no token, registering commands alone, replies
// that survive a restart or an expired interaction, DMs as their own workspace, thread replies.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DiscordTokenRejectedError, registerDiscordCommands, startDiscordBot } from '../src/bots/discord/index.js';
import { loadConfig } from '../src/config.js';
import { createMemoryLogger } from '../src/core/logger.js';
import { startFixtureServer, type FixtureServer } from './helpers/fixture-server.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { opt, startDiscordWorld, type DiscordWorld } from './stand-ins/discord/harness.js';
import { user } from './stand-ins/discord/payloads.js';
import { startDiscordStandIn, type DiscordStandIn, type RestCall } from './stand-ins/discord/server.js';

describe('token and registration', () => {
  let standIn: DiscordStandIn;
  let app: TestApp | null = null;

  beforeAll(async () => {
    standIn = await startDiscordStandIn();
  });
  afterEach(async () => {
    await app?.close();
    app = null;
  });
  afterAll(async () => {
    await standIn.close();
  });

  it('refuses to start with a rejected token and says so in one clear log line', async () => {
    app = await startTestApp({ captures: false, env: { DISCORD_TOKEN: 'wrong', DISCORD_API_URL: standIn.apiUrl } });
    const start = startDiscordBot({ service: app.service, config: app.config, logger: app.logger, snapshotUrl: () => 'http://x/s' });
    await expect(start).rejects.toBeInstanceOf(DiscordTokenRejectedError);
    const errors = app.logs.filter((e) => e.context === 'discord' && e.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toMatch(/Discord rejected DISCORD_TOKEN \(HTTP 401 on GET \/gateway\/bot\)/);
  });

  it('stops with a clear log line when Discord starts answering 401 at runtime', async () => {
    app = await startTestApp({ captures: false, env: { DISCORD_TOKEN: standIn.token, DISCORD_API_URL: standIn.apiUrl } });
    const owner = user('owner');
    const { guild: makeGuild, textChannel } = await import('./stand-ins/discord/payloads.js');
    const g = standIn.addGuild(makeGuild({ name: 'G', owner, channels: () => [textChannel('general')] }));
    const bot = await startDiscordBot({ service: app.service, config: app.config, logger: app.logger, snapshotUrl: () => 'http://x/s', tuning: { restRetries: 0 } });
    try {
      expect(bot.client?.isReady()).toBe(true);
      standIn.rejectToken = true;
      standIn.postMessage({ channelId: g.channels[0].id, guildId: g.id, author: owner, content: 'http://127.0.0.1:1/revoked' });
      await standIn.waitUntil(() => app!.logs.some((e) => e.level === 'error' && /rejected DISCORD_TOKEN \(HTTP 401 on PUT \/channels/.test(e.message)), 15_000, '401 log');
      await standIn.waitUntil(() => app!.logs.some((e) => e.message === 'Discord bot stopped'), 15_000, 'stop');
      expect(bot.client?.isReady()).toBe(false);
    } finally {
      standIn.rejectToken = false;
      await bot.stop();
    }
  });

  it('does not start without DISCORD_TOKEN, and says why', async () => {
    const logger = createMemoryLogger();
    const config = loadConfig({ LINKSNAP_DATA_DIR: '/nonexistent-not-used' });
    const bot = await startDiscordBot({ service: null as never, config, logger, snapshotUrl: () => '' });
    expect(bot.client).toBeNull();
    expect(logger.events.map((e) => e.message)).toContain('DISCORD_TOKEN is not set; the Discord bot is off');
  });

  it('registers the commands globally without DISCORD_GUILD_ID (linksnap discord:register)', async () => {
    const logger = createMemoryLogger();
    const config = loadConfig({ DISCORD_TOKEN: standIn.token, DISCORD_API_URL: standIn.apiUrl, LINKSNAP_DATA_DIR: '/nonexistent-not-used' });
    await registerDiscordCommands({ config, logger });
    const put = await standIn.waitForCall((call) => call.method === 'PUT' && call.path === `/applications/${standIn.applicationId}/commands`);
    expect((put.body as unknown[]).length).toBe(9);
    expect(logger.events.some((e) => /Registered 9 global slash commands/.test(e.message))).toBe(true);
    const bad = loadConfig({ DISCORD_TOKEN: 'wrong', DISCORD_API_URL: standIn.apiUrl, LINKSNAP_DATA_DIR: '/nonexistent-not-used' });
    await expect(registerDiscordCommands({ config: bad, logger })).rejects.toBeInstanceOf(DiscordTokenRejectedError);
  });
});

describe('replies that outlive the bot process', () => {
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

  const isEditOf = (token: string) => (call: RestCall) => call.method === 'PATCH' && call.path.endsWith(`/${token}/messages/@original`);

  it('answers a /snap accepted before a restart once the bot is back, in the channel when the interaction expired', async () => {
    const first = w.standIn.slashCommand({ name: 'snap', guildId: w.a.guild.id, channelId: w.a.general, user: w.a.alice, options: [opt.string('url', fixtures.url('/article.html?restart'))] });
    await w.standIn.waitForCall((call) => call.path === `/interactions/${first.id}/${first.token}/callback`);
    const snapshotId = await (async () => {
      await w.standIn.waitUntil(() => w.app.logs.some((e) => e.message === '/snap queued a capture'), 10_000, 'snap accepted');
      return w.app.logs.find((e) => e.message === '/snap queued a capture')!.details!.snapshotId as string;
    })();
    await w.bot.stop();
    const done = await w.app.service.waitFor(snapshotId);
    expect(done.status).toBe('done');
    expect(w.standIn.calls.some((call) => isEditOf(first.token)(call) && call.body.embeds?.length)).toBe(false);

    // Discord no longer takes the interaction's token (older than 15 minutes).
    w.standIn.failNext({ method: 'PATCH', path: new RegExp(`/${first.token}/messages/@original$`), status: 401, times: 10 });
    w.bot = await startDiscordBot({ service: w.app.service, config: w.app.config, logger: w.app.logger, snapshotUrl: w.snapshotUrl, tuning: { restRetries: 0, registerCommands: false } });
    const posted = await w.standIn.waitForCall((call) => call.method === 'POST' && call.path === `/channels/${w.a.general}/messages` && call.body?.embeds?.length > 0);
    expect(posted.body.embeds[0].title).toBe('The Quiet Lighthouse of Vannamere');
    expect(posted.body.content).toContain(`<@${w.a.alice.id}>`);
    expect(posted.body.allowed_mentions).toEqual({ parse: [] });
    expect(posted.files).toHaveLength(1);
    expect(posted.body.attachments).toEqual([{ id: 0, filename: posted.files[0].filename }]);
  });

  it('treats a DM as its own workspace', async () => {
    const dmChannel = '900000000000000001';
    const handle = w.standIn.slashCommand({ name: 'snap', channelId: dmChannel, user: w.a.bob, options: [opt.string('url', fixtures.url('/article.html?dm')), opt.string('tags', 'mine')] });
    await w.standIn.waitForCall((call) => isEditOf(handle.token)(call) && call.body.embeds?.length > 0);
    const own = await w.app.service.find({ workspaceId: `discord:dm:${w.a.bob.id}`, tags: ['mine'] });
    expect(own.items).toHaveLength(1);
    const guildSide = await w.app.service.find({ workspaceId: `discord:${w.a.guild.id}`, tags: ['mine'] });
    expect(guildSide.items).toHaveLength(0);
  });

  it('replies in a thread when the server asks for it', async () => {
    const config = w.standIn.slashCommand({ name: 'snapconfig', guildId: w.a.guild.id, channelId: w.a.general, user: w.a.owner, options: [opt.boolean('reply_in_thread', true)] });
    await w.standIn.waitForCall((call) => isEditOf(config.token)(call) && /Settings saved/.test(call.body.content ?? ''));
    const posted = w.standIn.postMessage({ channelId: w.a.general, guildId: w.a.guild.id, author: w.a.alice, content: `read ${fixtures.url('/article.html?thread')}` });
    const thread = await w.standIn.waitForCall((call) => call.method === 'POST' && call.path === `/channels/${w.a.general}/messages/${posted.id}/threads`);
    expect(thread.body.name).toContain('The Quiet Lighthouse');
    const reply = await w.standIn.waitForCall((call) => call.method === 'POST' && call.path === `/channels/${posted.id}/messages`);
    expect(reply.body.embeds[0].title).toBe('The Quiet Lighthouse of Vannamere');
    expect(reply.files[0].data.subarray(8, 12).toString()).toBe('WEBP');
  });
});
