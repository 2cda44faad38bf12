// Links posted in channels the app is in are captured without a command: the message gets an
// hourglass reaction, then a camera or a warning. `#hashtags` in the message become tags. Edits,
// bot messages and the app's own messages are ignored; deleting the message forgets its captures
// (when the workspace keeps that setting on). Slack's retries of an event are dropped by event id.
import type { App } from '@slack/bolt';
import { errorMessage, relativeTime } from '../../core/chat/present.js';
import { ErrorCode, asLinksnapError } from '../../core/errors.js';
import { t } from '../../core/i18n.js';
import type { Logger } from '../../core/logger.js';
import type { SnapService } from '../../core/service-api.js';
import type { WorkspaceSettings } from '../../core/types.js';
import type { SlackDirectory } from './directory.js';
import { parseSlackText } from './message-text.js';
import { ProgressReactions, type AutoReplyTo } from './reply-context.js';
import { channelLabel, shouldMentionFirstShare } from './repost.js';
import { react, type ShareEventDeps } from './share-events.js';
import { postEphemeral } from './snap-command.js';
import { slackWorkspace } from './workspace.js';

/** Message subtypes that are a person posting something; every other subtype (edits, joins, bots) is not. */
const CapturedSubtypes = new Set([undefined, 'file_share', 'thread_broadcast', 'me_message']);

/** More links than this in one message are left alone after the first ones (a pasted list is not a request). */
const MaxLinksPerMessage = 10;

export interface AutoCaptureDeps extends ShareEventDeps {
  service: SnapService;
  directory: SlackDirectory;
  logger: Logger;
}

interface MessageEvent {
  type: 'message';
  subtype?: string;
  channel: string;
  channel_type?: string;
  user?: string;
  bot_id?: string;
  app_id?: string;
  text?: string;
  ts: string;
  thread_ts?: string;
  deleted_ts?: string;
  hidden?: boolean;
}

interface EventEnvelope {
  team_id?: string;
  enterprise_id?: string | null;
  event_id?: string;
  authorizations?: Array<{ team_id?: string | null; enterprise_id?: string | null }>;
}

export function registerAutoCapture(app: App, deps: AutoCaptureDeps): void {
  const seen = new RecentIds(10_000);
  app.event('message', async ({ event, body }) => {
    const envelope = body as EventEnvelope;
    // Slack sends an event again (x-slack-retry-num / retry_attempt) when it did not see the ack in
    // time; the first delivery is already being handled.
    if (envelope.event_id && !seen.add(envelope.event_id)) {
      deps.logger({ level: 'debug', context: 'slack', message: 'Dropped a repeated event', details: { eventId: envelope.event_id } });
      return;
    }
    const message = event as unknown as MessageEvent;
    const teamId = envelope.team_id ?? envelope.authorizations?.[0]?.team_id ?? null;
    if (!teamId) return;
    const enterpriseId = envelope.enterprise_id ?? envelope.authorizations?.[0]?.enterprise_id ?? null;
    try {
      if (message.subtype === 'message_deleted') await onDeleted(deps, teamId, enterpriseId, message);
      else if (CapturedSubtypes.has(message.subtype) && !message.bot_id && message.user) await onPosted(deps, teamId, enterpriseId, message);
    } catch (error) {
      deps.logger({ level: 'error', context: 'slack', message: 'Auto-capture failed', details: { team: teamId, channel: message.channel, ts: message.ts, error } });
    }
  });
}

function capturesIn(settings: WorkspaceSettings, channelId: string): boolean {
  if (!settings.autoCapture || settings.autoCaptureExcluded.includes(channelId)) return false;
  return settings.autoCaptureChannels === null || settings.autoCaptureChannels.includes(channelId);
}

async function onPosted(deps: AutoCaptureDeps, teamId: string, enterpriseId: string | null, message: MessageEvent): Promise<void> {
  const parsed = parseSlackText(message.text);
  if (!parsed.urls.length) return;
  const workspace = slackWorkspace(teamId, enterpriseId);
  const settings = await deps.service.getSettings(workspace.id);
  if (!capturesIn(settings, message.channel)) return;

  const userId = message.user!;
  const locale = settings.locale ? (settings.locale as AutoReplyTo['locale']) : await deps.directory.locale(userId);
  const channel = await channelOf(deps, message);
  const replyTo: AutoReplyTo = {
    kind: 'auto',
    channel: message.channel,
    messageTs: message.ts,
    threadTs: message.thread_ts ?? message.ts,
    userId,
    locale,
    replyInThread: settings.replyInThread,
  };

  await react(deps.client, 'add', message.channel, message.ts, ProgressReactions.pending);
  let acceptedCount = 0;
  for (const url of parsed.urls.slice(0, MaxLinksPerMessage)) {
    try {
      const accepted = await deps.service.snap({
        url,
        tags: parsed.hashtags,
        workspace,
        requester: { id: userId },
        source: { platform: 'slack', channelId: message.channel, channelName: channel.name, channelPrivate: channel.private, messageId: message.ts, auto: true, replyTo },
      });
      if (shouldMentionFirstShare(accepted.firstShare, accepted.share, message.channel)) {
        await noticeRepost(deps, settings, replyTo, accepted.firstShare, accepted.link.url);
      }
      // Progress (at once when a recent snapshot was reused) arrives through the share event handler.
      acceptedCount += 1;
    } catch (error) {
      await react(deps.client, 'add', message.channel, message.ts, ProgressReactions.failed);
      if (asLinksnapError(error).code === ErrorCode.Internal) {
        deps.logger({ level: 'error', context: 'slack', message: 'Auto-capture could not record a link', details: { workspace: workspace.id, url, error } });
        continue;
      }
      // A refused link (private address, bad scheme…) is explained to the person who posted it only.
      deps.logger({ level: 'info', context: 'slack', message: 'Auto-capture refused a link', details: { workspace: workspace.id, url, error } });
      await postEphemeral(deps.client, message.channel, userId, t(locale, 'snap.failed', { url, reason: errorMessage(locale, error) }), deps.logger);
    }
  }
  if (acceptedCount === 0) await react(deps.client, 'remove', message.channel, message.ts, ProgressReactions.pending);
}

async function noticeRepost(deps: AutoCaptureDeps, settings: WorkspaceSettings, replyTo: AutoReplyTo, first: NonNullable<Parameters<typeof channelLabel>[0]>, url: string): Promise<void> {
  if (settings.duplicateNotice === 'off') return;
  if (settings.duplicateNotice === 'reaction') {
    await react(deps.client, 'add', replyTo.channel, replyTo.messageTs, ProgressReactions.repost);
    return;
  }
  const text = t(replyTo.locale, 'repost.notice', {
    user: `<@${first.userId}>`,
    channel: channelLabel(first, replyTo.locale),
    when: relativeTime(replyTo.locale, first.createdAt),
    link: url,
  });
  await deps.client.chat.postMessage({ channel: replyTo.channel, thread_ts: replyTo.threadTs, text, unfurl_links: false, unfurl_media: false });
}

async function channelOf(deps: AutoCaptureDeps, message: MessageEvent): Promise<{ name: string | null; private: boolean }> {
  // The event says whether the conversation is public; conversations.info adds the name (cached).
  if (message.channel_type === 'im' || message.channel_type === 'mpim') return { name: null, private: true };
  const info = await deps.directory.channel(message.channel);
  if (message.channel_type === 'channel') return { name: info.name, private: false };
  if (message.channel_type === 'group') return { name: info.name, private: true };
  return { name: info.name, private: info.private };
}

async function onDeleted(deps: AutoCaptureDeps, teamId: string, enterpriseId: string | null, message: MessageEvent): Promise<void> {
  if (!message.deleted_ts) return;
  const workspace = slackWorkspace(teamId, enterpriseId);
  const settings = await deps.service.getSettings(workspace.id);
  if (!settings.forgetOnDelete) return;
  const removed = await deps.service.forgetMessage(workspace.id, message.channel, message.deleted_ts);
  if (removed.length) {
    deps.logger({ level: 'info', context: 'slack', message: 'Forgot links of a deleted message', details: { workspace: workspace.id, channel: message.channel, ts: message.deleted_ts, links: removed } });
  }
}

/** A bounded set of recently seen ids, oldest dropped first. */
class RecentIds {
  readonly #ids = new Set<string>();
  constructor(readonly capacity: number) {}

  /** False when the id was seen already. */
  add(id: string): boolean {
    if (this.#ids.has(id)) return false;
    this.#ids.add(id);
    if (this.#ids.size > this.capacity) this.#ids.delete(this.#ids.values().next().value!);
    return true;
  }
}
