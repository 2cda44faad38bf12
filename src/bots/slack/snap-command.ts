// /snap <url> [tags…]: acknowledged at once (Slack allows three seconds), then a progress message is
// posted in the channel and the share remembers it, so the capture's result replaces it later, even
// after a restart. Refusals (bad link, too many requests) go only to the person who asked.
import type { App, SlashCommand, webApi } from '@slack/bolt';
import { errorMessage } from '../../core/chat/present.js';
import { t } from '../../core/i18n.js';
import type { Logger } from '../../core/logger.js';
import type { RateLimiter } from '../../core/rate-limit.js';
import type { SnapService } from '../../core/service-api.js';
import { parseTagList } from '../../core/tags.js';
import { normalizeUrl } from '../../core/url.js';
import { escapeMrkdwn, textMessage } from './blocks.js';
import type { SlackDirectory } from './directory.js';
import { commandWords } from './message-text.js';
import { st } from './messages.js';
import type { SnapReplyTo } from './reply-context.js';
import type { ShareEventDeps } from './share-events.js';
import { slackWorkspace } from './workspace.js';

export interface SnapCommandDeps extends ShareEventDeps {
  service: SnapService;
  directory: SlackDirectory;
  rateLimiter: RateLimiter;
  logger: Logger;
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
  const { client, service, directory } = deps;
  const locale = await directory.locale(command.user_id);
  const whisper = (text: string) => postEphemeral(client, command.channel_id, command.user_id, text, deps.logger);
  const [rawUrl, ...tagWords] = commandWords(command.text);
  if (!rawUrl) return whisper(t(locale, 'snap.noUrl'));

  const workspace = slackWorkspace(command.team_id, command.enterprise_id, command.team_domain);
  const decision = deps.rateLimiter.take(`${workspace.id}:${command.user_id}`);
  if (!decision.ok) {
    return whisper(t(locale, 'snap.rateLimited', { limit: deps.rateLimiter.limit, seconds: Math.ceil(decision.retryAfterMs / 1000) }));
  }
  let url: string;
  try {
    url = normalizeUrl(rawUrl);
  } catch (error) {
    return whisper(t(locale, 'snap.failed', { url: rawUrl, reason: errorMessage(locale, error) }));
  }

  const channel = await directory.channel(command.channel_id);
  const progress = await client.chat.postMessage({
    channel: command.channel_id,
    text: t(locale, 'snap.queued', { url }),
    blocks: [
      ...textMessage(`:hourglass: ${t(locale, 'snap.queued', { url })}`).blocks,
      { type: 'context', elements: [{ type: 'mrkdwn', text: st(locale, 'snap.requestedBy', { user: command.user_id }) }] },
    ],
    unfurl_links: false,
    unfurl_media: false,
  });
  const ts = progress.ts!;
  const notes = [st(locale, 'snap.requestedBy', { user: command.user_id })];
  const replyTo: SnapReplyTo = { kind: 'snap', channel: command.channel_id, ts, userId: command.user_id, locale, notes };

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
    const text = t(locale, 'snap.failed', { url, reason: errorMessage(locale, error) });
    await client.chat.update({ channel: command.channel_id, ts, text, blocks: textMessage(`:warning: ${text}`).blocks });
    return;
  }

  // The service reports this share's progress next (at once when a recent snapshot was reused);
  // the share event handler turns the progress message into the result.
  deps.logger({ level: 'debug', context: 'slack', message: '/snap accepted', details: { workspace: workspace.id, url, snapshotId: accepted.snapshot.id, deduplicated: accepted.deduplicated } });
}

export async function postEphemeral(client: webApi.WebClient, channel: string, user: string, text: string, logger: Logger): Promise<void> {
  try {
    await client.chat.postEphemeral({ channel, user, text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: escapeMrkdwn(text) } }] });
  } catch (error) {
    logger({ level: 'warn', context: 'slack', message: 'chat.postEphemeral failed', details: { channel, user, error } });
  }
}

