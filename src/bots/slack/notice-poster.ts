// Posts the notices the service hands to Slack (core/notices.ts): one chat.postMessage each, in the
// notice's channel, or in the thread of the message that shared a dead link. Throwing is how a post
// is retried; a failure that can never succeed (slack-errors.ts) gives up at once, as share replies do.
import type { webApi } from '@slack/bolt';
import { noticeView } from '../../core/chat/notice-view.js';
import { pickLocale } from '../../core/i18n.js';
import type { Logger } from '../../core/logger.js';
import type { Notice, NoticeHandler, Snapshot } from '../../core/types.js';
import { noticeMessage } from './notice-message.js';
import type { ThumbnailUploader } from './thumbnails.js';

export interface NoticePosterDeps {
  client: webApi.WebClient;
  uploader: ThumbnailUploader;
  snapshotUrl: (snapshot: Pick<Snapshot, 'id'>) => string;
  /** Absent (no web page to show diffs): a change notice has no "see what changed" link. */
  diffUrl?: (snapshot: Pick<Snapshot, 'id'>, againstId: string) => string;
  logger: Logger;
}

export function createNoticePoster(deps: NoticePosterDeps): NoticeHandler {
  const NoDiff = '';
  const links = {
    snapshotUrl: (id: string) => deps.snapshotUrl({ id }),
    diffUrl: (id: string, againstId: string) => (deps.diffUrl ? deps.diffUrl({ id }, againstId) : NoDiff),
  };
  return async (notice: Notice) => {
    const drawn = noticeView(notice, links);
    const view = { ...drawn, links: drawn.links.filter((link) => link.url !== NoDiff) };
    const locale = pickLocale(notice.payload.locale);
    const fileIds = await Promise.all(view.images.map((image) => deps.uploader.fileIdForArtifact(image.ref, image.label)));
    const message = noticeMessage(view, locale, fileIds);
    const posted = await deps.client.chat.postMessage({
      channel: view.threadOf?.channelId ?? notice.channelId,
      ...(view.threadOf ? { thread_ts: view.threadOf.messageId } : {}),
      text: message.text,
      blocks: message.blocks,
      unfurl_links: false,
      unfurl_media: false,
    });
    deps.logger({ level: 'debug', context: 'slack', message: 'Notice posted', details: { noticeId: notice.id, kind: view.kind, channel: notice.channelId, ts: posted.ts } });
  };
}
