// The core conversation's port on Discord: reactions, replies and threads over REST, who can see
// which channel from discord.js's cache, and Discord's mention syntax. No rule lives here.
import { DiscordAPIError, GuildMember, RESTJSONErrorCodes, Routes, type Client } from 'discord.js';
import type { AutoTarget, ChatPort, MessageRef, ProgressMark } from '../../core/chat/port.js';
import type { Logger } from '../../core/logger.js';
import type { SnapService } from '../../core/service-api.js';
import type { Snapshot, Viewer } from '../../core/types.js';
import { Reactions } from './context.js';
import { postInThread, setReaction, withRetries } from './delivery.js';
import { dt } from './messages.js';
import { parseReplyTarget } from './reply-target.js';
import { snapshotReply, textReply, type DiffUrl } from './render.js';
import { viewerFor } from './visibility.js';

const MarkEmoji: Record<ProgressMark, string> = { capturing: Reactions.capturing, done: Reactions.done, failed: Reactions.failed, repost: Reactions.repost };

/**
 * Errors after which the same call can never succeed: unknown channel, guild or message, missing
 * access or permissions, an archived thread. Retrying them only counts towards Discord's ban of
 * bots that make 10,000 invalid requests in 10 minutes.
 */
const PermanentCodes: ReadonlySet<number> = new Set([
  RESTJSONErrorCodes.UnknownChannel,
  RESTJSONErrorCodes.UnknownGuild,
  RESTJSONErrorCodes.UnknownMessage,
  RESTJSONErrorCodes.MissingAccess,
  RESTJSONErrorCodes.MissingPermissions,
  RESTJSONErrorCodes.ThreadLocked,
  RESTJSONErrorCodes.CannotSendMessagesToThisUser,
  RESTJSONErrorCodes.MaximumNumberOfReactionsReached,
]);

export function isPermanentDiscordError(error: unknown): boolean {
  if (!(error instanceof DiscordAPIError)) return false;
  return (typeof error.code === 'number' && PermanentCodes.has(error.code)) || error.status === 403 || error.status === 404;
}

export interface DiscordChatPortOptions {
  client: Client;
  logger: Logger;
  snapshotUrl: (snapshot: Pick<Snapshot, 'id'>) => string;
  diffUrl?: DiffUrl;
  retry: { attempts: number; firstDelayMs: number };
  /** Where posted cards are remembered, so 🔄 on one captures its page again. */
  cards?: Pick<SnapService, 'recordCard'>;
  /** Where uploaded thumbnails are read from. */
  artifacts: Pick<SnapService, 'openArtifact'>;
}

export function discordChatPort(options: DiscordChatPortOptions): ChatPort {
  const { client, logger, snapshotUrl, diffUrl, retry, cards, artifacts } = options;
  const retried = <T,>(what: string, details: object, fn: () => Promise<T>) => withRetries(fn, { ...retry, logger, what, details: { ...details } });
  const replyTo = (message: MessageRef, content: string) =>
    client.rest.post(Routes.channelMessages(message.channelId), {
      body: { content, allowed_mentions: { parse: [] }, message_reference: { message_id: message.messageId, fail_if_not_exists: false } },
    });
  return {
    platform: 'discord',
    async mark(message, mark, on) {
      await retried('reaction', { ...message, mark }, () => setReaction(client, message.channelId, message.messageId, MarkEmoji[mark], on));
    },
    async tell(target, text) {
      // A plain message has no ephemeral answer on Discord: a quiet reply to the poster's message.
      await retried('notice', target.message, () => replyTo(target.message, text));
    },
    async reply(target, text, inThread) {
      if (inThread) {
        await retried('thread reply', target.message, () => postInThread(client, artifacts, target.message.channelId, target.message.messageId, text.slice(0, 90), textReply(text)));
      } else {
        await retried('reply', target.message, () => replyTo(target.message, text));
      }
    },
    async postCard(target, card) {
      const body = snapshotReply(card.snapshot, card.link, { locale: target.locale, viewUrl: snapshotUrl(card.snapshot), diffUrl, note: card.note });
      const title = body.embeds[0]?.title ?? card.snapshot.url;
      const posted = await retried('thread reply', target.message, () =>
        postInThread(client, artifacts, target.message.channelId, target.message.messageId, dt(target.locale, 'thread.name', { title }), body),
      );
      await cards?.recordCard({ platform: 'discord', channelId: posted.channel_id, messageId: posted.id, workspaceId: card.share.workspaceId, linkId: card.link.id, shareId: card.share.id });
    },
    async viewerOf(userId, place): Promise<Viewer | null> {
      const guildId = place.workspaceId.startsWith('discord:dm:') ? null : place.workspaceId.replace(/^discord:/, '');
      if (!guildId) return null;
      const guild = client.guilds.cache.get(guildId) ?? null;
      const member = guild ? await guild.members.fetch(userId).catch(() => null) : null;
      return viewerFor({ guildId, guild, channelId: place.channelId }, member instanceof GuildMember ? member : null);
    },
    autoTarget(value): AutoTarget | null {
      const target = parseReplyTarget(value);
      if (!target || target.kind !== 'message') return null;
      const message = { channelId: target.channelId, messageId: target.messageId };
      return { message, threadOf: message, userId: '', locale: target.locale, replyInThread: target.replyInThread };
    },
    // Unicode emoji arrive with or without the emoji variation selector; custom ones by name.
    isEmoji: (reaction, emoji) => reaction.replace(/\uFE0F/g, '') === emoji.replace(/\uFE0F/g, '').replace(/^:|:$/g, ''),
    isPermanentFailure: isPermanentDiscordError,
    words: {
      user: (userId) => `<@${userId}>`,
      channel: (channelId, workspaceId, locale) => (channelId && !workspaceId.startsWith('discord:dm:') ? `<#${channelId}>` : dt(locale, 'repost.dm')),
    },
  };
}
