// The core conversation's port on Slack: reactions, ephemeral notices and threaded replies over the
// Web API, who can read which conversation from the directory, and Slack's mention syntax.
import type { webApi } from '@slack/bolt';
import type { AutoTarget, ChatPort, ProgressMark } from '../../core/chat/port.js';
import { pickLocale } from '../../core/i18n.js';
import type { Logger } from '../../core/logger.js';
import type { Snapshot } from '../../core/types.js';
import type { SlackDirectory } from './directory.js';
import { ProgressReactions, isSlackReplyTo } from './reply-context.js';
import { slackWords } from './repost.js';
import { isPermanentSlackError } from './slack-errors.js';
import { react, renderCard } from './share-events.js';
import type { SnapService } from '../../core/service-api.js';
import { postEphemeral } from './snap-command.js';
import type { ThumbnailUploader } from './thumbnails.js';

const MarkNames: Record<ProgressMark, string> = {
  capturing: ProgressReactions.pending,
  done: ProgressReactions.done,
  failed: ProgressReactions.failed,
  repost: ProgressReactions.repost,
};

/** Slack names reactions by short name; the Unicode emoji settings use, as Slack names them. */
const SlackEmojiNames: Record<string, string> = {
  '📌': 'pushpin',
  '📍': 'round_pushpin',
  '🔄': 'arrows_counterclockwise',
  '🔖': 'bookmark',
  '⭐': 'star',
  '📎': 'paperclip',
  '💾': 'floppy_disk',
  '👀': 'eyes',
};

export interface SlackChatPortOptions {
  client: webApi.WebClient;
  directory: SlackDirectory;
  service: SnapService;
  uploader: ThumbnailUploader;
  snapshotUrl: (snapshot: Snapshot) => string;
  diffUrl?: (snapshot: Pick<Snapshot, 'id'>, againstId: string) => string;
  logger: Logger;
}

export function slackChatPort(options: SlackChatPortOptions): ChatPort {
  const { client, directory, logger } = options;
  return {
    platform: 'slack',
    async mark(message, mark, on) {
      await react(client, on ? 'add' : 'remove', message.channelId, message.messageId, MarkNames[mark]);
    },
    async tell(target, text) {
      await postEphemeral(client, target.message.channelId, target.userId, text, logger);
    },
    async reply(target, text, inThread) {
      await client.chat.postMessage({
        channel: target.message.channelId,
        ...(inThread ? { thread_ts: target.threadOf.messageId } : {}),
        text,
        unfurl_links: false,
        unfurl_media: false,
      });
    },
    async postCard(target, card) {
      const message = await renderCard(options, card.snapshot, card.share, pickLocale(target.locale), card.note ? [card.note] : [], card.link);
      const posted = await client.chat.postMessage({
        channel: target.message.channelId,
        thread_ts: target.threadOf.messageId,
        text: message.text,
        blocks: message.blocks,
        unfurl_links: false,
        unfurl_media: false,
      });
      if (posted.ts) await options.service.recordCard({ platform: 'slack', channelId: target.message.channelId, messageId: posted.ts, workspaceId: card.share.workspaceId, linkId: card.link.id, shareId: card.share.id });
    },
    viewerOf: (userId, place) => directory.viewerIn(place.workspaceId, userId, place.channelId),
    autoTarget(value): AutoTarget | null {
      if (!isSlackReplyTo(value) || value.kind !== 'auto') return null;
      return {
        message: { channelId: value.channel, messageId: value.messageTs },
        threadOf: { channelId: value.channel, messageId: value.threadTs },
        userId: value.userId,
        locale: value.locale,
        replyInThread: value.replyInThread,
      };
    },
    isEmoji: (reaction, emoji) => reaction.replace(/::skin-tone-\d$/, '') === (SlackEmojiNames[emoji] ?? emoji.replace(/^:|:$/g, '')),
    isPermanentFailure: isPermanentSlackError,
    words: slackWords,
  };
}
