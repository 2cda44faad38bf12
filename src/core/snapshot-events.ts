// Delivers snapshot progress to the adapter of each share's platform. Terminal events (done,
// failed) are delivered at least once: a share is marked notified only after its handler resolved,
// and unnotified shares are offered again on subscribe and on a timer, so a chat reply survives a
// handler error or a restart. Adapters make their handlers idempotent.
import { EventEmitter } from 'node:events';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Logger } from './logger.js';
import type { Platform, Share, ShareEvent, ShareEventHandler, Snapshot, SnapshotEventType } from './types.js';

export interface NotificationStore {
  sharesBySnapshot(snapshotId: string): Promise<Share[]>;
  getSnapshotById(snapshotId: string): Promise<Snapshot>;
  /** Shares whose snapshot is done or failed and whose platform has not acknowledged it yet. */
  sharesPendingNotification(platform: Platform): Promise<Share[]>;
  markShareNotified(shareId: string): Promise<void>;
  /** A try failed: back off, or give up past the cap; true when given up. */
  recordDeliveryFailure(shareId: string, policy: DeliveryPolicy): Promise<boolean>;
}

export interface SubscribeOptions {
  /** Whether this handler answers for the share (its workspace is on one of this process's shards); all when absent. */
  owns?(share: Share): boolean;
}

export interface DeliveryPolicy {
  maxAttempts: number;
  firstDelayMs: number;
  maxDelayMs: number;
}

/**
 * A reply that keeps failing for a transient reason is tried for about a day (30 s, 1 min, 2 min …
 * capped at an hour between tries), then given up. Failures that can never succeed are given up
 * at once by the adapters themselves.
 */
export const DefaultDeliveryPolicy: DeliveryPolicy = { maxAttempts: 30, firstDelayMs: 30_000, maxDelayMs: 3_600_000 };

/** The wait after the `attempts`-th failed try: doubling from the first delay, capped. */
export function deliveryDelayMs(policy: DeliveryPolicy, attempts: number): number {
  return Math.min(policy.firstDelayMs * 2 ** (attempts - 1), policy.maxDelayMs);
}

const TerminalTypes: ReadonlySet<SnapshotEventType> = new Set(['done', 'failed']);

/**
 * Replies delivered at once for one snapshot. A link re-posted while it was being captured can
 * have hundreds of shares waiting; delivered all at once, their store reads queue on the one
 * SQLite connection and run back to back in a single microtask drain (1.3 s measured with 300),
 * and every chat ack waits behind it.
 */
const DeliveriesAtOnce = 8;

/** A share's terminal delivery for one snapshot (a recapture is a new snapshot, answered anew). */
function settledKey(event: ShareEvent): string {
  return `${event.share.id} ${event.snapshot.id}`;
}

/** How many settled deliveries a process remembers (see SnapshotEvents.#settled). */
const SettledMemory = 10_000;

export class SnapshotEvents {
  readonly #store: NotificationStore;
  readonly #logger: Logger;
  readonly #handlers = new Map<Platform, Map<ShareEventHandler, SubscribeOptions>>();
  /** Share ids with a terminal delivery in flight, so the retry timer does not deliver twice at once. */
  readonly #inFlight = new Set<string>();
  /**
   * When (in #tick order) each share's latest terminal delivery of a snapshot here ended, acknowledged or failed.
   * A look at the pending shares that read one before that (a NOTIFY and the poll overlapping, or a
   * look racing the in-process publish) holds a stale row: acted on, it would answer the share a
   * second time, or retry a failed reply before its backoff.
   */
  readonly #settled = new Map<string, number>();
  #tick = 0;
  /** Per-snapshot status changes, for waitFor(). */
  readonly snapshotChanges = new EventEmitter();
  #retryTimer: NodeJS.Timeout | null = null;

  readonly #delivery: DeliveryPolicy;

  constructor(store: NotificationStore, logger: Logger, retryEveryMs = 30_000, delivery: DeliveryPolicy = DefaultDeliveryPolicy) {
    this.#store = store;
    this.#logger = logger;
    this.#delivery = delivery;
    this.snapshotChanges.setMaxListeners(0);
    if (retryEveryMs > 0) {
      this.#retryTimer = setInterval(() => void this.redeliverAll(), retryEveryMs);
      this.#retryTimer.unref();
    }
  }

  subscribe(platform: Platform, handler: ShareEventHandler, options: SubscribeOptions = {}): () => void {
    let set = this.#handlers.get(platform);
    if (!set) this.#handlers.set(platform, (set = new Map()));
    set.set(handler, options);
    void this.redeliver(platform);
    return () => {
      set.delete(handler);
    };
  }

  /** The snapshot changed: tell waiters and every share's platform. */
  async publish(snapshotId: string, type: SnapshotEventType): Promise<void> {
    let snapshot: Snapshot;
    try {
      snapshot = await this.#store.getSnapshotById(snapshotId);
    } catch {
      return; // forgotten meanwhile
    }
    this.snapshotChanges.emit(snapshotId, snapshot);
    const shares = await this.#store.sharesBySnapshot(snapshotId);
    let next = 0;
    const lane = async () => {
      while (next < shares.length) {
        await this.deliver({ type, share: shares[next++], snapshot });
        await yieldToLoop(); // let waiting requests in between replies
      }
    };
    await Promise.all(Array.from({ length: Math.min(DeliveriesAtOnce, shares.length) }, lane));
  }

  /**
   * Sends one event to the handlers of the share's platform. `lookedAt`: the #tick at which the
   * share was read as pending; a terminal delivery that settled since then makes that read stale.
   */
  async deliver(event: ShareEvent, lookedAt?: number): Promise<void> {
    // Only handlers that answer for this share's workspace (a bot process runs some shards only);
    // with none here, the share is left for the process that does, unacknowledged.
    const handlers = [...(this.#handlers.get(event.share.platform) ?? new Map<ShareEventHandler, SubscribeOptions>())]
      .filter(([, options]) => !options.owns || options.owns(event.share))
      .map(([handler]) => handler);
    if (handlers.length === 0) return;
    const terminal = TerminalTypes.has(event.type);
    if (terminal) {
      if (this.#inFlight.has(event.share.id)) return;
      // Settled already: a look's read from before that is stale, and the capture's own publish
      // arriving after a look answered (or backed off) the share must not answer it again.
      const settledAt = this.#settled.get(settledKey(event));
      if (settledAt !== undefined && (lookedAt === undefined || settledAt > lookedAt)) return;
      this.#inFlight.add(event.share.id);
    }
    try {
      for (const handler of handlers) await handler(event);
      if (terminal) await this.#store.markShareNotified(event.share.id);
    } catch (error) {
      const gaveUp = terminal ? await this.#store.recordDeliveryFailure(event.share.id, this.#delivery).catch(() => false) : false;
      this.#logger({
        level: gaveUp ? 'error' : 'warn',
        context: 'service',
        message: !terminal ? 'Progress handler failed' : gaveUp ? 'Reply kept failing; gave up on it' : 'Reply handler failed; it will be retried later',
        details: { shareId: event.share.id, snapshotId: event.snapshot.id, platform: event.share.platform, error },
      });
    } finally {
      if (terminal) {
        this.#settle(settledKey(event));
        this.#inFlight.delete(event.share.id);
      }
    }
  }

  #settle(key: string): void {
    this.#settled.delete(key);
    this.#settled.set(key, ++this.#tick);
    // Only looks overlapping a delivery matter, so a bounded memory of the latest ones is enough.
    if (this.#settled.size > SettledMemory) this.#settled.delete(this.#settled.keys().next().value as string);
  }

  async redeliver(platform: Platform): Promise<void> {
    if (!this.#handlers.get(platform)?.size) return;
    try {
      const lookedAt = this.#tick;
      const pending = await this.#store.sharesPendingNotification(platform);
      for (const share of pending) {
        const snapshot = await this.#store.getSnapshotById(share.snapshotId).catch(() => null);
        if (snapshot && (snapshot.status === 'done' || snapshot.status === 'failed')) {
          await this.deliver({ type: snapshot.status, share, snapshot }, lookedAt);
        }
      }
    } catch (error) {
      this.#logger({ level: 'warn', context: 'service', message: 'Redelivering replies failed', details: { platform, error } });
    }
  }

  async redeliverAll(): Promise<void> {
    for (const platform of this.#handlers.keys()) await this.redeliver(platform);
  }

  close(): void {
    if (this.#retryTimer) clearInterval(this.#retryTimer);
    this.#retryTimer = null;
    this.snapshotChanges.removeAllListeners();
    this.#handlers.clear();
  }
}
