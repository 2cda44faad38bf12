// A person posted a message with links: the shared rules of auto-capture for every platform. Which
// places capture, how many links one message may queue, the budgets, the tags, what a refused link
// tells the poster, and how a re-post is answered are decided here; the adapter only read the
// message and carries out the port calls.
import { ErrorCode, asLinksnapError } from '../errors.js';
import { describeError, t } from '../i18n.js';
import type { Logger } from '../logger.js';
import type { SnapService } from '../service-api.js';
import { normalizeTag } from '../tags.js';
import type { SnapAccepted, WorkspaceSettings } from '../types.js';
import { channelAudience } from '../visibility.js';
import type { FairUse } from './fair-use.js';
import type { MessageProgress } from './message-progress.js';
import { ChatPolicy } from './policy.js';
import type { ChatPlace, ChatPort, MessageRef } from './port.js';
import { relativeTime } from './present.js';
import { earlierShare } from './repost.js';
import { capturesIn } from './settings.js';
import { chatText } from './wording.js';

export interface PostedMessage {
  place: ChatPlace;
  message: MessageRef;
  /** Where a threaded answer goes (the message itself, or the thread it was posted in). */
  threadOf: MessageRef;
  author: { id: string; name: string | null };
  /** Links in the order written, as the adapter found them in the platform's markup. */
  urls: string[];
  hashtags: string[];
  /** The message as people read it, kept with each share so the conversation is remembered. */
  text: string;
  /** The poster's or the server's locale, when the workspace has not chosen one. */
  locale: string;
  /** Posted (auto mode), or reacted to with the capture emoji (reaction mode). */
  trigger?: 'post' | 'reaction';
  /** What each share stores to be answered later; the adapter reads it back with ChatPort.autoTarget. */
  replyTo(answer: { locale: string; replyInThread: boolean }): unknown;
}

export interface ChatDeps {
  service: SnapService;
  port: ChatPort;
  fairUse: FairUse;
  progress: MessageProgress;
  logger: Logger;
  snapshotUrl: (snapshot: SnapAccepted['snapshot']) => string;
}

export interface PostedOutcome {
  accepted: SnapAccepted[];
  refused: Array<{ url: string; reason: string }>;
  /** Links left alone: past the per-message cap or over a budget. */
  skipped: string[];
}

export async function onMessagePosted(deps: ChatDeps, posted: PostedMessage): Promise<PostedOutcome | null> {
  if (!posted.urls.length) return null;
  const { service, port, logger } = deps;
  const { place, message } = posted;
  const workspaceId = place.workspace.id;
  const settings = await service.getSettings(workspaceId);
  if (!capturesIn(settings, place, posted.trigger ?? 'post')) return null;
  const locale = settings.locale ?? posted.locale;
  const replyTo = posted.replyTo({ locale, replyInThread: settings.replyInThread });
  const tags = [...posted.hashtags, ...(!place.direct && place.channelName ? [normalizeTag(place.channelName)] : [])].filter((tag): tag is string => Boolean(tag));
  const outcome: PostedOutcome = { accepted: [], refused: [], skipped: posted.urls.slice(ChatPolicy.linksPerMessage) };
  const target = { message, threadOf: posted.threadOf, userId: posted.author.id };

  await deps.progress.whilePosting(workspaceId, message, async () => {
    const urls = posted.urls.slice(0, ChatPolicy.linksPerMessage);
    let marked = false;
    for (const [index, url] of urls.entries()) {
      const budget = deps.fairUse.take('autoCapture', workspaceId, posted.author.id);
      if (!budget.ok) {
        outcome.skipped.unshift(...urls.slice(index));
        if (budget.tell) {
          const key = budget.scope === 'user' ? 'auto.userBudget' : 'auto.workspaceBudget';
          await port.tell(target, chatText(locale, key, { limit: budget.limit, seconds: Math.ceil(budget.retryAfterMs / 1000) })).catch((error) => logFailure(logger, 'budget notice', message, error));
        }
        logger({ level: 'info', context: 'chat', message: 'Auto-capture budget spent; links left alone', details: { workspace: workspaceId, userId: posted.author.id, scope: budget.scope, links: urls.length - index } });
        break;
      }
      if (!marked) {
        // ⏳ before the first capture can end; the progress driver takes it away after the last one.
        marked = true;
        await port.mark(message, 'capturing', true).catch((error) => logFailure(logger, 'capturing mark', message, error));
      }
      try {
        const accepted = await service.snap({
          url,
          tags,
          workspace: place.workspace,
          requester: { id: posted.author.id, name: posted.author.name ?? undefined },
          source: {
            platform: port.platform,
            channelId: place.channelId,
            channelName: place.channelName,
            channelPrivate: place.private,
            messageId: message.messageId,
            auto: true,
            messageText: posted.text,
            replyTo,
          },
        });
        outcome.accepted.push(accepted);
      } catch (error) {
        const coded = asLinksnapError(error);
        const reason = describeError(locale, coded.code, coded.message);
        outcome.refused.push({ url, reason });
        logger({ level: coded.code === ErrorCode.Internal ? 'error' : 'info', context: 'chat', message: 'Auto-capture refused a link', details: { workspace: workspaceId, url, code: coded.code, error: coded.message } });
      }
    }
    if (outcome.refused.length) {
      await port.mark(message, 'failed', true).catch((error) => logFailure(logger, 'failure mark', message, error));
      if (settings.explainFailures) {
        const text = outcome.refused.map(({ url, reason }) => chatText(locale, 'auto.refused', { url, reason })).join('\n');
        await port.tell(target, text).catch((error) => logFailure(logger, 'refusal notice', message, error));
      }
    }
    await answerReposts(deps, posted, settings, locale, outcome.accepted);
  });
  return outcome;
}

/** 🔁 or a short reply for links shared before, only where an earlier share may be seen. */
async function answerReposts(deps: ChatDeps, posted: PostedMessage, settings: WorkspaceSettings, locale: string, accepted: SnapAccepted[]): Promise<void> {
  if (settings.duplicateNotice === 'off' || !accepted.some((entry) => entry.firstShare)) return;
  const { port, service, logger } = deps;
  const poster = await port.viewerOf(posted.author.id, { workspaceId: posted.place.workspace.id, channelId: posted.place.channelId });
  let reacted = false;
  for (const entry of accepted) {
    if (!entry.firstShare) continue;
    try {
      const seen = await earlierShare(service, entry.share, poster);
      if (!seen) continue;
      if (settings.duplicateNotice === 'reaction') {
        if (!reacted) await port.mark(posted.message, 'repost', true);
        reacted = true;
        continue;
      }
      // A reply is read by the whole channel: it may name only a share everyone there can see.
      const named = await earlierShare(service, entry.share, channelAudience(posted.place.channelId));
      if (!named) continue;
      const text = t(locale, 'repost.notice', {
        user: port.words.user(named.userId),
        channel: port.words.channel(named.channelId, named.workspaceId, locale),
        when: relativeTime(locale, named.createdAt),
        link: deps.snapshotUrl(entry.snapshot),
      });
      await port.reply({ message: posted.message, threadOf: posted.threadOf }, text, settings.replyInThread);
    } catch (error) {
      logFailure(logger, 'repost answer', posted.message, error);
    }
  }
}

function logFailure(logger: Logger, what: string, message: MessageRef, error: unknown): void {
  logger({ level: 'warn', context: 'chat', message: `Could not post the ${what}`, details: { ...message, error } });
}
