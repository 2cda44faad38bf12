// One Discord world for end-to-end tests: the stand-in Discord with two servers (a public and a
// private channel, a moderator role, members), the real linksnap app (SQLite, blobs, Chromium) and
// the real bot (discord.js) connected to the stand-in.
import { PermissionFlagsBits } from 'discord.js';
import { startDiscordBot, type DiscordBot, type DiscordBotTuning } from '../../../src/bots/discord/index.js';
import type { Snapshot } from '../../../src/core/types.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { EveryoneDefault, guild, member, privateChannel, role, textChannel, thread, user, type GuildPayload, type UserPayload } from './payloads.js';
import { startDiscordStandIn, type DiscordStandIn, type StandInOptions } from './server.js';

export interface DiscordWorld {
  standIn: DiscordStandIn;
  app: TestApp;
  bot: DiscordBot;
  /**
   * Server A: #general, #random, #secret (only the mods role and the owner can read it), and in
   * #general a private thread `huddle` that alice and the bot joined (keeper may manage threads).
   */
  a: {
    guild: GuildPayload;
    general: string;
    random: string;
    secret: string;
    huddle: string;
    owner: UserPayload;
    alice: UserPayload;
    bob: UserPayload;
    mod: UserPayload;
    keeper: UserPayload;
  };
  /** Server B: #lobby. */
  b: { guild: GuildPayload; lobby: string; owner: UserPayload; carol: UserPayload };
  /** Server C installed the app with applications.commands only: the bot never receives the guild. */
  c: { guild: GuildPayload; hall: string; dave: UserPayload };
  snapshotUrl(snapshot: Pick<Snapshot, 'id'>): string;
  diffUrl(snapshot: Pick<Snapshot, 'id'>, againstId: string): string;
  close(): Promise<void>;
}

export async function startDiscordWorld(
  options: { env?: Record<string, string>; tuning?: Partial<DiscordBotTuning>; standIn?: StandInOptions; captures?: boolean } = {},
): Promise<DiscordWorld> {
  const standIn = await startDiscordStandIn({ heartbeatIntervalMs: 500, ...options.standIn });

  const owner = user('owner-a');
  const alice = user('alice');
  const bob = user('bob');
  const mod = user('mod');
  const keeper = user('keeper');
  const mods = role('mods', PermissionFlagsBits.ManageMessages);
  const threadKeepers = role('thread keepers', PermissionFlagsBits.ManageThreads);
  const guildA = guild({
    name: 'Server A',
    owner,
    roles: [mods, threadKeepers],
    channels: (id) => [textChannel('general'), textChannel('random'), privateChannel('secret', id, { roles: [mods.id] })],
    members: [member(alice), member(bob), member(mod, [mods.id]), member(keeper, [threadKeepers.id])],
    everyone: EveryoneDefault,
  });
  // Before the bot connects, so it arrives in GUILD_CREATE's `threads` as Discord sends it.
  const huddle = thread('huddle', guildA.channels[0], { private: true, owner: alice, members: [standIn.bot.id] });
  guildA.threads.push(huddle.thread);
  guildA.threadMembers[huddle.thread.id] = huddle.members;
  const ownerB = user('owner-b');
  const carol = user('carol');
  const guildB = guild({ name: 'Server B', owner: ownerB, channels: () => [textChannel('lobby')], members: [member(carol)], locale: 'zh-CN' });
  standIn.addGuild(guildA);
  standIn.addGuild(guildB);
  const dave = user('dave');
  const guildC = guild({ name: 'Server C', owner: user('owner-c'), channels: () => [textChannel('hall')], members: [member(dave)] });
  standIn.addGuild(guildC, [], { botJoined: false });

  const app = await startTestApp({
    captures: options.captures,
    env: {
      DISCORD_TOKEN: standIn.token,
      DISCORD_API_URL: standIn.apiUrl,
      DISCORD_GUILD_ID: guildA.id,
      LINKSNAP_PUBLIC_URL: 'http://127.0.0.1:9',
      ...options.env,
    },
  });
  const snapshotUrl = (snapshot: Pick<Snapshot, 'id'>) => `${app.config.publicUrl}/s/${snapshot.id}`;
  const diffUrl = (snapshot: Pick<Snapshot, 'id'>, againstId: string) => `${app.config.publicUrl}/s/${snapshot.id}/diff?against=${againstId}`;
  const bot = await startDiscordBot({
    service: app.service,
    config: app.config,
    logger: app.logger,
    snapshotUrl,
    diffUrl,
    tuning: { restRetries: 1, replyRetry: { attempts: 4, firstDelayMs: 100 }, readyTimeoutMs: 15_000, ...options.tuning },
  });
  return {
    standIn,
    app,
    bot,
    a: { guild: guildA, general: guildA.channels[0].id, random: guildA.channels[1].id, secret: guildA.channels[2].id, huddle: huddle.thread.id, owner, alice, bob, mod, keeper },
    b: { guild: guildB, lobby: guildB.channels[0].id, owner: ownerB, carol },
    c: { guild: guildC, hall: guildC.channels[0].id, dave },
    snapshotUrl,
    diffUrl,
    async close() {
      await bot.stop();
      await app.close();
      await standIn.close();
    },
  };
}

/** Slash command option payloads: type 3 string, 4 integer, 5 boolean, 7 channel. */
export const opt = {
  string: (name: string, value: string) => ({ name, type: 3, value }),
  integer: (name: string, value: number) => ({ name, type: 4, value }),
  boolean: (name: string, value: boolean) => ({ name, type: 5, value }),
  channel: (name: string, value: string) => ({ name, type: 7, value }),
};
