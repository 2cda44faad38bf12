// Turns a share's progress (queued → capturing → done / failed) into Slack: the /snap progress message
// is updated in place into the result card; an auto-captured message gets reactions and, when the
// workspace wants it, a threaded card. Every step is idempotent, because terminal events are
// delivered again after a restart until this handler resolves.
import type { webApi } from '@slack/bolt';
import { snapshotCard } from '../../core/chat/present.js';
import type { Logger } from '../../core/logger.js';
import type { SnapService } from '../../core/service-api.js';
import type { Locale } from '../../core/i18n.js';
import type { Share, ShareEvent, Snapshot } from '../../core/types.js';
import { snapshotCardMessage, type SlackMessage } from './blocks.js';
import { ProgressReactions, isSlackReplyTo, type AutoReplyTo, type SnapReplyTo } from './reply-context.js';
import { firstShareNote, shouldMentionFirstShare } from './repost.js';
import { isAlreadyDone, isPermanentSlackError } from './slack-errors.js';
import type { ThumbnailUploader } from './thumbnails.js';

export interface ShareEventDeps {
  client: webApi.WebClient;
  service: Pick<SnapService, 'getLink' | 'firstShare'>;
  uploader: ThumbnailUploader;
  snapshotUrl: (snapshot: Snapshot) => string;
  logger: Logger;
}

export function createShareEventHandler(deps: ShareEventDeps): (event: ShareEvent) => Promise<void> {
  return async (event) => {
    const replyTo = event.share.replyTo;
    if (!isSlackReplyTo(replyTo)) {
      deps.logger({ level: 'warn', context: 'slack', message: 'Share has no Slack reply context; nothing to post', details: { shareId: event.share.id } });
      return;
    }
    try {
      if (replyTo.kind === 'snap') await onSnapProgress(deps, event, replyTo);
      else await onAutoProgress(deps, event, replyTo);
    } catch (error) {
      if (isPermanentSlackError(error)) {
        // The message or channel is gone, or the app lost access: asking again will not help.
        deps.logger({ level: 'warn', context: 'slack', message: 'Could not post snapshot progress; giving up', details: { shareId: event.share.id, snapshotId: event.snapshot.id, type: event.type, error } });
        return;
      }
      throw error;
    }
  };
}

async function onSnapProgress(deps: ShareEventDeps, event: ShareEvent, replyTo: SnapReplyTo): Promise<void> {
  if (event.type === 'queued') return; // the progress message already says so
  const message = await renderCard(deps, event.snapshot, event.share, replyTo.locale, replyTo.notes);
  await replaceProgress(deps.client, replyTo, message);
}

/** Replaces the /snap progress message: chat.update when the app posted it, else through the response_url. */
export async function replaceProgress(client: webApi.WebClient, replyTo: SnapReplyTo, message: SlackMessage): Promise<void> {
  if (replyTo.ts) {
    await client.chat.update({ channel: replyTo.channel, ts: replyTo.ts, text: message.text, blocks: message.blocks });
  } else if (replyTo.responseUrl) {
    await postToResponseUrl(replyTo.responseUrl, { response_type: 'in_channel', replace_original: true, ...message });
  }
}

/** Posts to a response_url; Slack answers 404 once it expired, which is not worth retrying. */
export async function postToResponseUrl(url: string, body: Record<string, unknown>): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
  if (response.status === 404 || response.status === 410) return;
  if (!response.ok) throw new Error(`response_url answered HTTP ${response.status}`);
}

async function onAutoProgress(deps: ShareEventDeps, event: ShareEvent, replyTo: AutoReplyTo): Promise<void> {
  if (event.type !== 'done' && event.type !== 'failed') return;
  await react(deps.client, 'remove', replyTo.channel, replyTo.messageTs, ProgressReactions.pending);
  await react(deps.client, 'add', replyTo.channel, replyTo.messageTs, event.type === 'done' ? ProgressReactions.done : ProgressReactions.failed);
  if (replyTo.replyInThread) {
    const message = await renderCard(deps, event.snapshot, event.share, replyTo.locale, []);
    await deps.client.chat.postMessage({
      channel: replyTo.channel,
      thread_ts: replyTo.threadTs,
      text: message.text,
      blocks: message.blocks,
      unfurl_links: false,
      unfurl_media: false,
    });
  }
}

/** The result card of a share, with who shared the link first when that is someone else and may be said here. */
export async function renderCard(
  deps: Pick<ShareEventDeps, 'service' | 'uploader' | 'snapshotUrl'>,
  snapshot: Snapshot,
  share: Share,
  locale: Locale,
  notes: string[],
) {
  const [link, first] = await Promise.all([deps.service.getLink(share.workspaceId, share.linkId), deps.service.firstShare(share.workspaceId, share.linkId)]);
  const allNotes = shouldMentionFirstShare(first, share, share.channelId ?? '') ? [firstShareNote(first, locale), ...notes] : notes;
  const card = snapshotCard(snapshot, link, { locale, viewUrl: deps.snapshotUrl(snapshot) });
  const thumbnailFileId = await deps.uploader.fileIdFor(snapshot);
  return snapshotCardMessage(card, locale, { thumbnailFileId, notes: allNotes, manageLinkId: link.id });
}

/** Adds or removes a reaction, treating "already there" / "not there" as success. */
export async function react(client: webApi.WebClient, action: 'add' | 'remove', channel: string, timestamp: string, name: string): Promise<void> {
  try {
    if (action === 'add') await client.reactions.add({ channel, timestamp, name });
    else await client.reactions.remove({ channel, timestamp, name });
  } catch (error) {
    if (!isAlreadyDone(error)) throw error;
  }
}
