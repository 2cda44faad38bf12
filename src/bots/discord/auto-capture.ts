// Links posted in channels are captured without a command: every explicit http(s) link in a
// message from a person (not a bot). This file only reads the Discord message; which channels
// capture, the limits, tags and answers are the core's (core/chat/message-posted.ts). Deleting the
// message forgets what was captured from it.
import type { Message, PartialMessage } from 'discord.js';
import { onMessagePosted } from '../../core/chat/message-posted.js';
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

export async function handleMessageDelete(ctx: BotContext, message: Message | PartialMessage): Promise<void> {
  const dmUser = message.channel?.isDMBased() && 'recipientId' in message.channel ? message.channel.recipientId : message.author?.id;
  const workspaceId = message.guildId ? `discord:${message.guildId}` : dmUser ? `discord:dm:${dmUser}` : null;
  if (!workspaceId) return;
  const settings = await ctx.service.getSettings(workspaceId);
  if (!settings.forgetOnDelete) return;
  const removed = await ctx.service.forgetMessage(workspaceId, message.channelId, message.id);
  if (removed.length) {
    ctx.logger({ level: 'info', context: 'discord', message: 'Message deleted; forgot what was captured from it', details: { workspace: workspaceId, messageId: message.id, links: removed.length } });
  }
}
