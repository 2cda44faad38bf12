// Turns capture progress (service.subscribe events) into Discord replies: the deferred /snap reply is
// edited from "Capturing …" into the result. Links posted in messages go to the core's progress
// driver (core/chat/message-progress.ts), which owns their reactions and threaded cards.
// Terminal events can arrive twice (redelivery after a restart), so every step is idempotent:
// edits overwrite, reactions are PUT/DELETE, and progress never overwrites a final answer.
import { InteractionWebhook, Routes, type Client } from 'discord.js';
import type { MessageProgress } from '../../core/chat/message-progress.js';
import type { ChatPort } from '../../core/chat/port.js';
import { earlierShareForChannel, firstSharedNote } from '../../core/chat/repost.js';
import { channelAudience } from '../../core/visibility.js';
import { NotFoundError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { SnapService } from '../../core/service-api.js';
import type { Share, ShareEvent, Snapshot } from '../../core/types.js';
import { isPermanentDiscordError } from './chat-port.js';
import { DefaultReplyRetry, isExpiredInteraction, loadFiles, restMessage, withRetries } from './delivery.js';
import { parseReplyTarget, type InteractionTarget } from './reply-target.js';
import { progressReply, snapshotReply, type DiffUrl, type ReplyBody } from './render.js';

const StageRank = { queued: 1, capturing: 2, done: 3, failed: 3 } as const;
/** Remembered per share so a late progress event never overwrites the final answer. */
const MaxTrackedShares = 20_000;

export interface ShareRepliesOptions {
  client: Client;
  service: SnapService;
  logger: Logger;
  snapshotUrl: (snapshot: Pick<Snapshot, 'id'>) => string;
  diffUrl?: DiffUrl;
  retry?: { attempts: number; firstDelayMs: number };
  /** Answers links posted in messages (the core's progress driver). */
  progress: MessageProgress;
  port: ChatPort;
}

export class ShareReplies {
  readonly #client: Client;
  readonly #service: SnapService;
  readonly #logger: Logger;
  readonly #snapshotUrl: (snapshot: Pick<Snapshot, 'id'>) => string;
  readonly #diffUrl: DiffUrl | undefined;
  readonly #retry: { attempts: number; firstDelayMs: number };
  readonly #stage = new Map<string, number>();
  readonly #chains = new Map<string, Promise<unknown>>();
  readonly #progress: MessageProgress;
  readonly #port: ChatPort;

  constructor(options: ShareRepliesOptions) {
    this.#client = options.client;
    this.#service = options.service;
    this.#logger = options.logger;
    this.#snapshotUrl = options.snapshotUrl;
    this.#diffUrl = options.diffUrl;
    this.#retry = options.retry ?? DefaultReplyRetry;
    this.#progress = options.progress;
    this.#port = options.port;
  }

  /** The service.subscribe handler. Rejects only when a final reply could not be delivered yet. */
  handle = (event: ShareEvent): Promise<void> => {
    const target = parseReplyTarget(event.share.replyTo);
    if (!target) {
      this.#logger({ level: 'warn', context: 'discord', message: 'Share has no Discord reply target; nothing to answer', details: { shareId: event.share.id } });
      return Promise.resolve();
    }
    if (target.kind === 'message') return this.#progress.handle(event).then(() => undefined);
    return this.#serial(event.share.id, async () => {
      try {
        await this.#toInteraction(target, event.type, event.share, event.snapshot);
      } catch (error) {
        if (!isPermanentDiscordError(error)) throw error;
        // The channel is gone or the bot lost access: asking again only counts towards Discord's invalid-request ban.
        this.#logger({ level: 'warn', context: 'discord', message: 'The /snap reply cannot be delivered any more; giving up', details: { shareId: event.share.id, error } });
      }
    });
  };

  /** Renders the share's current state now (used when snap() returned an already finished snapshot). */
  deliver(share: Share, snapshot: Snapshot): Promise<void> {
    // snap() never answers with a link kept uncaptured (it queues it), but the type allows one.
    return this.handle({ type: snapshot.status === 'not_captured' ? 'queued' : snapshot.status, share, snapshot });
  }

  #serial(key: string, fn: () => Promise<void>): Promise<void> {
    const previous = this.#chains.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(fn);
    this.#chains.set(key, next);
    void next.finally(() => {
      if (this.#chains.get(key) === next) this.#chains.delete(key);
    }).catch(() => undefined);
    return next;
  }

  /** Records that the share reached `type`; false when that (or a later stage) was already shown. */
  #advance(shareId: string, type: ShareEvent['type']): boolean {
    const rank = StageRank[type];
    const seen = this.#stage.get(shareId) ?? 0;
    if (rank <= seen) return false;
    if (this.#stage.size >= MaxTrackedShares) this.#stage.delete(this.#stage.keys().next().value as string);
    this.#stage.set(shareId, rank);
    return true;
  }

  #finished(shareId: string): boolean {
    return (this.#stage.get(shareId) ?? 0) >= 3;
  }

  async #toInteraction(target: InteractionTarget, type: ShareEvent['type'], share: Share, snapshot: Snapshot): Promise<void> {
    const terminal = type === 'done' || type === 'failed';
    if (!terminal) {
      if (!this.#advance(share.id, type)) return;
      const link = await this.#service.getLink(share.workspaceId, share.linkId).catch(() => null);
      await this.#editOriginal(target, progressReply(link?.url ?? snapshot.url, target.locale)).catch((error) =>
        this.#logger({ level: 'warn', context: 'discord', message: 'Could not show capture progress', details: { shareId: share.id, error } }),
      );
      return;
    }
    if (this.#finished(share.id)) return;
    const body = await this.#finalBody(share, snapshot, target.locale);
    if (!body) return;
    const details = { shareId: share.id, snapshotId: snapshot.id, workspace: share.workspaceId };
    let posted: { id: string; channelId: string } | null = null;
    try {
      posted = await withRetries(() => this.#editOriginal(target, body), { ...this.#retry, logger: this.#logger, what: 'snapshot reply', details });
    } catch (error) {
      if (!isExpiredInteraction(error) || !target.channelId) throw error;
      // An interaction token lives 15 minutes; a capture that outlived it (or a restart) answers in the channel.
      this.#logger({ level: 'info', context: 'discord', message: 'Interaction expired; posting the snapshot in the channel instead', details });
      // Without the interaction frame around it, the message says whose /snap it answers.
      const inChannel = { ...body, content: [`<@${share.userId}>`, body.content].filter(Boolean).join(' ') };
      posted = await withRetries(() => this.#postToChannel(target.channelId!, inChannel), { ...this.#retry, logger: this.#logger, what: 'snapshot message', details });
    }
    // Remembered so 🔄 on this card captures the page again.
    if (posted && type === 'done') {
      await this.#service
        .recordCard({ platform: 'discord', channelId: posted.channelId, messageId: posted.id, workspaceId: share.workspaceId, linkId: share.linkId, shareId: share.id })
        .catch((error) => this.#logger({ level: 'warn', context: 'discord', message: 'Could not remember the card', details: { ...details, error } }));
    }
    this.#advance(share.id, type);
    this.#logger({ level: 'info', context: 'discord', message: `Answered /snap with the ${type} snapshot`, details });
  }

  /** The result card, with who shared the link first when it was someone else's share. */
  async #finalBody(share: Share, snapshot: Snapshot, locale: string): Promise<ReplyBody | null> {
    try {
      // The reply is read in the channel: tags and the first share only as everyone there may see them.
      const link = await this.#service.getLink(share.workspaceId, share.linkId, channelAudience(share.channelId));
      const first = await earlierShareForChannel(this.#service, share);
      const note = first ? firstSharedNote(this.#port, first, locale) : null;
      return snapshotReply(snapshot, link, { locale, viewUrl: this.#snapshotUrl(snapshot), diffUrl: this.#diffUrl, note });
    } catch (error) {
      if (error instanceof NotFoundError) {
        // Forgotten (message deleted, /forget) while capturing: nothing left to show.
        this.#logger({ level: 'info', context: 'discord', message: 'Link was forgotten before its reply; not answering', details: { shareId: share.id } });
        return null;
      }
      throw error;
    }
  }

  async #editOriginal(target: InteractionTarget, body: ReplyBody): Promise<{ id: string; channelId: string }> {
    const webhook = new InteractionWebhook(this.#client as Client<true>, target.applicationId, target.token);
    const message = await webhook.editMessage('@original', {
      content: body.content,
      embeds: body.embeds,
      components: body.components,
      files: await loadFiles(this.#service, body),
      attachments: [],
      allowedMentions: { parse: [] },
    });
    return { id: message.id, channelId: message.channelId ?? target.channelId ?? '' };
  }

  async #postToChannel(channelId: string, body: ReplyBody): Promise<{ id: string; channelId: string }> {
    const payload = await restMessage(this.#service, body);
    const message = (await this.#client.rest.post(Routes.channelMessages(channelId), payload)) as { id: string; channel_id: string };
    return { id: message.id, channelId: message.channel_id };
  }
}
