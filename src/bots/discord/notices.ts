// Posts the notices the service hands this bot (service.subscribeNotices): a watched page changed,
// a watch keeps failing, a link died, a channel's digest. A post that fails throws, so the outbox
// tries it again later; a nonce with enforce_nonce makes Discord answer a repeat of a post it
// already took (the answer was lost) with that message instead of a second one.
import { DiscordAPIError, RESTJSONErrorCodes, Routes, type Client } from 'discord.js';
import { noticeView } from '../../core/chat/notice-view.js';
import { truncateText } from '../../core/chat/present.js';
import type { Logger } from '../../core/logger.js';
import type { SnapService } from '../../core/service-api.js';
import type { Notice, NoticeHandler, Snapshot } from '../../core/types.js';
import { isTransient, restMessage } from './delivery.js';
import { noticeReply } from './notice-render.js';
import type { DiffUrl, ReplyBody } from './render.js';

export interface NoticePosterOptions {
  client: Client;
  artifacts: Pick<SnapService, 'openArtifact'>;
  logger: Logger;
  snapshotUrl: (snapshot: Pick<Snapshot, 'id'>) => string;
  diffUrl?: DiffUrl;
}

export function noticePoster(options: NoticePosterOptions): NoticeHandler {
  const { client, artifacts, logger, snapshotUrl, diffUrl } = options;
  const post = async (channelId: string, body: ReplyBody, extra: Record<string, unknown>) =>
    (await client.rest.post(Routes.channelMessages(channelId), await restMessage(artifacts, body, extra))) as { id: string; channel_id: string };

  return async (notice: Notice) => {
    // The server's language when the workspace chose none, as automatic replies do.
    const locale = notice.payload.locale ?? guildLocale(client, notice.workspaceId) ?? 'en';
    const view = noticeView(
      { ...notice, payload: { ...notice.payload, locale } },
      {
        snapshotUrl: (id) => snapshotUrl({ id }),
        // Without the web page's diff view, the newer version's page (it says what changed) is the next best.
        diffUrl: (id, againstId) => (diffUrl ? diffUrl({ id }, againstId) : snapshotUrl({ id })),
      },
    );
    const body = noticeReply(view, locale, notice.payload.kind === 'digest' ? notice.payload.total : 0);
    const once = { nonce: notice.id.slice(0, 25), enforce_nonce: true };
    if (!view.threadOf) {
      await post(notice.channelId, body, once);
      return;
    }
    const { channelId, messageId } = view.threadOf;
    try {
      // A thread started from a message has the message's id.
      await client.rest.post(Routes.threads(channelId, messageId), { body: { name: truncateText(view.title, 100), auto_archive_duration: 1440 } });
    } catch (error) {
      if (isTransient(error)) throw error;
      if (!(error instanceof DiscordAPIError && error.code === RESTJSONErrorCodes.ThreadAlreadyCreatedForMessage)) {
        // No thread can hang from it (the message is gone or sits in a thread itself, or threads
        // may not be started here): the notice answers the message in its channel instead.
        logger({ level: 'info', context: 'discord', message: 'Could not open a thread on the shared message; replying in its channel', details: { noticeId: notice.id, channelId, messageId, error } });
        await post(channelId, body, { ...once, message_reference: { message_id: messageId, fail_if_not_exists: false } });
        return;
      }
    }
    await post(messageId, body, once);
  };
}

function guildLocale(client: Client, workspaceId: string): string | null {
  const guildId = /^discord:(\d+)$/.exec(workspaceId)?.[1];
  return guildId ? (client.guilds.cache.get(guildId)?.preferredLocale ?? null) : null;
}
