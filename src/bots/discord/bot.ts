// Starts the Discord bot: a discord.js client pointed at config.discord.apiUrl (the gateway URL is
// learned from GET /gateway/bot), command registration, and the routing of gateway events to the
// handlers. A rejected token stops the bot with one clear log line instead of retrying forever.
import {
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  MessageFlags,
  Options,
  Partials,
  RESTEvents,
  Routes,
  type Interaction,
} from 'discord.js';
import type { Config } from '../../config.js';
import { FindPager } from '../../core/chat/find-pager.js';
import { errorMessage } from '../../core/chat/present.js';
import type { Logger } from '../../core/logger.js';
import { FairUse } from '../../core/chat/fair-use.js';
import { ChatPolicy } from '../../core/chat/policy.js';
import { MessageProgress } from '../../core/chat/message-progress.js';
import type { SnapService } from '../../core/service-api.js';
import type { Snapshot } from '../../core/types.js';
import { handleMessage, handleMessageDelete, handleReactionAdd } from './auto-capture.js';
import { discordChatPort, isPermanentDiscordError } from './chat-port.js';
import { isChannelPrivate } from './visibility.js';
import { CommandNames, commandDefinitions } from './commands.js';
import { handleSnapConfig } from './config-command.js';
import type { BotContext } from './context.js';
import { DefaultReplyRetry } from './delivery.js';
import { DiscordConnectError, DiscordTokenRejectedError } from './errors.js';
import { handleFind, handleFindButton } from './find-command.js';
import { handleForget, handleRetag, handleTags } from './manage-commands.js';
import { FindButtonPrefix } from './render.js';
import { ShareReplies } from './share-replies.js';
import { noticePoster } from './notices.js';
import { handleSnap } from './snap-command.js';
import { handleUnwatch, handleWatch, handleWatches } from './watch-command.js';

export interface DiscordBotOptions {
  service: SnapService;
  config: Config;
  logger: Logger;
  snapshotUrl: (snapshot: Pick<Snapshot, 'id'>) => string;
  /** The signed diff view from `againstId` to the snapshot (change notices, "changed since" cards). */
  diffUrl?: (snapshot: Pick<Snapshot, 'id'>, againstId: string) => string;
  /** Tuning, mostly for tests: REST retries of a 5xx, reply retries, how long to wait for READY. */
  tuning?: Partial<DiscordBotTuning>;
}

export interface DiscordBotTuning {
  restRetries: number;
  restTimeoutMs: number;
  replyRetry: { attempts: number; firstDelayMs: number };
  readyTimeoutMs: number;
  findPageSize: number;
  registerCommands: boolean;
}

export const DefaultDiscordBotTuning: DiscordBotTuning = {
  restRetries: 3,
  restTimeoutMs: 15_000,
  replyRetry: DefaultReplyRetry,
  readyTimeoutMs: 60_000,
  findPageSize: ChatPolicy.find.pageSize,
  registerCommands: true,
};

export interface DiscordBot {
  /** Null when DISCORD_TOKEN is not set and the bot did not start. */
  client: Client | null;
  stop(): Promise<void>;
}

/** Gateway close codes after which reconnecting cannot help. */
const CloseCodeAuthenticationFailed = 4004;
const CloseCodeDisallowedIntents = 4014;

export async function startDiscordBot(options: DiscordBotOptions): Promise<DiscordBot> {
  const { service, config, logger, snapshotUrl, diffUrl } = options;
  const tuning = { ...DefaultDiscordBotTuning, ...options.tuning };
  const token = config.discord.token;
  if (!token) {
    logger({ level: 'info', context: 'discord', message: 'DISCORD_TOKEN is not set; the Discord bot is off' });
    return { client: null, stop: async () => {} };
  }

  const client = new Client({
    intents: [
      GatewayIntentBits.Guilds,
      GatewayIntentBits.GuildMessages,
      GatewayIntentBits.MessageContent,
      GatewayIntentBits.DirectMessages,
      // 🔄 on a card, and the capture emoji in reaction mode.
      GatewayIntentBits.GuildMessageReactions,
      GatewayIntentBits.DirectMessageReactions,
    ],
    // DM channels, deleted messages and reactions on old messages are usually not cached; partials let their events through.
    partials: [Partials.Channel, Partials.Message, Partials.Reaction, Partials.User],
    rest: { api: config.discord.apiUrl, version: '10', retries: tuning.restRetries, timeout: tuning.restTimeoutMs },
    // Several bot processes split the gateway: each runs DISCORD_SHARDS of DISCORD_SHARD_COUNT.
    ...(config.discord.shardCount ? { shardCount: config.discord.shardCount, shards: config.discord.shards ?? [...Array(config.discord.shardCount).keys()] } : {}),
    makeCache: Options.cacheWithLimits({ ...Options.DefaultMakeCacheSettings, MessageManager: 100 }),
  });

  const port = discordChatPort({ client, logger, snapshotUrl, diffUrl, retry: tuning.replyRetry, cards: service, artifacts: service });
  const progress = new MessageProgress({ service, port, logger });
  const fairUse = new FairUse({ snapsPerUserPerMinute: config.rateLimit.snapsPerUserPerMinute });
  const replies = new ShareReplies({ client, service, logger, snapshotUrl, diffUrl, retry: tuning.replyRetry, progress, port });
  const ctx: BotContext = {
    client,
    service,
    logger,
    snapshotUrl,
    diffUrl,
    replies,
    chat: { service, port, fairUse, progress, logger, snapshotUrl },
    pager: new FindPager({ service, pageSize: tuning.findPageSize }),
  };

  const unsubscribe: Array<() => void> = [];
  let stopped = false;
  // While logging in, a rejected token surfaces as login()'s error and is reported once, there.
  let connecting = true;
  let gatewayRejectedToken = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const stopListening of unsubscribe) stopListening();
    await client.destroy();
    logger({ level: 'info', context: 'discord', message: 'Discord bot stopped' });
  };
  const stopForToken = (where: string) => {
    if (stopped || connecting) return;
    logger({ level: 'error', context: 'discord', message: new DiscordTokenRejectedError(where).message, details: { where } });
    void stop();
  };

  client.rest.on(RESTEvents.Response, (request, response) => {
    // Interaction webhooks authenticate with their own token; a 401 there is an expired interaction.
    if (response.status === 401 && request.data.auth !== false) stopForToken(`HTTP 401 on ${request.method.toUpperCase()} ${request.path}`);
  });
  client.on(Events.ShardDisconnect, (event, shardId) => {
    if (event.code === CloseCodeAuthenticationFailed) {
      gatewayRejectedToken = true;
      stopForToken(`gateway closed with ${event.code}`);
    }
    else if (event.code === CloseCodeDisallowedIntents) {
      logger({
        level: 'error',
        context: 'discord',
        message: 'Discord refused the Message Content intent (close 4014): enable it for the bot in the Developer Portal; the Discord bot is stopped',
      });
      void stop();
    } else logger({ level: 'warn', context: 'discord', message: `Gateway connection closed for good (code ${event.code})`, details: { shardId } });
  });
  client.on(Events.ShardReconnecting, (shardId) => logger({ level: 'info', context: 'discord', message: 'Gateway connection lost; reconnecting', details: { shardId } }));
  client.on(Events.ShardResume, (shardId, replayed) => logger({ level: 'info', context: 'discord', message: 'Gateway session resumed', details: { shardId, replayed } }));
  client.on(Events.Error, (error) => logger({ level: 'error', context: 'discord', message: 'discord.js reported an error', details: { error } }));

  client.on(Events.InteractionCreate, (interaction) => void routeInteraction(ctx, interaction));
  client.on(Events.MessageCreate, (message) =>
    void handleMessage(ctx, message).catch((error) =>
      logger({ level: 'error', context: 'discord', message: 'Auto-capture failed', details: { messageId: message.id, channelId: message.channelId, error } }),
    ),
  );
  // A channel made private (or opened) later: its links and tags are hidden (or shown) to match.
  client.on(Events.ChannelUpdate, (_before, channel) => {
    if (channel.isDMBased() || !('guildId' in channel)) return;
    void service.setChannelPrivacy(`discord:${channel.guildId}`, channel.id, isChannelPrivate(channel)).catch((error) =>
      logger({ level: 'error', context: 'discord', message: 'Recording a channel privacy change failed', details: { channelId: channel.id, error } }),
    );
  });
  client.on(Events.ThreadUpdate, (_before, thread) => {
    void service.setChannelPrivacy(`discord:${thread.guildId}`, thread.id, isChannelPrivate(thread)).catch((error) =>
      logger({ level: 'error', context: 'discord', message: 'Recording a thread privacy change failed', details: { channelId: thread.id, error } }),
    );
  });
  client.on(Events.MessageReactionAdd, (reaction, user) =>
    void handleReactionAdd(ctx, reaction, user).catch((error) =>
      logger({ level: 'error', context: 'discord', message: 'Handling a reaction failed', details: { messageId: reaction.message.id, error } }),
    ),
  );
  client.on(Events.MessageBulkDelete, (messages) => {
    for (const message of messages.values()) client.emit(Events.MessageDelete, message);
  });
  client.on(Events.MessageDelete, (message) =>
    void handleMessageDelete(ctx, message).catch((error) =>
      logger({ level: 'error', context: 'discord', message: 'Forgetting a deleted message failed', details: { messageId: message.id, error } }),
    ),
  );

  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no READY within ${tuning.readyTimeoutMs} ms`)), tuning.readyTimeoutMs);
    client.once(Events.ClientReady, () => {
      clearTimeout(timer);
      resolve();
    });
  });
  try {
    await client.login(token);
    await ready;
  } catch (error) {
    await client.destroy().catch(() => undefined);
    const rejected = (error as { code?: string }).code === 'TokenInvalid' || (error instanceof DiscordAPIError && error.status === 401);
    const failure = rejected
      ? new DiscordTokenRejectedError('HTTP 401 on GET /gateway/bot', error)
      : gatewayRejectedToken
        ? new DiscordTokenRejectedError(`gateway closed with ${CloseCodeAuthenticationFailed}`, error)
        : new DiscordConnectError(config.discord.apiUrl, error);
    logger({ level: 'error', context: 'discord', message: failure.message });
    throw failure;
  }
  connecting = false;
  logger({
    level: 'info',
    context: 'discord',
    message: `Discord bot connected as ${client.user?.tag}`,
    details: { guilds: client.guilds.cache.size, applicationId: client.application?.id },
  });

  if (tuning.registerCommands && client.application) {
    await putCommands(client.rest, client.application.id, config.discord.guildId, logger).catch((error) =>
      logger({ level: 'warn', context: 'discord', message: 'Registering slash commands failed; existing ones stay in place', details: { error } }),
    );
  }
  const owned = ownedShards(config.discord);
  const owns = (workspaceId: string) => !owned || owned.has(shardOf(workspaceId, config.discord.shardCount!));
  // Replies and notices go out from the process whose shard holds the guild (DMs: shard 0), never twice.
  unsubscribe.push(service.subscribe('discord', replies.handle, owned ? { owns: (share) => owns(share.workspaceId) } : {}));
  unsubscribe.push(
    service.subscribeNotices('discord', noticePoster({ client, artifacts: service, logger, snapshotUrl, diffUrl }), {
      ...(owned ? { owns } : {}),
      isPermanentFailure: isPermanentDiscordError,
    }),
  );
  return { client, stop };
}

function ownedShards(discord: Config['discord']): Set<number> | null {
  if (!discord.shardCount || discord.shardCount === 1) return null;
  return new Set(discord.shards ?? [...Array(discord.shardCount).keys()]);
}

/** Discord's rule: shard = (guild id >> 22) % shard count; a DM workspace is shard 0's. */
export function shardOf(workspaceId: string, shardCount: number): number {
  const guildId = /^discord:(\d+)$/.exec(workspaceId)?.[1];
  return guildId ? Number((BigInt(guildId) >> 22n) % BigInt(shardCount)) : 0;
}

async function routeInteraction(ctx: BotContext, interaction: Interaction): Promise<void> {
  try {
    if (interaction.isChatInputCommand()) {
      switch (interaction.commandName) {
        case CommandNames.snap:
          return await handleSnap(ctx, interaction);
        case CommandNames.find:
          return await handleFind(ctx, interaction);
        case CommandNames.tags:
          return await handleTags(ctx, interaction);
        case CommandNames.retag:
          return await handleRetag(ctx, interaction);
        case CommandNames.forget:
          return await handleForget(ctx, interaction);
        case CommandNames.config:
          return await handleSnapConfig(ctx, interaction);
        case CommandNames.watch:
          return await handleWatch(ctx, interaction);
        case CommandNames.unwatch:
          return await handleUnwatch(ctx, interaction);
        case CommandNames.watches:
          return await handleWatches(ctx, interaction);
        default:
          return;
      }
    }
    if (interaction.isButton() && interaction.customId.startsWith(FindButtonPrefix)) return await handleFindButton(ctx, interaction);
  } catch (error) {
    ctx.logger({
      level: 'error',
      context: 'discord',
      message: 'Handling an interaction failed',
      details: { interactionId: interaction.id, command: interaction.isCommand() ? interaction.commandName : null, error },
    });
    if (!interaction.isRepliable()) return;
    const content = errorMessage(interaction.locale, error);
    await (interaction.deferred || interaction.replied ? interaction.editReply({ content }) : interaction.reply({ content, flags: MessageFlags.Ephemeral })).catch(() => undefined);
  }
}

type RestLike = Client['rest'];

async function putCommands(rest: RestLike, applicationId: string, guildId: string | null, logger: Logger): Promise<void> {
  const body = commandDefinitions();
  await rest.put(guildId ? Routes.applicationGuildCommands(applicationId, guildId) : Routes.applicationCommands(applicationId), { body });
  logger({
    level: 'info',
    context: 'discord',
    message: guildId ? `Registered ${body.length} slash commands in server ${guildId}` : `Registered ${body.length} global slash commands (they can take up to an hour to appear)`,
  });
}

/** `linksnap discord:register`: registers the slash commands without connecting to the gateway. */
export async function registerDiscordCommands(options: { config: Config; logger: Logger }): Promise<void> {
  const { config, logger } = options;
  if (!config.discord.token) throw new DiscordTokenRejectedError('DISCORD_TOKEN is not set');
  const { REST } = await import('discord.js');
  const rest = new REST({ api: config.discord.apiUrl, version: '10', retries: 2 }).setToken(config.discord.token);
  let applicationId: string;
  try {
    applicationId = ((await rest.get(Routes.currentApplication())) as { id: string }).id;
  } catch (error) {
    if (error instanceof DiscordAPIError && error.status === 401) throw new DiscordTokenRejectedError('HTTP 401 on GET /applications/@me', error);
    throw new DiscordConnectError(config.discord.apiUrl, error);
  }
  await putCommands(rest, applicationId, config.discord.guildId, logger);
}
