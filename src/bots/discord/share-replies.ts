// Turns capture progress (service.subscribe events) into Discord replies: the deferred /snap reply is
// edited from "Capturing …" into the result, and an auto-captured message gets ⏳ then 📸 or ⚠️.
// Terminal events can arrive twice (redelivery after a restart), so every step is idempotent:
// edits overwrite, reactions are PUT/DELETE, and progress never overwrites a final answer.
import { InteractionWebhook, Routes, type Client } from 'discord.js';
import { relativeTime } from '../../core/chat/present.js';
import { NotFoundError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { SnapService } from '../../core/service-api.js';
import type { Share, ShareEvent, Snapshot } from '../../core/types.js';
import { DefaultReplyRetry, isExpiredInteraction, postInThread, restMessage, setReaction, withRetries } from './delivery.js';
import { Reactions } from './context.js';
import { dt } from './messages.js';
import { parseReplyTarget, type InteractionTarget, type MessageTarget } from './reply-target.js';
import { progressReply, snapshotReply, type ReplyBody } from './render.js';
import { readFile } from 'node:fs/promises';

const StageRank = { queued: 1, capturing: 2, done: 3, failed: 3 } as const;
/** Remembered per share so a late progress event never overwrites the final answer. */
const MaxTrackedShares = 20_000;

export interface ShareRepliesOptions {
  client: Client;
  service: SnapService;
  logger: Logger;
  snapshotUrl: (snapshot: Snapshot) => string;
  retry?: { attempts: number; firstDelayMs: number };
}

export class ShareReplies {
  readonly #client: Client;
  readonly #service: SnapService;
  readonly #logger: Logger;
  readonly #snapshotUrl: (snapshot: Snapshot) => string;
  readonly #retry: { attempts: number; firstDelayMs: number };
  readonly #stage = new Map<string, number>();
  readonly #chains = new Map<string, Promise<unknown>>();
  /** Captures still running per auto-captured message, so ⏳ goes away after the last one. */
  readonly #pendingByMessage = new Map<string, Set<string>>();

  constructor(options: ShareRepliesOptions) {
    this.#client = options.client;
    this.#service = options.service;
    this.#logger = options.logger;
    this.#snapshotUrl = options.snapshotUrl;
    this.#retry = options.retry ?? DefaultReplyRetry;
  }

  /** The service.subscribe handler. Rejects only when a final reply could not be delivered yet. */
  handle = (event: ShareEvent): Promise<void> => {
    const target = parseReplyTarget(event.share.replyTo);
    if (!target) {
      this.#logger({ level: 'warn', context: 'discord', message: 'Share has no Discord reply target; nothing to answer', details: { shareId: event.share.id } });
      return Promise.resolve();
    }
    return this.#serial(event.share.id, () =>
      target.kind === 'interaction' ? this.#toInteraction(target, event.type, event.share, event.snapshot) : this.#toMessage(target, event.type, event.share),
    );
  };

  /** Called by auto-capture right after snap(), before any event arrives. */
  trackMessageShare(target: MessageTarget, shareId: string): void {
    if (this.#finished(shareId)) return;
    const pending = this.#pendingByMessage.get(target.messageId) ?? new Set<string>();
    pending.add(shareId);
    this.#pendingByMessage.set(target.messageId, pending);
  }

  /** Renders the share's current state now (used when snap() returned an already finished snapshot). */
  deliver(share: Share, snapshot: Snapshot): Promise<void> {
    return this.handle({ type: snapshot.status, share, snapshot });
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
    try {
      await withRetries(() => this.#editOriginal(target, body), { ...this.#retry, logger: this.#logger, what: 'snapshot reply', details });
    } catch (error) {
      if (!isExpiredInteraction(error) || !target.channelId) throw error;
      // An interaction token lives 15 minutes; a capture that outlived it (or a restart) answers in the channel.
      this.#logger({ level: 'info', context: 'discord', message: 'Interaction expired; posting the snapshot in the channel instead', details });
      // Without the interaction frame around it, the message says whose /snap it answers.
      const inChannel = { ...body, content: [`<@${share.userId}>`, body.content].filter(Boolean).join(' ') };
      await withRetries(() => this.#postToChannel(target.channelId!, inChannel), { ...this.#retry, logger: this.#logger, what: 'snapshot message', details });
    }
    this.#advance(share.id, type);
    this.#logger({ level: 'info', context: 'discord', message: `Answered /snap with the ${type} snapshot`, details });
  }

  async #toMessage(target: MessageTarget, type: ShareEvent['type'], share: Share): Promise<void> {
    const { channelId, messageId } = target;
    const details = { shareId: share.id, channelId, messageId, workspace: share.workspaceId };
    if (type === 'queued' || type === 'capturing') {
      const first = (this.#stage.get(share.id) ?? 0) === 0;
      if (!this.#advance(share.id, type) || !first) return;
      await setReaction(this.#client, channelId, messageId, Reactions.capturing, true).catch((error) =>
        this.#logger({ level: 'warn', context: 'discord', message: 'Could not add the capturing reaction', details: { ...details, error } }),
      );
      return;
    }
    if (this.#finished(share.id)) return;
    const pending = this.#pendingByMessage.get(messageId);
    pending?.delete(share.id);
    if (!pending || pending.size === 0) {
      this.#pendingByMessage.delete(messageId);
      await setReaction(this.#client, channelId, messageId, Reactions.capturing, false).catch(() => undefined);
    }
    const emoji = type === 'done' ? Reactions.done : Reactions.failed;
    await withRetries(() => setReaction(this.#client, channelId, messageId, emoji, true), { ...this.#retry, logger: this.#logger, what: 'reaction', details });
    if (target.replyInThread) {
      const snapshot = await this.#service.getSnapshot(share.workspaceId, share.snapshotId).catch(() => null);
      const body = snapshot && (await this.#finalBody(share, snapshot, target.locale));
      if (body) {
        const title = body.embeds[0]?.title ?? snapshot.url;
        await withRetries(() => postInThread(this.#client, channelId, messageId, dt(target.locale, 'thread.name', { title }), body), {
          ...this.#retry,
          logger: this.#logger,
          what: 'thread reply',
          details,
        });
      }
    }
    this.#advance(share.id, type);
  }

  /** The result card, with who shared the link first when it was someone else's share. */
  async #finalBody(share: Share, snapshot: Snapshot, locale: string): Promise<ReplyBody | null> {
    try {
      const link = await this.#service.getLink(share.workspaceId, share.linkId);
      const note = await this.firstSharedNote(share, locale);
      return snapshotReply(snapshot, link, { locale, viewUrl: this.#snapshotUrl(snapshot), note });
    } catch (error) {
      if (error instanceof NotFoundError) {
        // Forgotten (message deleted, /forget) while capturing: nothing left to show.
        this.#logger({ level: 'info', context: 'discord', message: 'Link was forgotten before its reply; not answering', details: { shareId: share.id } });
        return null;
      }
      throw error;
    }
  }

  /** "First shared by … in #channel 5 min ago", or null when this share is the first. */
  async firstSharedNote(share: Share, locale: string): Promise<string | null> {
    const first = await this.#service.firstShare(share.workspaceId, share.linkId);
    if (!first || first.id === share.id) return null;
    // Do not reveal who posted in a private channel to people in another channel.
    if (first.channelPrivate && first.channelId !== share.channelId) return null;
    const channel = first.channelId && !share.workspaceId.startsWith('discord:dm:') ? `<#${first.channelId}>` : dt(locale, 'repost.dm');
    return dt(locale, 'repost.firstShared', {
      user: first.userId ? `<@${first.userId}>` : (first.userName ?? '?'),
      channel,
      when: relativeTime(locale, first.createdAt),
    });
  }

  async #editOriginal(target: InteractionTarget, body: ReplyBody): Promise<void> {
    const webhook = new InteractionWebhook(this.#client as Client<true>, target.applicationId, target.token);
    await webhook.editMessage('@original', {
      content: body.content,
      embeds: body.embeds,
      components: body.components,
      files: body.files,
      attachments: [],
      allowedMentions: { parse: [] },
    });
  }

  async #postToChannel(channelId: string, body: ReplyBody): Promise<void> {
    const payload = restMessage(body);
    const files = await Promise.all(payload.files.map(async (file) => ({ ...file, data: await readFile(file.data) })));
    await this.#client.rest.post(Routes.channelMessages(channelId), { body: payload.body, files });
  }
}
