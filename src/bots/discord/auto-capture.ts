// Links posted in channels are captured without a command: every explicit http(s) link in a
// message from a person (not a bot), in a channel the server's settings allow. #hashtags and the
// channel's name become tags. Deleting the message forgets what was captured from it.
import type { Message, PartialMessage } from 'discord.js';
import { errorMessage, relativeTime } from '../../core/chat/present.js';
import { t } from '../../core/i18n.js';
import { extractHashtags, normalizeTag } from '../../core/tags.js';
import type { SnapAccepted, WorkspaceSettings } from '../../core/types.js';
import { Reactions, type BotContext } from './context.js';
import { setReaction } from './delivery.js';
import { linksInMessage } from './message-links.js';
import type { MessageTarget } from './reply-target.js';
import { settingsChannelId, sourceFor, workspaceFor } from './visibility.js';

/** Most links a single message may queue; a wall of links is usually a paste, not a share. */
const MaxLinksPerMessage = 20;

export async function handleMessage(ctx: BotContext, message: Message): Promise<void> {
  if (message.author.bot || message.webhookId || message.system) return;
  const urls = linksInMessage(message.content ?? '').slice(0, MaxLinksPerMessage);
  if (urls.length === 0) return;
  const workspace = workspaceFor(message, message.author);
  const settings = await ctx.service.getSettings(workspace.id);
  if (!capturesIn(settings, message.guild ? settingsChannelId(message.channel) : null)) return;

  const locale = settings.locale ?? message.guild?.preferredLocale ?? 'en';
  const channelName = 'name' in message.channel && message.channel.name ? message.channel.name : null;
  const tags = [...extractHashtags(message.content), ...(message.guild && channelName ? [normalizeTag(channelName)] : [])].filter(
    (tag): tag is string => Boolean(tag),
  );
  const target: MessageTarget = {
    kind: 'message',
    channelId: message.channelId,
    messageId: message.id,
    guildId: message.guildId,
    locale,
    replyInThread: settings.replyInThread,
  };
  for (const url of urls) {
    const details = { url, workspace: workspace.id, channelId: message.channelId, messageId: message.id };
    let accepted: SnapAccepted;
    try {
      accepted = await ctx.service.snap({
        url,
        tags,
        workspace,
        requester: { id: message.author.id, name: message.member?.displayName ?? message.author.username },
        source: { platform: 'discord', ...sourceFor(message.channel, message.channelId), messageId: message.id, auto: true, replyTo: target },
      });
    } catch (error) {
      // A refused link (private address, bad scheme) gets a quiet ⚠️, not a reply in the channel.
      ctx.logger({ level: 'info', context: 'discord', message: 'Auto-capture refused a link', details: { ...details, reason: errorMessage('en', error) } });
      await setReaction(ctx.client, message.channelId, message.id, Reactions.failed, true).catch(() => undefined);
      continue;
    }
    ctx.replies.trackMessageShare(target, accepted.share.id);
    ctx.logger({ level: 'info', context: 'discord', message: accepted.deduplicated ? 'Auto-capture reused a recent snapshot' : 'Auto-capture queued a link', details: { ...details, snapshotId: accepted.snapshot.id } });
    if (accepted.firstShare && accepted.firstShare.messageId !== message.id) await noticeRepost(ctx, message, accepted, settings, locale);
  }
}

/** A link already shared in this server: a 🔁 reaction, or a short reply saying who, where, when. */
async function noticeRepost(ctx: BotContext, message: Message, accepted: SnapAccepted, settings: WorkspaceSettings, locale: string): Promise<void> {
  const first = accepted.firstShare!;
  try {
    if (settings.duplicateNotice === 'reaction') {
      await setReaction(ctx.client, message.channelId, message.id, Reactions.repost, true);
    } else if (settings.duplicateNotice === 'reply') {
      // Someone in this channel must not learn about a share in a private channel they may not see.
      if (first.channelPrivate && first.channelId !== message.channelId) return;
      const content = t(locale, 'repost.notice', {
        user: `<@${first.userId}>`,
        channel: first.channelId ? `<#${first.channelId}>` : '—',
        when: relativeTime(locale, first.createdAt),
        link: ctx.snapshotUrl(accepted.snapshot),
      });
      await message.reply({ content, allowedMentions: { parse: [], repliedUser: false } });
    }
  } catch (error) {
    ctx.logger({ level: 'warn', context: 'discord', message: 'Could not answer a repost', details: { messageId: message.id, error } });
  }
}

export function capturesIn(settings: WorkspaceSettings, channelId: string | null): boolean {
  if (!settings.autoCapture) return false;
  if (channelId === null) return true;
  if (settings.autoCaptureExcluded.includes(channelId)) return false;
  return settings.autoCaptureChannels === null || settings.autoCaptureChannels.includes(channelId);
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
