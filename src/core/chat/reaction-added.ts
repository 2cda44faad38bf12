// Someone reacted to a message. Two reactions mean something: 🔄 on one of the bot's cards captures
// that page again as a new version, and in `reaction` capture mode the workspace's capture emoji
// (📌 unless set) captures the links of the message reacted to. Everything else is ignored.
import type { SnapService } from '../service-api.js';
import { asLinksnapError } from '../errors.js';
import { commandBudgetRefusal } from './fair-use.js';
import { onMessagePosted, type ChatDeps, type PostedMessage } from './message-posted.js';
import type { ChatPlace, MessageRef } from './port.js';
import { capturesIn } from './settings.js';
import { chatText } from './wording.js';
import { describeError } from '../i18n.js';

/** The reaction that asks for a new version of the page a card shows. */
export const RecaptureEmoji = '🔄';

export interface ReactionAdded {
  place: ChatPlace;
  message: MessageRef;
  threadOf: MessageRef;
  reactor: { id: string; name: string | null };
  /** The reaction as the platform names it. */
  reaction: string;
  locale: string;
  /** Reads the message reacted to (only asked for when it is needed); null when it cannot be read. */
  load(): Promise<(Pick<PostedMessage, 'author' | 'urls' | 'hashtags' | 'text'> & { threadOf?: MessageRef }) | null>;
  replyTo(answer: { locale: string; replyInThread: boolean }): unknown;
}

export type ReactionOutcome = 'recaptured' | 'captured' | 'ignored';

export async function onReactionAdded(deps: ChatDeps & { service: SnapService }, added: ReactionAdded): Promise<ReactionOutcome> {
  const { service, port, logger } = deps;
  const workspaceId = added.place.workspace.id;
  if (port.isEmoji(added.reaction, RecaptureEmoji)) {
    const card = await service.cardAt(port.platform, added.message.channelId, added.message.messageId);
    if (card && card.workspaceId === workspaceId) return recapture(deps, added, card.linkId);
  }
  const settings = await service.getSettings(workspaceId);
  if (!capturesIn(settings, added.place, 'reaction') || !port.isEmoji(added.reaction, settings.captureEmoji)) return 'ignored';
  const message = await added.load();
  if (!message || !message.urls.length) return 'ignored';
  const outcome = await onMessagePosted(deps, { ...message, place: added.place, message: added.message, threadOf: message.threadOf ?? added.threadOf, locale: added.locale, trigger: 'reaction', replyTo: added.replyTo });
  logger({ level: 'info', context: 'chat', message: 'A reaction picked a message to capture', details: { workspace: workspaceId, ...added.message, reactor: added.reactor.id, links: outcome?.accepted.length ?? 0 } });
  return outcome ? 'captured' : 'ignored';
}

/** A new version of the card's page, shown on the card itself (⏳ then 📸, and a card in its thread when set). */
async function recapture(deps: ChatDeps & { service: SnapService }, added: ReactionAdded, linkId: string): Promise<ReactionOutcome> {
  const { service, port, logger } = deps;
  const workspaceId = added.place.workspace.id;
  const target = { message: added.message, threadOf: added.threadOf, userId: added.reactor.id };
  const settings = await service.getSettings(workspaceId);
  const locale = settings.locale ?? added.locale;
  const refusal = commandBudgetRefusal(deps.fairUse, 'snap', workspaceId, added.reactor.id, locale);
  if (refusal) {
    await port.tell(target, refusal).catch(() => undefined);
    return 'ignored';
  }
  let url: string | null = null;
  try {
    const link = await service.getLink(workspaceId, linkId);
    url = link.url;
    await deps.progress.whilePosting(workspaceId, added.message, async () => {
      await port.mark(added.message, 'capturing', true);
      await service.snap({
        url: link.url,
        force: true,
        workspace: added.place.workspace,
        requester: { id: added.reactor.id, name: added.reactor.name ?? undefined },
        source: {
          platform: port.platform,
          channelId: added.place.channelId,
          channelName: added.place.channelName,
          channelPrivate: added.place.private,
          messageId: added.message.messageId,
          auto: true,
          replyTo: added.replyTo({ locale, replyInThread: settings.replyInThread }),
        },
      });
    });
    logger({ level: 'info', context: 'chat', message: 'Capturing a page again from its card', details: { workspace: workspaceId, linkId, reactor: added.reactor.id } });
    return 'recaptured';
  } catch (error) {
    const coded = asLinksnapError(error);
    await port.mark(added.message, 'failed', true).catch(() => undefined);
    const reason = describeError(locale, coded.code, coded.message);
    await port.tell(target, url ? chatText(locale, 'auto.refused', { url, reason }) : reason).catch(() => undefined);
    return 'ignored';
  }
}
