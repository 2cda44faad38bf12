// /snap <url> [tags…]: acknowledged at once (Slack allows three seconds), then a progress message is
// posted in the channel and the share remembers it, so the capture's result replaces it later, even
// after a restart. Refusals (bad link, too many requests) go only to the person who asked.
import type { App, SlashCommand, webApi } from '@slack/bolt';
import { errorMessage } from '../../core/chat/present.js';
import { t } from '../../core/i18n.js';
import type { Logger } from '../../core/logger.js';
import { commandBudgetRefusal } from '../../core/chat/fair-use.js';
import type { ChatDeps } from '../../core/chat/message-posted.js';
import type { SnapService } from '../../core/service-api.js';
import { parseTagList } from '../../core/tags.js';
import { normalizeUrl } from '../../core/url.js';
import { escapeMrkdwn, textMessage, type SlackMessage } from './blocks.js';
import type { SlackDirectory } from './directory.js';
import { commandWords } from './message-text.js';
import { st } from './messages.js';
import type { SnapReplyTo } from './reply-context.js';
import type { ShareEventDeps } from './share-events.js';
import { postToResponseUrl, replaceProgress } from './share-events.js';
import { slackErrorCode } from './slack-errors.js';
import { slackWorkspace } from './workspace.js';

export interface SnapCommandDeps extends ShareEventDeps {
  service: SnapService;
  directory: SlackDirectory;
  logger: Logger;
  chat: ChatDeps;
}

export function registerSnapCommand(app: App, deps: SnapCommandDeps, commandName = '/snap'): void {
  app.command(commandName, async ({ command, ack }) => {
    await ack();
    await handleSnap(deps, command).catch((error) => {
      deps.logger({ level: 'error', context: 'slack', message: '/snap failed', details: { team: command.team_id, channel: command.channel_id, error } });
    });
  });
}

async function handleSnap(deps: SnapCommandDeps, command: SlashCommand): Promise<void> {
  const { service, directory } = deps;
  const locale = await directory.locale(command.user_id);
  const whisper = (text: string) => postEphemeral(deps.client, command.channel_id, command.user_id, text, deps.logger, command.response_url);
  const [rawUrl, ...tagWords] = commandWords(command.text);
  if (!rawUrl) return whisper(t(locale, 'snap.noUrl'));

  const workspace = slackWorkspace(command.team_id, command.enterprise_id, command.team_domain);
  const refusal = commandBudgetRefusal(deps.chat.fairUse, 'snap', workspace.id, command.user_id, locale);
  if (refusal) return whisper(refusal);
  let url: string;
  try {
    url = normalizeUrl(rawUrl);
  } catch (error) {
    return whisper(t(locale, 'snap.failed', { url: rawUrl, reason: errorMessage(locale, error) }));
  }

  const channel = await directory.channel(command.channel_id);
  const notes = [st(locale, 'snap.requestedBy', { user: command.user_id })];
  const queued = t(locale, 'snap.queued', { url });
  const progressMessage = {
    text: queued,
    blocks: [...textMessage(`:hourglass: ${queued}`).blocks, { type: 'context' as const, elements: notes.map((text) => ({ type: 'mrkdwn' as const, text })) }],
  };
  const ts = await postProgress(deps, command, progressMessage);
  const replyTo: SnapReplyTo = { kind: 'snap', channel: command.channel_id, ts, responseUrl: command.response_url ?? null, userId: command.user_id, locale, notes };
  const replace = (text: string) => replaceProgress(deps.client, replyTo, { text, blocks: textMessage(`:warning: ${text}`).blocks });

  let accepted;
  try {
    accepted = await service.snap({
      url,
      tags: parseTagList(tagWords.join(' ')),
      workspace,
      requester: { id: command.user_id, name: command.user_name },
      source: {
        platform: 'slack',
        channelId: command.channel_id,
        channelName: channel.name ?? command.channel_name ?? null,
        channelPrivate: channel.private,
        messageId: ts,
        auto: false,
        replyTo,
      },
    });
  } catch (error) {
    await replace(t(locale, 'snap.failed', { url, reason: errorMessage(locale, error) }));
    return;
  }

  // The service reports this share's progress next (at once when a recent snapshot was reused);
  // the share event handler turns the progress message into the result.
  deps.logger({ level: 'debug', context: 'slack', message: '/snap accepted', details: { workspace: workspace.id, url, snapshotId: accepted.snapshot.id, deduplicated: accepted.deduplicated } });
}

/**
 * Posts the progress message in the channel and returns its ts; in a channel the app is not a
 * member of (chat.postMessage refuses), the message goes through the command's response_url instead.
 */
async function postProgress(deps: SnapCommandDeps, command: SlashCommand, message: SlackMessage): Promise<string | null> {
  try {
    const posted = await deps.client.chat.postMessage({ channel: command.channel_id, ...message, unfurl_links: false, unfurl_media: false });
    return posted.ts ?? null;
  } catch (error) {
    if (!['not_in_channel', 'channel_not_found'].includes(slackErrorCode(error) ?? '') || !command.response_url) throw error;
    await postToResponseUrl(command.response_url, { response_type: 'in_channel', ...message });
    return null;
  }
}

/** A message only `user` sees; through the response_url when the app is not in the channel. */
export async function postEphemeral(client: webApi.WebClient, channel: string, user: string, text: string, logger: Logger, responseUrl?: string): Promise<void> {
  const message = { text, blocks: [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: escapeMrkdwn(text) } }] };
  try {
    await client.chat.postEphemeral({ channel, user, ...message });
  } catch (error) {
    try {
      if (!responseUrl) throw error;
      await postToResponseUrl(responseUrl, { response_type: 'ephemeral', ...message });
    } catch (fallbackError) {
      logger({ level: 'warn', context: 'slack', message: 'Could not send an ephemeral message', details: { channel, user, error: fallbackError } });
    }
  }
}
