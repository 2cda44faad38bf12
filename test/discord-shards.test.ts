// Two bot processes split the gateway (DISCORD_SHARD_COUNT=2, DISCORD_SHARDS=0 and 1): the stand-in
// Discord routes each guild's events to the session of its shard, as Discord does, and each guild
// is answered by exactly one bot, commands and posted links alike.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDiscordBot, type DiscordBot } from '../src/bots/discord/index.js';
import { shardOf } from '../src/bots/discord/bot.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { createMemoryLogger, type LogEvent } from '../src/core/logger.js';
import type { Snapshot } from '../src/core/types.js';
import { startFixtureServer, type FixtureServer } from './helpers/fixture-server.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { guild, member, snowflakeOnShard, textChannel, user, type GuildPayload } from './stand-ins/discord/payloads.js';
import { opt } from './stand-ins/discord/harness.js';
import { startDiscordStandIn, type DiscordStandIn } from './stand-ins/discord/server.js';

let standIn: DiscordStandIn;
let app: TestApp;
let fixtures: FixtureServer;
const bots: DiscordBot[] = [];
const logs: LogEvent[][] = [];
const guilds: GuildPayload[] = [];
const alice = user('alice');

beforeAll(async () => {
  fixtures = await startFixtureServer();
  standIn = await startDiscordStandIn({ heartbeatIntervalMs: 500 });
  for (const shard of [0, 1]) {
    const g = guild({ id: snowflakeOnShard(shard), name: `Shard ${shard}`, owner: user(`owner-${shard}`), channels: () => [textChannel('general')], members: [member(alice)] });
    standIn.addGuild(g);
    guilds.push(g);
  }
  app = await startTestApp({ env: { DISCORD_TOKEN: standIn.token, DISCORD_API_URL: standIn.apiUrl, LINKSNAP_PUBLIC_URL: 'http://127.0.0.1:9' } });
  const snapshotUrl = (snapshot: Pick<Snapshot, 'id'>) => `http://127.0.0.1:9/s/${snapshot.id}`;
  for (const shard of [0, 1]) {
    const logger = createMemoryLogger();
    logs.push(logger.events);
    const config = { ...app.config, discord: { ...app.config.discord, shardCount: 2, shards: [shard] } };
    bots.push(await startDiscordBot({ service: app.service, config, logger, snapshotUrl, tuning: { restRetries: 1, replyRetry: { attempts: 3, firstDelayMs: 100 }, readyTimeoutMs: 15_000 } }));
  }
}, 60_000);

afterAll(async () => {
  for (const bot of bots) await bot.stop();
  await app?.close();
  await standIn?.close();
  await fixtures?.close();
});

it('reads the shard settings and refuses ones that disagree', () => {
  expect(loadConfig({ DISCORD_SHARD_COUNT: '4', DISCORD_SHARDS: '3, 1' }, '/tmp').discord).toMatchObject({ shardCount: 4, shards: [1, 3] });
  expect(loadConfig({ DISCORD_SHARD_COUNT: '2' }, '/tmp').discord).toMatchObject({ shardCount: 2, shards: null });
  expect(() => loadConfig({ DISCORD_SHARDS: '0' }, '/tmp')).toThrow(ConfigError);
  expect(() => loadConfig({ DISCORD_SHARD_COUNT: '2', DISCORD_SHARDS: '2' }, '/tmp')).toThrow(/0 to 1/);
  expect(shardOf(`discord:${guilds[1].id}`, 2)).toBe(1);
  expect(shardOf('discord:dm:123', 2)).toBe(0);
});

it('answers each guild from the bot whose shard holds it, once', { timeout: 90_000 }, async () => {
  for (const [shard, g] of guilds.entries()) {
    const handle = standIn.slashCommand({ name: 'snap', guildId: g.id, channelId: g.channels[0].id, user: alice, options: [opt.string('url', fixtures.url(`/article.html?shard=${shard}`))] });
    await standIn.waitForCall((call) => call.method === 'PATCH' && call.path.endsWith(`/${handle.token}/messages/@original`) && call.body.embeds?.length > 0, 60_000);
    expect(standIn.calls.filter((call) => call.path === `/interactions/${handle.id}/${handle.token}/callback`)).toHaveLength(1);
    const posted = standIn.postMessage({ channelId: g.channels[0].id, guildId: g.id, author: alice, content: fixtures.url(`/article.html?posted-shard=${shard}`) });
    await standIn.waitForCall((call) => call.method === 'PUT' && call.path.endsWith(`/messages/${posted.id}/reactions/📸/@me`), 60_000);
  }
  const answered = (events: LogEvent[]) => events.filter((event) => event.message === 'Answered /snap with the done snapshot').map((event) => event.details?.workspace);
  expect(answered(logs[0])).toEqual([`discord:${guilds[0].id}`]);
  expect(answered(logs[1])).toEqual([`discord:${guilds[1].id}`]);
  const captured = (events: LogEvent[]) => events.filter((event) => event.context === 'chat' && event.message === 'Auto-capture refused a link').length;
  expect(captured(logs[0]) + captured(logs[1])).toBe(0);
  // Each posted message got its reactions from one bot only: one ⏳ each.
  for (const g of guilds) {
    const hourglasses = standIn.calls.filter((call) => call.method === 'PUT' && call.path.startsWith(`/channels/${g.channels[0].id}/`) && call.path.endsWith('/reactions/⏳/@me'));
    expect(hourglasses).toHaveLength(1);
  }
});

it('posts a notice only from the bot whose shard holds its guild', async () => {
  const notice = (g: GuildPayload) => ({
    workspaceId: `discord:${g.id}`,
    platform: 'discord' as const,
    channelId: g.channels[0].id,
    dedupKey: `shard-test:${g.id}`,
    payload: { kind: 'watch-failing' as const, watchId: 'w1', linkId: 'l1', url: fixtures.url(`/gone?guild=${g.id}`), failures: 3, error: 'HTTP 500', locale: null },
  });
  const posts = (g: GuildPayload) => standIn.calls.filter((call) => call.method === 'POST' && call.path === `/channels/${g.channels[0].id}/messages` && call.body?.embeds?.[0]?.title?.includes('keeps failing'));
  // With shard 1's bot gone, shard 0's bot posts its own guild's notice and leaves the other one waiting.
  await bots[1].stop();
  for (const g of guilds) await app.service.updateSettings(`discord:${g.id}`, {});
  await app.service.notices.add(notice(guilds[1]));
  await app.service.notices.add(notice(guilds[0]));
  await standIn.waitUntil(() => posts(guilds[0]).length > 0, 30_000, 'shard 0 posted its notice');
  await app.service.notices.deliverDue();
  expect(posts(guilds[0])).toHaveLength(1);
  expect(posts(guilds[1])).toEqual([]);
});
