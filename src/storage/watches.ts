// Watches: links captured again on a schedule, one per (workspace, channel, link). A due run is
// claimed by moving next_run_at with a compare-and-set, so of several processes ticking at once
// exactly one starts it; the capture it started is judged once by clearing pending_snapshot_id the
// same way.
import { sql } from 'kysely';
import type { NewWatchRow, WatchStore } from '../core/watches.js';
import type { Platform, Watch } from '../core/types.js';
import { isoNow, newId } from './ids.js';
import type { Db, WatchRow } from './schema.js';
import { writeTransaction } from './transaction.js';

type NewWatch = NewWatchRow;

type WatchWithUrl = WatchRow & { url: string };

/** Sets a watch, or changes how often an existing one (same place, same link) runs. */
export async function putWatch(db: Db, input: NewWatch): Promise<{ watch: Watch; created: boolean }> {
  const channelId = input.channelId ?? '';
  const inserted = await db
    .insertInto('watches')
    .values({
      id: newId(),
      workspace_id: input.workspaceId,
      link_id: input.linkId,
      platform: input.platform,
      channel_id: channelId,
      channel_name: input.channelName,
      channel_private: input.channelPrivate ? 1 : 0,
      every: input.every,
      created_by: input.createdBy,
      created_at: isoNow(input.now),
      next_run_at: isoNow(input.nextRunAt),
      last_run_at: null,
      pending_snapshot_id: null,
      last_snapshot_id: null,
      failures: 0,
      failing_told: 0,
    })
    .onConflict((oc) => oc.columns(['workspace_id', 'channel_id', 'link_id']).doNothing())
    .executeTakeFirst();
  const created = Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0;
  if (!created) {
    await db
      .updateTable('watches')
      .set({ every: input.every, next_run_at: isoNow(input.nextRunAt), channel_name: input.channelName })
      .where('workspace_id', '=', input.workspaceId)
      .where('channel_id', '=', channelId)
      .where('link_id', '=', input.linkId)
      .execute();
  }
  const row = await selectWatches(db)
    .where('w.workspace_id', '=', input.workspaceId)
    .where('w.channel_id', '=', channelId)
    .where('w.link_id', '=', input.linkId)
    .executeTakeFirstOrThrow();
  return { watch: toWatch(row), created };
}

/** A workspace's watches, or one channel's ('' or null: those set from the web page and the CLI). */
export async function listWatches(db: Db, workspaceId: string, channelId?: string | null): Promise<Watch[]> {
  let query = selectWatches(db).where('w.workspace_id', '=', workspaceId);
  if (channelId !== undefined) query = query.where('w.channel_id', '=', channelId ?? '');
  const rows = await query.orderBy('w.created_at').orderBy('w.id').execute();
  return rows.map(toWatch);
}

export async function getWatch(db: Db, workspaceId: string, watchId: string): Promise<Watch | null> {
  const row = await selectWatches(db).where('w.workspace_id', '=', workspaceId).where('w.id', '=', watchId).executeTakeFirst();
  return row ? toWatch(row) : null;
}

export async function getWatchById(db: Db, watchId: string): Promise<Watch | null> {
  const row = await selectWatches(db).where('w.id', '=', watchId).executeTakeFirst();
  return row ? toWatch(row) : null;
}

export async function deleteWatch(db: Db, workspaceId: string, watchId: string): Promise<boolean> {
  const result = await db.deleteFrom('watches').where('workspace_id', '=', workspaceId).where('id', '=', watchId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function countWatches(db: Db, workspaceId: string): Promise<number> {
  const row = await db.selectFrom('watches').select((eb) => eb.fn.countAll<number>().as('n')).where('workspace_id', '=', workspaceId).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Watches due at `now` with no run in flight, earliest first; `all`: every watch with no run in flight. */
export async function dueWatches(db: Db, now: Date, limit: number, all = false): Promise<Watch[]> {
  let query = selectWatches(db).where('w.pending_snapshot_id', 'is', null);
  if (!all) query = query.where('w.next_run_at', '<=', isoNow(now));
  const rows = await query.orderBy('w.next_run_at').orderBy('w.id').limit(limit).execute();
  return rows.map(toWatch);
}

/**
 * Claims the run due at `dueAt`: moves next_run_at on, only if nobody did since it was read. True
 * for exactly one of the processes that try.
 */
export async function claimWatchRun(db: Db, watchId: string, dueAt: string, nextRunAt: Date, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('watches')
    .set({ next_run_at: isoNow(nextRunAt), last_run_at: isoNow(now) })
    .where('id', '=', watchId)
    .where('next_run_at', '=', dueAt)
    .where('pending_snapshot_id', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function setWatchPending(db: Db, watchId: string, snapshotId: string): Promise<void> {
  // Only the run that claimed the watch sets it; a run already pending is never overwritten.
  await db.updateTable('watches').set({ pending_snapshot_id: snapshotId }).where('id', '=', watchId).where('pending_snapshot_id', 'is', null).execute();
}

/** Watches whose run's capture has ended (done or failed), to be judged. */
export async function finishedWatchRuns(db: Db, limit: number): Promise<Array<{ watch: Watch; snapshotId: string; status: 'done' | 'failed' }>> {
  const rows = await selectWatches(db)
    .innerJoin('snapshots as s', 's.id', 'w.pending_snapshot_id')
    .where('s.status', 'in', ['done', 'failed'])
    .select(['s.status as snapshot_status'])
    .orderBy('w.last_run_at')
    .limit(limit)
    .execute();
  return rows.map((row) => ({ watch: toWatch(row), snapshotId: row.pending_snapshot_id!, status: row.snapshot_status as 'done' | 'failed' }));
}

/** A run whose snapshot was forgotten before it ended: nothing to judge, the watch runs again when due. */
export async function clearOrphanedRuns(db: Db): Promise<number> {
  const result = await db
    .updateTable('watches')
    .set({ pending_snapshot_id: null })
    .where('pending_snapshot_id', 'is not', null)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('snapshots as s').select(sql`1`.as('one')).whereRef('s.id', '=', 'watches.pending_snapshot_id'))))
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Records the end of a run: clears the pending capture (compare-and-set, so one process judges it)
 * and counts failures in a row. Returns the watch's failure count after it, or null when another
 * process judged it first. `toldFailing`: the channel is told now that the watch keeps failing.
 */
export async function finishWatchRun(
  db: Db,
  watchId: string,
  snapshotId: string,
  outcome: { failed: boolean; tellFailingAt: number },
): Promise<{ failures: number; tellFailing: boolean } | null> {
  const current = await db.selectFrom('watches').select(['failures', 'failing_told']).where('id', '=', watchId).where('pending_snapshot_id', '=', snapshotId).executeTakeFirst();
  if (!current) return null;
  const failures = outcome.failed ? Number(current.failures) + 1 : 0;
  const tellFailing = outcome.failed && failures >= outcome.tellFailingAt && Number(current.failing_told) === 0;
  const result = await db
    .updateTable('watches')
    .set({
      pending_snapshot_id: null,
      failures,
      failing_told: outcome.failed ? (tellFailing ? 1 : Number(current.failing_told)) : 0,
      ...(outcome.failed ? {} : { last_snapshot_id: snapshotId }),
    })
    .where('id', '=', watchId)
    .where('pending_snapshot_id', '=', snapshotId)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) return null;
  return { failures, tellFailing };
}

/** A run that could not even start (the workspace is at its storage quota) counts as a failed run. */
export async function countWatchFailure(db: Db, watchId: string, tellFailingAt: number): Promise<{ failures: number; tellFailing: boolean } | null> {
  return writeTransaction(db, async (trx) => {
    const current = await trx.selectFrom('watches').select(['failures', 'failing_told']).where('id', '=', watchId).executeTakeFirst();
    if (!current) return null;
    const failures = Number(current.failures) + 1;
    const tellFailing = failures >= tellFailingAt && Number(current.failing_told) === 0;
    await trx.updateTable('watches').set({ failures, failing_told: tellFailing ? 1 : Number(current.failing_told) }).where('id', '=', watchId).execute();
    return { failures, tellFailing };
  });
}

function selectWatches(db: Db) {
  return db.selectFrom('watches as w').innerJoin('links as l', 'l.id', 'w.link_id').selectAll('w').select('l.url as url');
}

function toWatch(row: WatchWithUrl): Watch {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    linkId: row.link_id,
    url: row.url,
    platform: row.platform as Platform,
    channelId: row.channel_id === '' ? null : row.channel_id,
    channelName: row.channel_name,
    every: row.every,
    createdBy: row.created_by,
    createdAt: row.created_at,
    nextRunAt: row.next_run_at,
    lastRunAt: row.last_run_at,
    lastSnapshotId: row.last_snapshot_id,
    pendingSnapshotId: row.pending_snapshot_id,
    failures: Number(row.failures),
  };
}

export function createWatchStore(db: Db): WatchStore {
  return {
    putWatch: (input) => putWatch(db, input),
    listWatches: (workspaceId, channelId) => listWatches(db, workspaceId, channelId),
    getWatch: (workspaceId, watchId) => getWatch(db, workspaceId, watchId),
    deleteWatch: (workspaceId, watchId) => deleteWatch(db, workspaceId, watchId),
    countWatches: (workspaceId) => countWatches(db, workspaceId),
    dueWatches: (now, limit, all) => dueWatches(db, now, limit, all),
    claimWatchRun: (watchId, dueAt, nextRunAt, now) => claimWatchRun(db, watchId, dueAt, nextRunAt, now),
    setWatchPending: (watchId, snapshotId) => setWatchPending(db, watchId, snapshotId),
    finishedWatchRuns: (limit) => finishedWatchRuns(db, limit),
    clearOrphanedRuns: () => clearOrphanedRuns(db),
    finishWatchRun: (watchId, snapshotId, outcome) => finishWatchRun(db, watchId, snapshotId, outcome),
    countWatchFailure: (watchId, tellFailingAt) => countWatchFailure(db, watchId, tellFailingAt),
  };
}
