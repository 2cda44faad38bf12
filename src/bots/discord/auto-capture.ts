// Links posted in channels are captured without a command: every explicit http(s) link in a
// message from a person (not a bot). This file only reads the Discord message; which channels
// capture, the limits, tags and answers are the core's (core/chat/message-posted.ts). Deleting the
// message forgets what was captured from it.
import type { Message, MessageReaction, PartialMessage, PartialMessageReaction, PartialUser, User } from 'discord.js';
import { onMessageDeleted } from '../../core/chat/message-deleted.js';
import { onMessagePosted } from '../../core/chat/message-posted.js';
import { onReactionAdded } from '../../core/chat/reaction-added.js';
import { extractHashtags } from '../../core/tags.js';
import type { BotContext } from './context.js';
import { linksInMessage } from './message-links.js';
import type { MessageTarget } from './reply-target.js';
import { isChannelPrivate, settingsChannelId, workspaceFor } from './visibility.js';

export async function handleMessage(ctx: BotContext, message: Message): Promise<void> {
  if (message.author.bot || message.webhookId || message.system) return;
  const urls = linksInMessage(message.content ?? '');
  if (urls.length === 0) return;
  const ref = { channelId: message.channelId, messageId: message.id };
  await onMessagePosted(ctx.chat, {
    place: {
      workspace: workspaceFor(message, message.author),
      channelId: message.channelId,
      channelName: 'name' in message.channel && message.channel.name ? message.channel.name : null,
      private: isChannelPrivate(message.channel),
      direct: !message.guild,
      settingsChannelId: message.guild ? settingsChannelId(message.channel) : message.channelId,
    },
    message: ref,
    threadOf: ref,
    author: { id: message.author.id, name: message.member?.displayName ?? message.author.username },
    urls,
    hashtags: extractHashtags(message.content),
    text: message.content,
    locale: message.guild?.preferredLocale ?? 'en',
    replyTo: ({ locale, replyInThread }): MessageTarget => ({ kind: 'message', ...ref, guildId: message.guildId, locale, replyInThread }),
  });
}

/** A reaction: 🔄 on a card, or the capture emoji in reaction mode (core/chat/reaction-added.ts). */
export async function handleReactionAdd(ctx: BotContext, reaction: MessageReaction | PartialMessageReaction, user: User | PartialUser): Promise<void> {
  if (user.bot || user.id === ctx.client.user?.id) return;
  const emoji = reaction.emoji.name;
  if (!emoji) return;
  const partial = reaction.message;
  const channel = partial.channel;
  const guild = partial.guild ?? null;
  const ref = { channelId: partial.channelId, messageId: partial.id };
  const reactor = guild ? await guild.members.fetch(user.id).catch(() => null) : null;
  const fullUser = user.partial ? await user.fetch().catch(() => null) : user;
  if (!fullUser) return;
  await onReactionAdded(ctx.chat, {
    place: {
      workspace: workspaceFor({ guildId: partial.guildId, guild }, fullUser),
      channelId: partial.channelId,
      channelName: 'name' in channel && channel.name ? channel.name : null,
      private: isChannelPrivate(channel),
      direct: !partial.guildId,
      settingsChannelId: partial.guildId ? settingsChannelId(channel) : partial.channelId,
    },
    message: ref,
    threadOf: ref,
    reactor: { id: fullUser.id, name: reactor?.displayName ?? fullUser.username },
    reaction: emoji,
    locale: guild?.preferredLocale ?? 'en',
    // Only read when needed: the message may not be cached (reactions arrive for old messages too).
    load: async () => {
      const message = partial.partial ? await partial.fetch().catch(() => null) : partial;
      if (!message || message.author.bot) return null;
      return {
        author: { id: message.author.id, name: message.member?.displayName ?? message.author.username },
        urls: linksInMessage(message.content ?? ''),
        hashtags: extractHashtags(message.content ?? ''),
        text: message.content ?? '',
      };
    },
    replyTo: ({ locale, replyInThread }): MessageTarget => ({ kind: 'message', ...ref, guildId: partial.guildId, locale, replyInThread }),
  });
}

export async function handleMessageDelete(ctx: BotContext, message: Message | PartialMessage): Promise<void> {
  const dmUser = message.channel?.isDMBased() && 'recipientId' in message.channel ? message.channel.recipientId : message.author?.id;
  const workspaceId = message.guildId ? `discord:${message.guildId}` : dmUser ? `discord:dm:${dmUser}` : null;
  if (!workspaceId) return;
  await onMessageDeleted(ctx.chat, { workspaceId, channelId: message.channelId, messageId: message.id });
}
