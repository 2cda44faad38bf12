// Durable capture jobs. A lease is a time-limited claim: a job whose owner died is leasable again
// once its lease expires, which is how work survives a crash. Attempts count leases, so the queue
// can give up on a job that keeps killing its process (attempts > maxAttempts).
import { sql } from 'kysely';
import { NotFoundError } from '../core/errors.js';
import { isoNow, newId } from './ids.js';
import type { Db, JobRow } from './schema.js';

export type JobStatus = 'queued' | 'leased' | 'done' | 'failed';

export interface LeasedJob {
  id: string;
  snapshotId: string;
  /** Attempts so far, including this one. */
  attempts: number;
  maxAttempts: number;
}

export async function enqueueJob(db: Db, snapshotId: string, maxAttempts: number, now: Date = new Date()): Promise<string> {
  const at = isoNow(now);
  const id = newId();
  await db
    .insertInto('jobs')
    .values({ id, snapshot_id: snapshotId, status: 'queued', attempts: 0, max_attempts: maxAttempts, run_after: at, lease_owner: null, lease_expires_at: null, last_error: null, created_at: at, updated_at: at })
    .execute();
  return id;
}

/**
 * Claims the job due first (queued and due, or leased with an expired lease) for `owner`, or
 * returns null. Two processes never hold the same job.
 */
export async function leaseNextJob(db: Db, owner: string, leaseMs: number, now: Date = new Date()): Promise<LeasedJob | null> {
  const at = isoNow(now);
  const expires = isoNow(new Date(now.getTime() + leaseMs));
  const leasable = sql<boolean>`((status = 'queued' AND run_after <= ${at}) OR (status = 'leased' AND lease_expires_at <= ${at}))`;
  // A writing statement takes SQLite's write lock before it reads, so the pick and the claim are
  // one atomic step across connections and processes; no explicit transaction is needed.
  const row = await db
    .updateTable('jobs')
    .set((eb) => ({ status: 'leased', lease_owner: owner, lease_expires_at: expires, attempts: eb('attempts', '+', 1), updated_at: at }))
    .where(
      'id',
      '=',
      db.selectFrom('jobs').select('id').where(leasable).orderBy('run_after').orderBy('created_at').orderBy('id').limit(1),
    )
    // Checked again on the row itself: on databases where the subquery may see a stale row.
    .where(leasable)
    .returning(['id', 'snapshot_id', 'attempts', 'max_attempts'])
    .executeTakeFirst();
  return row ? { id: row.id, snapshotId: row.snapshot_id, attempts: Number(row.attempts), maxAttempts: Number(row.max_attempts) } : null;
}

/** Extends the lease; false when the owner lost it (expired and taken, or finished). */
export async function renewLease(db: Db, jobId: string, owner: string, leaseMs: number, now: Date = new Date()): Promise<boolean> {
  const result = await db
    .updateTable('jobs')
    .set({ lease_expires_at: isoNow(new Date(now.getTime() + leaseMs)), updated_at: isoNow(now) })
    .where('id', '=', jobId)
    .where('status', '=', 'leased')
    .where('lease_owner', '=', owner)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Gives a leased job back untouched (shutdown): leasable again at once, the attempt not counted. */
export async function releaseJob(db: Db, jobId: string, owner: string, now: Date = new Date()): Promise<void> {
  const at = isoNow(now);
  await db
    .updateTable('jobs')
    .set((eb) => ({ status: 'queued', lease_owner: null, lease_expires_at: null, run_after: at, updated_at: at, attempts: sql<number>`max(${eb.ref('attempts')} - 1, 0)` }))
    .where('id', '=', jobId)
    .where('status', '=', 'leased')
    .where('lease_owner', '=', owner)
    .execute();
}

export async function completeJob(db: Db, jobId: string, now: Date = new Date()): Promise<void> {
  await finish(db, jobId, { status: 'done', lease_owner: null, lease_expires_at: null, updated_at: isoNow(now) });
}

/** Records a failed attempt: retried at `retryAt`, or failed for good when it is null. */
export async function failJob(db: Db, jobId: string, error: string, retryAt: Date | null, now: Date = new Date()): Promise<void> {
  const at = isoNow(now);
  await finish(
    db,
    jobId,
    retryAt
      ? { status: 'queued', run_after: isoNow(retryAt), last_error: error, lease_owner: null, lease_expires_at: null, updated_at: at }
      : { status: 'failed', last_error: error, lease_owner: null, lease_expires_at: null, updated_at: at },
  );
}

export async function countJobs(db: Db): Promise<Record<JobStatus, number>> {
  const rows = await db.selectFrom('jobs').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
  const counts: Record<JobStatus, number> = { queued: 0, leased: 0, done: 0, failed: 0 };
  for (const row of rows) counts[row.status as JobStatus] = Number(row.n);
  return counts;
}

export async function getJob(db: Db, jobId: string) {
  const row = await db.selectFrom('jobs').selectAll().where('id', '=', jobId).executeTakeFirst();
  if (!row) throw new NotFoundError('job', jobId);
  return row;
}

async function finish(db: Db, jobId: string, values: Partial<JobRow>): Promise<void> {
  const result = await db.updateTable('jobs').set(values).where('id', '=', jobId).executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw new NotFoundError('job', jobId);
}
