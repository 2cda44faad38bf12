// Turns a share's progress (queued → capturing → done / failed) into Slack: the /snap progress message
// is updated in place into the result card. Auto-captured messages go to the core's progress driver
// (core/chat/message-progress.ts), which owns their reactions and threaded cards. Every step is idempotent, because terminal events are
// delivered again after a restart until this handler resolves.
import type { webApi } from '@slack/bolt';
import type { MessageProgress } from '../../core/chat/message-progress.js';
import { snapshotCard } from '../../core/chat/present.js';
import { earlierShareForChannel, firstSharedNote } from '../../core/chat/repost.js';
import { channelAudience } from '../../core/visibility.js';
import type { Logger } from '../../core/logger.js';
import type { SnapService } from '../../core/service-api.js';
import type { Locale } from '../../core/i18n.js';
import type { Link, Share, ShareEvent, Snapshot } from '../../core/types.js';
import { snapshotCardMessage, type SlackMessage } from './blocks.js';
import { isSlackReplyTo, type SnapReplyTo } from './reply-context.js';
import { slackWords } from './repost.js';
import { isAlreadyDone, isPermanentSlackError } from './slack-errors.js';
import type { ThumbnailUploader } from './thumbnails.js';

export interface ShareEventDeps {
  client: webApi.WebClient;
  service: Pick<SnapService, 'getLink' | 'firstShareVisibleTo' | 'recordCard'>;
  uploader: ThumbnailUploader;
  snapshotUrl: (snapshot: Snapshot) => string;
  /** The diff view a card links to when the page changed since the version before. */
  diffUrl?: (snapshot: Pick<Snapshot, 'id'>, againstId: string) => string;
  logger: Logger;
}

export function createShareEventHandler(deps: ShareEventDeps & { progress: MessageProgress }): (event: ShareEvent) => Promise<void> {
  return async (event) => {
    const replyTo = event.share.replyTo;
    if (!isSlackReplyTo(replyTo)) {
      deps.logger({ level: 'warn', context: 'slack', message: 'Share has no Slack reply context; nothing to post', details: { shareId: event.share.id } });
      return;
    }
    try {
      // Links posted in messages are the core's progress driver's (reactions for every link together).
      if (replyTo.kind === 'auto') await deps.progress.handle(event);
      else await onSnapProgress(deps, event, replyTo);
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
  // Remembered so a 🔄 reaction on the card captures the page again.
  if (event.type === 'done' && replyTo.ts) {
    const { share } = event;
    await deps.service.recordCard({ platform: 'slack', channelId: replyTo.channel, messageId: replyTo.ts, workspaceId: share.workspaceId, linkId: share.linkId, shareId: share.id });
  }
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

/** The result card of a share: tags and who shared it first only as everyone in its channel may see them. */
export async function renderCard(
  deps: Pick<ShareEventDeps, 'service' | 'uploader' | 'snapshotUrl' | 'diffUrl'>,
  snapshot: Snapshot,
  share: Share,
  locale: Locale,
  notes: string[],
  seenLink?: Link,
) {
  const link = seenLink ?? (await deps.service.getLink(share.workspaceId, share.linkId, channelAudience(share.channelId)));
  let allNotes = notes;
  if (!seenLink) {
    const first = await earlierShareForChannel(deps.service, share);
    if (first) allNotes = [firstSharedNote({ words: slackWords }, first, locale), ...notes];
  }
  const card = snapshotCard(snapshot, link, { locale, viewUrl: deps.snapshotUrl(snapshot), diffUrl: deps.diffUrl });
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
