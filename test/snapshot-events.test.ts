// Replies to the shares of one snapshot go out a few at a time, with the event loop let in between,
// so a link re-posted hundreds of times while it was captured does not hold chat acks behind them.
import { expect, it } from 'vitest';
import { silentLogger } from '../src/core/logger.js';
import { SnapshotEvents, type NotificationStore } from '../src/core/snapshot-events.js';
import type { Share, ShareEvent, Snapshot } from '../src/core/types.js';

function store(count: number): NotificationStore & { notified: string[] } {
  const notified: string[] = [];
  const shares = Array.from({ length: count }, (_, i) => ({ id: `share-${i}`, platform: 'slack', snapshotId: 'snap-1' }) as unknown as Share);
  return {
    notified,
    sharesBySnapshot: async () => shares,
    getSnapshotById: async () => ({ id: 'snap-1', status: 'done' }) as unknown as Snapshot,
    sharesPendingNotification: async () => [],
    markShareNotified: async (id) => void notified.push(id),
    recordDeliveryFailure: async () => false,
  };
}

it('delivers every share of a snapshot once, no more than a few at once, letting timers and I/O run in between', async () => {
  const data = store(300);
  const events = new SnapshotEvents(data, silentLogger, 0);
  let running = 0;
  let most = 0;
  const seen: string[] = [];
  // Store-like work: a few awaited steps, no I/O, as a handler reading SQLite behaves.
  events.subscribe('slack', async (event: ShareEvent) => {
    running += 1;
    most = Math.max(most, running);
    for (let i = 0; i < 5; i++) await Promise.resolve();
    seen.push(event.share.id);
    running -= 1;
  });
  let immediateRanAfter = -1;
  setImmediate(() => (immediateRanAfter = seen.length));
  await events.publish('snap-1', 'done');
  expect(new Set(seen).size).toBe(300);
  expect(data.notified).toHaveLength(300);
  expect(most).toBeLessThanOrEqual(8);
  // The immediate queued before publishing ran while replies were still going out.
  expect(immediateRanAfter).toBeGreaterThanOrEqual(0);
  expect(immediateRanAfter).toBeLessThan(300);
  events.close();
});

it('records a failed reply for backoff and gives it up past the cap, instead of retrying it forever', async () => {
  const failures: string[] = [];
  const share = { id: 'share-x', platform: 'slack', snapshotId: 'snap-1' } as unknown as Share;
  let due = false;
  const data: NotificationStore = {
    sharesBySnapshot: async () => [share],
    getSnapshotById: async () => ({ id: 'snap-1', status: 'done' }) as unknown as Snapshot,
    // Offered again once its backoff is over.
    sharesPendingNotification: async () => (due ? [share] : []),
    markShareNotified: async () => {
      throw new Error('not reached: the handler failed');
    },
    recordDeliveryFailure: async (id, policy) => {
      failures.push(id);
      return failures.length >= policy.maxAttempts;
    },
  };
  const events = new SnapshotEvents(data, silentLogger, 0, { maxAttempts: 2, firstDelayMs: 10, maxDelayMs: 10 });
  events.subscribe('slack', async () => {
    throw new Error('channel_not_found');
  });
  await events.publish('snap-1', 'done');
  due = true;
  await events.redeliver('slack');
  expect(failures).toEqual(['share-x', 'share-x']);
  events.close();
});

it('never answers a share twice when two looks at the pending replies overlap (a NOTIFY and the poll)', async () => {
  const share = { id: 'share-r', platform: 'discord', snapshotId: 'snap-1' } as unknown as Share;
  let marked = false;
  let release: () => void = () => undefined;
  const markedNow = new Promise<void>((resolve) => (release = resolve));
  let looks = 0;
  const data: NotificationStore = {
    sharesBySnapshot: async () => [share],
    getSnapshotById: async () => ({ id: 'snap-1', status: 'done' }) as unknown as Snapshot,
    // The second look reads the share while it is still pending, and its answer arrives only after
    // the first look delivered and acknowledged it: a read that raced the acknowledgement.
    sharesPendingNotification: async () => {
      looks += 1;
      const pending = marked ? [] : [share];
      if (looks === 2) await markedNow;
      return pending;
    },
    markShareNotified: async () => {
      marked = true;
      release();
    },
    recordDeliveryFailure: async () => false,
  };
  const events = new SnapshotEvents(data, silentLogger, 0);
  const answered: string[] = [];
  let subscribed: Promise<void> | null = null;
  events.subscribe('discord', async (event: ShareEvent) => {
    answered.push(event.share.id);
    // The second look starts while the first is answering.
    subscribed ??= events.redeliver('discord');
  });
  for (let i = 0; i < 50 && !subscribed; i++) await new Promise((resolve) => setTimeout(resolve, 5));
  await subscribed;
  await new Promise((resolve) => setTimeout(resolve, 10));
  expect(looks).toBe(2);
  expect(answered).toEqual(['share-r']);
  events.close();
});

it('does not retry a failed reply at once when a look that read it before the failure was recorded comes in after', async () => {
  const share = { id: 'share-f', platform: 'discord', snapshotId: 'snap-1' } as unknown as Share;
  let failed = 0;
  let release: () => void = () => undefined;
  const failureRecorded = new Promise<void>((resolve) => (release = resolve));
  let looks = 0;
  const data: NotificationStore = {
    sharesBySnapshot: async () => [share],
    getSnapshotById: async () => ({ id: 'snap-1', status: 'done' }) as unknown as Snapshot,
    sharesPendingNotification: async () => {
      looks += 1;
      const pending = failed ? [] : [share]; // a recorded failure backs the share off
      if (looks === 1) await failureRecorded;
      return pending;
    },
    markShareNotified: async () => undefined,
    recordDeliveryFailure: async () => {
      failed += 1;
      release();
      return false;
    },
  };
  const events = new SnapshotEvents(data, silentLogger, 0);
  const tries: string[] = [];
  // Subscribing starts a look; the capture's own publish answers (and fails) while it is out.
  events.subscribe('discord', async (event: ShareEvent) => {
    tries.push(event.share.id);
    throw new Error('chat platform was down');
  });
  await events.publish('snap-1', 'done');
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(looks).toBe(1);
  expect(tries).toEqual(['share-f']);
  expect(failed).toBe(1);
  events.close();
});

it('does not answer again from the capture’s own publish when a look (woken by the same commit) already answered', async () => {
  const share = { id: 'share-p', platform: 'discord', snapshotId: 'snap-1' } as unknown as Share;
  let acknowledged = false;
  const data: NotificationStore = {
    sharesBySnapshot: async () => [share],
    getSnapshotById: async () => ({ id: 'snap-1', status: 'done' }) as unknown as Snapshot,
    sharesPendingNotification: async () => (acknowledged ? [] : [share]),
    markShareNotified: async () => void (acknowledged = true),
    recordDeliveryFailure: async () => false,
  };
  const events = new SnapshotEvents(data, silentLogger, 0);
  const answered: string[] = [];
  events.subscribe('discord', async (event: ShareEvent) => void answered.push(event.type));
  await events.redeliver('discord');
  await events.publish('snap-1', 'done');
  expect(answered).toEqual(['done']);
  events.close();
});
