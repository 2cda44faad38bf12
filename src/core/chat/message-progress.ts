// The one progress driver for links posted in messages. It owns the marks on the message (⏳ while
// any link of it is still being captured, then 📸 and/or ⚠️) and the threaded cards, for every link
// of the message together: ⏳ goes only when the last of them ended, whatever order they finish in.
// Whether they ended is asked of the store, so a restart in the middle changes nothing.
// Terminal events arrive at least once; marks are idempotent and a card is posted once per process.
import { NotFoundError } from '../errors.js';
import { describeError } from '../i18n.js';
import { chatText } from './wording.js';
import type { Logger } from '../logger.js';
import { channelAudience } from '../visibility.js';
import type { SnapService } from '../service-api.js';
import type { ShareEvent } from '../types.js';
import type { AutoTarget, ChatPort, MessageRef } from './port.js';
import { earlierShareForChannel, firstSharedNote } from './repost.js';

const MaxRemembered = 20_000;

export type ProgressService = Pick<SnapService, 'messageProgress' | 'getLink' | 'getSnapshot' | 'firstShareVisibleTo' | 'getSettings'>;

export class MessageProgress {
  readonly #service: ProgressService;
  readonly #port: ChatPort;
  readonly #logger: Logger;
  /** Messages whose links are still being handed to the service: ⏳ must not go yet. */
  readonly #open = new Map<string, number>();
  readonly #chains = new Map<string, Promise<unknown>>();
  /** Shares whose card was posted by this process. */
  readonly #carded = new Set<string>();

  constructor(options: { service: ProgressService; port: ChatPort; logger: Logger }) {
    this.#service = options.service;
    this.#port = options.port;
    this.#logger = options.logger;
  }

  /** Runs the posting of a message's links; ⏳ is settled once they are all handed over. */
  async whilePosting<T>(workspaceId: string, message: MessageRef, work: () => Promise<T>): Promise<T> {
    const key = keyOf(workspaceId, message);
    this.#open.set(key, (this.#open.get(key) ?? 0) + 1);
    try {
      return await work();
    } finally {
      const left = (this.#open.get(key) ?? 1) - 1;
      if (left > 0) this.#open.set(key, left);
      else this.#open.delete(key);
      await this.#serial(key, () => this.#settle(workspaceId, message)).catch((error) =>
        this.#logger({ level: 'warn', context: 'chat', message: 'Could not settle the progress mark', details: { ...message, error } }),
      );
    }
  }

  /**
   * Handles a share event when it belongs to a posted message; false when it is not one (a /snap
   * reply, which the adapter answers itself). Rejects only for a transient platform failure, so the
   * event is delivered again later; a failure that can never succeed is logged and given up.
   */
  async handle(event: ShareEvent): Promise<boolean> {
    const target = this.#port.autoTarget(event.share.replyTo);
    if (!target) return false;
    if (event.type !== 'done' && event.type !== 'failed') return true;
    const key = keyOf(event.share.workspaceId, target.message);
    try {
      await this.#serial(key, () => this.#finish(event, target));
    } catch (error) {
      if (!this.#port.isPermanentFailure(error)) throw error;
      this.#logger({
        level: 'warn',
        context: 'chat',
        message: 'The message of a capture cannot be answered any more; giving up on it',
        details: { shareId: event.share.id, ...target.message, error },
      });
    }
    return true;
  }

  async #finish(event: ShareEvent, target: AutoTarget): Promise<void> {
    const { share } = event;
    // ⏳ goes first when this was the last link, so the result is never shown beside a stale ⏳.
    await this.#settle(share.workspaceId, target.message);
    await this.#port.mark(target.message, event.type === 'done' ? 'done' : 'failed', true);
    if (target.replyInThread && !this.#carded.has(share.id)) {
      const card = await this.#card(event, target.locale);
      if (card) {
        await this.#port.postCard(target, card);
        this.#remember(share.id);
      }
    } else if (event.type === 'failed' && !this.#carded.has(share.id)) {
      // Without a card in the thread, the poster still learns why (per `explain failures`).
      const settings = await this.#service.getSettings(share.workspaceId);
      if (settings.explainFailures) {
        const reason = describeError(target.locale, event.snapshot.errorCode, event.snapshot.error);
        await this.#port.tell({ message: target.message, threadOf: target.threadOf, userId: share.userId }, chatText(target.locale, 'auto.failed', { url: event.snapshot.url, reason }));
      }
      this.#remember(share.id);
    }
  }

  async #card(event: ShareEvent, locale: string) {
    const { share } = event;
    try {
      const link = await this.#service.getLink(share.workspaceId, share.linkId, channelAudience(share.channelId));
      const snapshot = await this.#service.getSnapshot(share.workspaceId, share.snapshotId);
      const first = await earlierShareForChannel(this.#service, share);
      return { share, snapshot, link, note: first ? firstSharedNote(this.#port, first, locale) : null };
    } catch (error) {
      if (error instanceof NotFoundError) return null; // forgotten meanwhile
      throw error;
    }
  }

  async #settle(workspaceId: string, message: MessageRef): Promise<void> {
    if (this.#open.has(keyOf(workspaceId, message))) return;
    const progress = await this.#service.messageProgress(workspaceId, message.channelId, message.messageId);
    if (progress.pending === 0) await this.#port.mark(message, 'capturing', false);
  }

  #remember(shareId: string): void {
    if (this.#carded.size >= MaxRemembered) this.#carded.delete(this.#carded.values().next().value as string);
    this.#carded.add(shareId);
  }

  #serial(key: string, fn: () => Promise<void>): Promise<void> {
    const previous = this.#chains.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(fn);
    this.#chains.set(key, next);
    void next
      .finally(() => {
        if (this.#chains.get(key) === next) this.#chains.delete(key);
      })
      .catch(() => undefined);
    return next;
  }
}

function keyOf(workspaceId: string, message: MessageRef): string {
  return `${workspaceId}\u0000${message.channelId}\u0000${message.messageId}`;
}
