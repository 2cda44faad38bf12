// Watches: a link captured again on a schedule, and the channel that set it told when the page
// changed. Each tick (every LINKSNAP_WATCH_TICK, in every process that runs the schedule) first
// judges the runs whose capture ended, then starts the runs that are due. Both steps are claimed in
// the store by compare-and-set, so in a cluster each due time runs once and each run is judged
// once; the notice it makes is unique by its key besides.
import type { Logger } from './logger.js';
import type { NewNotice } from './notices.js';
import type { NoticeSnapshot, Snapshot, TextDiff, Watch, WorkspaceSettings } from './types.js';
import { changeExcerpt } from './change.js';
import { QuotaExceededError } from './errors.js';
import { parseWatchEvery } from './watch-every.js';

export interface NewWatchRow {
  workspaceId: string;
  linkId: string;
  platform: Watch['platform'];
  channelId: string | null;
  channelName: string | null;
  channelPrivate: boolean;
  every: string;
  createdBy: string;
  nextRunAt: Date;
  now: Date;
}

export interface WatchStore {
  putWatch(input: NewWatchRow): Promise<{ watch: Watch; created: boolean }>;
  listWatches(workspaceId: string, channelId?: string | null): Promise<Watch[]>;
  getWatch(workspaceId: string, watchId: string): Promise<Watch | null>;
  deleteWatch(workspaceId: string, watchId: string): Promise<boolean>;
  countWatches(workspaceId: string): Promise<number>;
  dueWatches(now: Date, limit: number, all: boolean): Promise<Watch[]>;
  claimWatchRun(watchId: string, dueAt: string, nextRunAt: Date, now: Date): Promise<boolean>;
  setWatchPending(watchId: string, snapshotId: string): Promise<void>;
  finishedWatchRuns(limit: number): Promise<Array<{ watch: Watch; snapshotId: string; status: 'done' | 'failed' }>>;
  clearOrphanedRuns(): Promise<number>;
  finishWatchRun(watchId: string, snapshotId: string, outcome: { failed: boolean; tellFailingAt: number }): Promise<{ failures: number; tellFailing: boolean } | null>;
  /** A run that could not start counts as failed; null when the watch is gone. */
  countWatchFailure(watchId: string, tellFailingAt: number): Promise<{ failures: number; tellFailing: boolean } | null>;
}

/** What a watch run needs from the service. */
export interface WatchCapturer {
  /** A new capture of the link that nobody asked for in chat (no share, no reply); one already in flight is reused. */
  recapture(workspaceId: string, linkId: string): Promise<Snapshot>;
  getSnapshotById(snapshotId: string): Promise<Snapshot>;
  diff(workspaceId: string, snapshotId: string, againstId: string): Promise<TextDiff>;
  getSettings(workspaceId: string): Promise<WorkspaceSettings>;
}

export interface WatchTickReport {
  started: number;
  /** Runs judged: changed (posted), unchanged, failed. */
  changed: number;
  unchanged: number;
  failed: number;
}

/** Runs in a row that fail before the channel hears the watch keeps failing (once). */
export const TellFailingAfter = 3;
const Batch = 200;

export class WatchRunner {
  readonly #store: WatchStore;
  readonly #capturer: WatchCapturer;
  readonly #notices: { add(notice: NewNotice): Promise<boolean> };
  readonly #logger: Logger;
  readonly #now: () => Date;

  constructor(options: {
    store: WatchStore;
    capturer: WatchCapturer;
    notices: { add(notice: NewNotice): Promise<boolean> };
    logger: Logger;
    now?: () => Date;
  }) {
    this.#store = options.store;
    this.#capturer = options.capturer;
    this.#notices = options.notices;
    this.#logger = options.logger;
    this.#now = options.now ?? (() => new Date());
  }

  /** Judges the runs that ended, then starts the due ones. */
  async tick(now: Date = this.#now()): Promise<WatchTickReport> {
    const judged = await this.judgeFinished();
    const started = await this.startDue(now, false);
    return { started: started.length, ...judged };
  }

  /** Starts a capture for each due watch (`all`: every watch not already running), claimed once per due time. */
  async startDue(now: Date = this.#now(), all = false): Promise<Array<{ watch: Watch; snapshotId: string }>> {
    const started: Array<{ watch: Watch; snapshotId: string }> = [];
    // Batch after batch while watches are due: a started run is due no more, so each batch is new.
    // A batch that starts nothing ends the look (the rest is claimed elsewhere, or cannot start now).
    for (;;) {
      const due = await this.#store.dueWatches(now, Batch, all);
      let startedNow = 0;
      for (const watch of due) {
        const snapshotId = await this.startRun(watch, now);
        if (!snapshotId) continue;
        started.push({ watch, snapshotId });
        startedNow += 1;
      }
      if (due.length < Batch || startedNow === 0) return started;
    }
  }

  /** Claims the watch's run due at its next_run_at and starts its capture; null when another process claimed it or it could not start. */
  async startRun(watch: Watch, now: Date = this.#now()): Promise<string | null> {
    try {
      // A schedule stored before LINKSNAP_WATCH_MIN_INTERVAL was raised still runs, at its own pace.
      const schedule = parseWatchEvery(watch.every, 0);
      if (!(await this.#store.claimWatchRun(watch.id, watch.nextRunAt, schedule.next(now), now))) return null;
      const snapshot = await this.#capturer.recapture(watch.workspaceId, watch.linkId);
      await this.#store.setWatchPending(watch.id, snapshot.id);
      this.#logger({ level: 'info', context: 'watch', message: 'Watch run started', details: { watchId: watch.id, workspace: watch.workspaceId, url: watch.url, snapshotId: snapshot.id } });
      return snapshot.id;
    } catch (error) {
      // The run is skipped (its next time is already set, or its schedule cannot be read); one
      // watch never stops the others.
      this.#logger({ level: 'warn', context: 'watch', message: 'Watch run could not start', details: { watchId: watch.id, url: watch.url, error } });
      if (error instanceof QuotaExceededError) {
        // The workspace is full: the channel hears it (once) like any run that keeps failing.
        const counted = await this.#store.countWatchFailure(watch.id, TellFailingAfter).catch(() => null);
        if (counted?.tellFailing) await this.#tellFailing(watch, null, counted.failures, error.message).catch(() => undefined);
      }
      return null;
    }
  }

  /**
   * Judges every run whose capture ended: a change is posted once, a watch failing again and again
   * is reported once. A change is judged against the version this watch saw last, not merely the
   * link's previous version: another capture of the link in between (a re-post, another channel's
   * watch, `snap --force`) must not swallow the change this channel is waiting to hear about. The
   * post is written before the run is marked judged: a crash in between loses nothing, and the
   * notice is unique, so judging again posts nothing twice.
   */
  async judgeFinished(): Promise<Omit<WatchTickReport, 'started'>> {
    const report = { changed: 0, unchanged: 0, failed: 0 };
    await this.#store.clearOrphanedRuns();
    // Batch after batch: a judged run leaves the list. A batch where nothing could be judged (the
    // store failing) ends the look; the next tick tries again.
    for (;;) {
      const runs = await this.#store.finishedWatchRuns(Batch);
      const settled = await this.#judge(runs, report);
      if (runs.length < Batch || settled === 0) return report;
    }
  }

  /** Judges one batch of finished runs; returns how many left the finished list (judged here or elsewhere). */
  async #judge(runs: Array<{ watch: Watch; snapshotId: string; status: 'done' | 'failed' }>, report: Omit<WatchTickReport, 'started'>): Promise<number> {
    let settled = 0;
    for (const run of runs) {
      try {
        if (run.status === 'failed') {
          const finished = await this.#store.finishWatchRun(run.watch.id, run.snapshotId, { failed: true, tellFailingAt: TellFailingAfter });
          settled += 1;
          if (!finished) continue; // another process judged it
          report.failed += 1;
          if (finished.tellFailing) await this.#tellFailing(run.watch, run.snapshotId, finished.failures);
          continue;
        }
        const snapshot = await this.#capturer.getSnapshotById(run.snapshotId);
        const change = await this.#changeSinceLastSeen(run.watch, snapshot);
        if (change) await this.#postChange(run.watch, snapshot, change.beforeId, change.diff);
        const finished = await this.#store.finishWatchRun(run.watch.id, run.snapshotId, { failed: false, tellFailingAt: TellFailingAfter });
        settled += 1;
        if (!finished) continue;
        if (change) report.changed += 1;
        else report.unchanged += 1;
      } catch (error) {
        // Left pending: the next tick judges it again.
        this.#logger({ level: 'warn', context: 'watch', message: 'Judging a watch run failed', details: { watchId: run.watch.id, snapshotId: run.snapshotId, error } });
      }
    }
    return settled;
  }

  /** How the page changed since the version the watch saw last (its first run: the link's previous version); null when it did not. */
  async #changeSinceLastSeen(watch: Watch, snapshot: Snapshot): Promise<{ beforeId: string; diff: TextDiff } | null> {
    const stored = snapshot.change;
    const beforeId = watch.lastSnapshotId ?? stored?.previousId ?? null;
    if (!beforeId || beforeId === snapshot.id) return null;
    // The usual case: nothing came between, and the capture already compared the two.
    if (stored && stored.previousId === beforeId && !stored.changed) return null;
    try {
      const diff = await this.#capturer.diff(watch.workspaceId, snapshot.id, beforeId);
      return diff.changed ? { beforeId, diff } : null;
    } catch (error) {
      // The version it saw last is gone (forgotten, or removed by retention): judge by the capture's own comparison.
      this.#logger({ level: 'debug', context: 'watch', message: 'Could not compare with the version the watch saw last', details: { watchId: watch.id, beforeId, error } });
      if (!stored?.changed || stored.previousId === beforeId) return null;
      return { beforeId: stored.previousId, diff: await this.#capturer.diff(watch.workspaceId, snapshot.id, stored.previousId) };
    }
  }

  async #postChange(watch: Watch, snapshot: Snapshot, beforeId: string, diff: TextDiff): Promise<void> {
    if (!isChatWatch(watch)) return;
    const [before, settings] = await Promise.all([this.#capturer.getSnapshotById(beforeId).catch(() => null), this.#capturer.getSettings(watch.workspaceId)]);
    await this.#notices.add({
      workspaceId: watch.workspaceId,
      platform: watch.platform,
      channelId: watch.channelId!,
      dedupKey: `change:${watch.id}:${snapshot.id}`,
      payload: {
        kind: 'change',
        watchId: watch.id,
        linkId: watch.linkId,
        url: watch.url,
        title: snapshot.title,
        before: before ? noticeSnapshot(before) : { snapshotId: beforeId, capturedAt: null, thumbnail: null },
        after: noticeSnapshot(snapshot),
        added: diff.added,
        removed: diff.removed,
        excerpt: changeExcerpt(diff),
        locale: settings.locale,
      },
    });
  }

  async #tellFailing(watch: Watch, snapshotId: string | null, failures: number, reason: string | null = null): Promise<void> {
    if (!isChatWatch(watch)) return;
    const [snapshot, settings] = await Promise.all([snapshotId ? this.#capturer.getSnapshotById(snapshotId).catch(() => null) : null, this.#capturer.getSettings(watch.workspaceId)]);
    await this.#notices.add({
      workspaceId: watch.workspaceId,
      platform: watch.platform,
      channelId: watch.channelId!,
      // One notice per time the watch starts failing (failing_told is cleared when a run works).
      dedupKey: `watch-failing:${watch.id}:${snapshotId ?? `unstarted-${watch.lastRunAt ?? watch.createdAt}`}`,
      payload: { kind: 'watch-failing', watchId: watch.id, linkId: watch.linkId, url: watch.url, failures, error: reason ?? snapshot?.error ?? null, locale: settings.locale },
    });
  }
}

/** Only a watch set in a chat channel has somewhere to post. */
function isChatWatch(watch: Watch): watch is Watch & { platform: 'discord' | 'slack'; channelId: string } {
  return (watch.platform === 'discord' || watch.platform === 'slack') && watch.channelId !== null;
}

export function noticeSnapshot(snapshot: Snapshot): NoticeSnapshot {
  return { snapshotId: snapshot.id, capturedAt: snapshot.capturedAt, thumbnail: snapshot.artifacts.thumbnail ?? null };
}
