// Posts the chat bots make on their own (a watched page changed, a link died, a digest) go through
// the notices outbox: the work that decides to post writes a row, and the process running that
// platform's bot posts it. At least once: a notice is marked delivered only after the platform took
// it, each try is claimed in the store first (so two bot processes never post the same notice at
// once), and failures back off like chat replies; a failure that can never succeed (channel gone,
// access lost) gives up at once.
import type { Logger } from './logger.js';
import { DefaultDeliveryPolicy, type DeliveryPolicy } from './snapshot-events.js';
import type { Notice, NoticeHandler, NoticePayload, Platform } from './types.js';

export interface NewNotice {
  workspaceId: string;
  platform: Platform;
  channelId: string;
  /** Makes the post unique: a second notice with the same key is not written. */
  dedupKey: string;
  payload: NoticePayload;
  now?: Date;
}

export interface NoticeStore {
  addNotice(notice: NewNotice): Promise<boolean>;
  pendingNotices(platform: Platform, now: Date, limit?: number, after?: Pick<Notice, 'createdAt' | 'id'> | null): Promise<Notice[]>;
  claimNotice(noticeId: string, now: Date, leaseMs: number): Promise<boolean>;
  renewNoticeClaim(noticeId: string, now: Date, leaseMs: number): Promise<void>;
  markNoticeDelivered(noticeId: string, now: Date): Promise<void>;
  recordNoticeFailure(noticeId: string, error: string, permanent: boolean, policy: DeliveryPolicy, now: Date): Promise<boolean>;
}

export interface NoticeSubscription {
  /** Whether this process posts for the workspace (a bot process runs some shards only); all when absent. */
  owns?(workspaceId: string): boolean;
  /** True when a failed post can never succeed (the adapter's platform errors). */
  isPermanentFailure?(error: unknown): boolean;
}

/** How long a try holds a notice before another process may try it (renewed while the post goes on). */
const ClaimMs = 60_000;
const PageSize = 100;

export class NoticeDelivery {
  readonly #store: NoticeStore;
  readonly #logger: Logger;
  readonly #policy: DeliveryPolicy;
  readonly #now: () => Date;
  readonly #handlers = new Map<Platform, Map<NoticeHandler, NoticeSubscription>>();
  #timer: NodeJS.Timeout | null = null;
  #running = false;
  #again = false;

  constructor(options: { store: NoticeStore; logger: Logger; pollMs?: number; policy?: DeliveryPolicy; now?: () => Date }) {
    this.#store = options.store;
    this.#logger = options.logger;
    this.#policy = options.policy ?? DefaultDeliveryPolicy;
    this.#now = options.now ?? (() => new Date());
    const pollMs = options.pollMs ?? 2_000;
    if (pollMs > 0) {
      this.#timer = setInterval(() => this.wake(), pollMs);
      this.#timer.unref();
    }
  }

  subscribe(platform: Platform, handler: NoticeHandler, options: NoticeSubscription = {}): () => void {
    let handlers = this.#handlers.get(platform);
    if (!handlers) this.#handlers.set(platform, (handlers = new Map()));
    handlers.set(handler, options);
    this.wake();
    return () => {
      handlers.delete(handler);
    };
  }

  /** Writes a notice (once per dedup key) and posts it now if this process runs its platform. */
  async add(notice: NewNotice): Promise<boolean> {
    const added = await this.#store.addNotice(notice);
    if (added) this.wake();
    return added;
  }

  /** Looks for due notices now (a new one here, or NOTIFY from another process); never two passes at once. */
  wake(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    void this.deliverDue().finally(() => {
      this.#running = false;
      if (this.#again) {
        this.#again = false;
        this.wake();
      }
    });
  }

  /** One pass over every subscribed platform's due notices, oldest first. */
  async deliverDue(): Promise<number> {
    let delivered = 0;
    for (const [platform, handlers] of this.#handlers) {
      if (!handlers.size) continue;
      try {
        // Page on past notices this process does not post (another shard's), so a backlog of
        // those never hides this process's own.
        let after: Notice | null = null;
        for (;;) {
          const pending = await this.#store.pendingNotices(platform, this.#now(), PageSize, after);
          for (const notice of pending) {
            const owner = [...handlers].find(([, options]) => !options.owns || options.owns(notice.workspaceId));
            if (!owner) continue;
            if (await this.#deliver(notice, owner[0], owner[1])) delivered += 1;
          }
          if (pending.length < PageSize) break;
          after = pending[pending.length - 1];
        }
      } catch (error) {
        this.#logger({ level: 'warn', context: 'notices', message: 'Looking for notices to post failed', details: { platform, error } });
      }
    }
    return delivered;
  }

  async #deliver(notice: Notice, handler: NoticeHandler, options: NoticeSubscription): Promise<boolean> {
    if (!(await this.#store.claimNotice(notice.id, this.#now(), ClaimMs))) return false;
    // A post can take longer than the claim (a platform's own retries): keep it claimed meanwhile.
    const renew = setInterval(() => void this.#store.renewNoticeClaim(notice.id, this.#now(), ClaimMs).catch(() => undefined), ClaimMs / 2);
    renew.unref();
    try {
      await handler(notice);
      await this.#store.markNoticeDelivered(notice.id, this.#now());
      this.#logger({ level: 'info', context: 'notices', message: 'Notice posted', details: { noticeId: notice.id, kind: notice.payload.kind, workspace: notice.workspaceId, channelId: notice.channelId } });
      return true;
    } catch (error) {
      const permanent = options.isPermanentFailure?.(error) ?? false;
      const gaveUp = await this.#store.recordNoticeFailure(notice.id, error instanceof Error ? error.message : String(error), permanent, this.#policy, this.#now()).catch(() => false);
      this.#logger({
        level: gaveUp ? 'error' : 'warn',
        context: 'notices',
        message: gaveUp ? 'Notice could not be posted; gave up on it' : 'Posting a notice failed; it will be retried later',
        details: { noticeId: notice.id, kind: notice.payload.kind, workspace: notice.workspaceId, channelId: notice.channelId, error },
      });
      return false;
    } finally {
      clearInterval(renew);
    }
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#handlers.clear();
  }
}
