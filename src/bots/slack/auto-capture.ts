// Links posted in channels the app is in are captured without a command. This file only reads the
// Slack event; which conversations capture, the limits, tags, reactions and answers are the core's
// (core/chat/message-posted.ts). Edits, bot messages and the app's own messages are ignored;
// deleting the message forgets its captures (when the workspace keeps that setting on). Slack's
// retries of an event are dropped by event id.
import type { App, webApi } from '@slack/bolt';
import { onMessageDeleted } from '../../core/chat/message-deleted.js';
import { onMessagePosted, type ChatDeps } from '../../core/chat/message-posted.js';
import { onReactionAdded } from '../../core/chat/reaction-added.js';
import { pickLocale } from '../../core/i18n.js';
import type { Logger } from '../../core/logger.js';
import type { SnapService } from '../../core/service-api.js';
import type { SlackDirectory } from './directory.js';
import { parseSlackText, readableText } from './message-text.js';
import type { AutoReplyTo } from './reply-context.js';
import { slackWorkspace } from './workspace.js';

/** Message subtypes that are a person posting something; every other subtype (edits, joins, bots) is not. */
const CapturedSubtypes = new Set([undefined, 'file_share', 'thread_broadcast', 'me_message']);

export interface AutoCaptureDeps {
  client: webApi.WebClient;
  service: SnapService;
  directory: SlackDirectory;
  logger: Logger;
  /** The shared conversation over this app's port. */
  chat: ChatDeps;
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
  app.event('reaction_added', async ({ event, body }) => {
    const envelope = body as EventEnvelope;
    if (envelope.event_id && !seen.add(envelope.event_id)) return;
    const teamId = envelope.team_id ?? envelope.authorizations?.[0]?.team_id ?? null;
    if (!teamId) return;
    const enterpriseId = envelope.enterprise_id ?? envelope.authorizations?.[0]?.enterprise_id ?? null;
    await onReaction(deps, teamId, enterpriseId, event as unknown as ReactionEvent).catch((error) =>
      deps.logger({ level: 'error', context: 'slack', message: 'Handling a reaction failed', details: { team: teamId, error } }),
    );
  });
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
      else if (message.subtype === 'channel_convert_to_private') {
        // Slack posts this into a channel just made private: its links and tags stop being shown to everyone.
        deps.directory.rememberChannel({ id: message.channel, name: null, private: true });
        await deps.service.setChannelPrivacy(slackWorkspace(teamId, enterpriseId).id, message.channel, true);
      }
      else if (CapturedSubtypes.has(message.subtype) && !message.bot_id && message.user) await onPosted(deps, teamId, enterpriseId, message);
    } catch (error) {
      deps.logger({ level: 'error', context: 'slack', message: 'Auto-capture failed', details: { team: teamId, channel: message.channel, ts: message.ts, error } });
    }
  });
}

async function onPosted(deps: AutoCaptureDeps, teamId: string, enterpriseId: string | null, message: MessageEvent): Promise<void> {
  const parsed = parseSlackText(message.text);
  if (!parsed.urls.length) return;
  const userId = message.user!;
  const channel = await channelOf(deps, message);
  const ref = { channelId: message.channel, messageId: message.ts };
  const threadTs = message.thread_ts ?? message.ts;
  await onMessagePosted(deps.chat, {
    place: {
      workspace: slackWorkspace(teamId, enterpriseId),
      channelId: message.channel,
      channelName: channel.name,
      private: channel.private,
      direct: message.channel_type === 'im',
      settingsChannelId: message.channel,
    },
    message: ref,
    threadOf: { channelId: message.channel, messageId: threadTs },
    author: { id: userId, name: null },
    urls: parsed.urls,
    hashtags: parsed.hashtags,
    text: readableText(message.text),
    locale: await deps.directory.locale(userId),
    replyTo: ({ locale, replyInThread }): AutoReplyTo => ({
      kind: 'auto',
      channel: message.channel,
      messageTs: message.ts,
      threadTs,
      userId,
      locale: pickLocale(locale),
      replyInThread,
    }),
  });
}

interface ReactionEvent {
  type: 'reaction_added';
  user: string;
  reaction: string;
  item: { type: string; channel?: string; ts?: string };
  item_user?: string;
}

/** 🔄 on a card, or the capture emoji in reaction mode (core/chat/reaction-added.ts). */
async function onReaction(deps: AutoCaptureDeps, teamId: string, enterpriseId: string | null, event: ReactionEvent): Promise<void> {
  const { channel: channelId, ts } = event.item;
  if (event.item.type !== 'message' || !channelId || !ts) return;
  const info = channelId.startsWith('D') ? { name: null, private: true } : await deps.directory.channel(channelId);
  const ref = { channelId, messageId: ts };
  // Learned when the message is read; the stored reply target is made after that.
  let threadTs = ts;
  await onReactionAdded(deps.chat, {
    place: {
      workspace: slackWorkspace(teamId, enterpriseId),
      channelId,
      channelName: info.name,
      private: info.private,
      direct: channelId.startsWith('D'),
      settingsChannelId: channelId,
    },
    message: ref,
    threadOf: ref,
    reactor: { id: event.user, name: null },
    reaction: event.reaction,
    locale: await deps.directory.locale(event.user),
    load: async () => {
      const found = await readMessage(deps, channelId, ts);
      if (!found?.user || found.bot_id) return null;
      threadTs = found.thread_ts ?? ts;
      const parsed = parseSlackText(found.text);
      // A message in a thread is answered in that thread.
      return { author: { id: found.user, name: null }, urls: parsed.urls, hashtags: parsed.hashtags, text: readableText(found.text), threadOf: { channelId, messageId: threadTs } };
    },
    replyTo: ({ locale, replyInThread }): AutoReplyTo => ({
      kind: 'auto',
      channel: channelId,
      messageTs: ts,
      threadTs,
      userId: event.item_user ?? event.user,
      locale: pickLocale(locale),
      replyInThread,
    }),
  });
}

/** One message by its ts (conversations.history around it); null when Slack will not give it. */
async function readMessage(deps: AutoCaptureDeps, channel: string, ts: string): Promise<{ user?: string; bot_id?: string; text?: string; thread_ts?: string } | null> {
  try {
    const result = await deps.client.conversations.history({ channel, latest: ts, oldest: ts, inclusive: true, limit: 1 });
    const message = result.messages?.find((entry) => entry.ts === ts);
    return message ?? null;
  } catch (error) {
    deps.logger({ level: 'warn', context: 'slack', message: 'Could not read the message reacted to', details: { channel, ts, error } });
    return null;
  }
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
  await onMessageDeleted(deps.chat, { workspaceId: slackWorkspace(teamId, enterpriseId).id, channelId: message.channel, messageId: message.deleted_ts });
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
