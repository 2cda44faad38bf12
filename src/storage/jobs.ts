// Durable capture jobs. A lease is a time-limited claim: a job whose owner died is leasable again
// once its lease expires, which is how work survives a crash. Attempts count leases, so the queue
// can give up on a job that keeps killing its process (attempts > maxAttempts).
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { NotFoundError } from '../core/errors.js';
import { JobPriority } from '../core/queue.js';
import { isPostgres } from './dialect.js';
import { isoNow, newId } from './ids.js';
import type { Database, Db, JobRow } from './schema.js';
import { writeTransaction } from './transaction.js';

/** The NOTIFY channel a new job is announced on (Postgres), so idle workers wake at once. */
export const JobsChannel = 'linksnap_jobs';

export type JobStatus = 'queued' | 'leased' | 'done' | 'failed';

export interface LeasedJob {
  id: string;
  snapshotId: string;
  /** Attempts so far, including this one. */
  attempts: number;
  maxAttempts: number;
}

export async function enqueueJob(db: Db, snapshotId: string, maxAttempts: number, now: Date = new Date(), priority = 0): Promise<string> {
  const at = isoNow(now);
  const id = newId();
  const snapshot = await db.selectFrom('snapshots').select(['workspace_id', 'url']).where('id', '=', snapshotId).executeTakeFirst();
  if (!snapshot) throw new NotFoundError('snapshot', snapshotId);
  await db
    .insertInto('jobs')
    .values({ id, snapshot_id: snapshotId, workspace_id: snapshot.workspace_id, priority, status: 'queued', attempts: 0, max_attempts: maxAttempts, run_after: at, lease_owner: null, lease_expires_at: null, last_error: null, created_at: at, updated_at: at, host: jobHost(snapshot.url) })
    .execute();
  await announceJob(db);
  return id;
}

/** The host a job captures, as jobs.host stores it (null for an address that does not parse). */
export function jobHost(url: string): string | null {
  try {
    return new URL(url).hostname || null;
  } catch {
    return null;
  }
}

/**
 * Wakes idle workers in every process (Postgres NOTIFY; SQLite workers poll). Inside a transaction
 * the notification is sent at commit, when the job is visible to them.
 */
export async function announceJob(db: Db): Promise<void> {
  if (isPostgres(db)) await sql`SELECT pg_notify(${JobsChannel}, '')`.execute(db);
}

/**
 * Claims the next job for `owner`, or returns null. Leasable: queued and due, or leased with an
 * expired lease. Fair between workspaces: a job of a workspace with no capture running goes first
 * (so one workspace posting a thousand links delays another's /snap by at most the captures
 * already running), then the workspace with the fewest running; within that, priority (an asked-for
 * capture before one from a message), then the oldest. Two processes never hold the same job.
 * Imported captures (JobPriority.imported) are only looked at when nothing else is due, in any
 * workspace, and one is held back while another capture of its host runs: with the run_after
 * spacing an import gives them, one import never has two captures on one site at once.
 */
export async function leaseNextJob(db: Db, owner: string, leaseMs: number, now: Date = new Date()): Promise<LeasedJob | null> {
  const at = isoNow(now);
  const expires = isoNow(new Date(now.getTime() + leaseMs));
  if (isPostgres(db)) {
    return (await leaseNextJobPostgres(db, owner, at, expires, sql`j.priority < ${JobPriority.imported}`)) ?? leaseImportedPostgres(db, owner, at, expires);
  }
  const due = sql<boolean>`((status = 'queued' AND run_after <= ${at}) OR (status = 'leased' AND lease_expires_at <= ${at}))`;
  // BEGIN IMMEDIATE takes SQLite's write lock first, so the pick and the claim are one step across
  // connections and processes.
  return writeTransaction(db, async (trx) => {
    // Read once for both bands: nothing in this transaction changes what runs until a job is claimed.
    const busyRows = await trx
      .selectFrom('jobs')
      .select(['workspace_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('status', '=', 'leased')
      .where('lease_expires_at', '>', at)
      .groupBy('workspace_id')
      .execute();
    const busy = busyRows.map((row) => ({ workspace: row.workspace_id, running: Number(row.n) })).sort((a, b) => a.running - b.running);
    for (const band of [sql<boolean>`priority < ${JobPriority.imported}`, importedAndHostFree('jobs', at)]) {
      const leased = await leaseFromBand(trx, owner, at, expires, sql<boolean>`(${due} AND ${band})`, busy);
      if (leased) return leased;
    }
    return null;
  });
}

/** Imported jobs whose host has no capture running (a job without a host is never held). */
function importedAndHostFree(table: 'j' | 'jobs', at: string): RawBuilder<boolean> {
  const job = sql.table(table);
  return sql<boolean>`(${job}.priority >= ${JobPriority.imported} AND (${job}.host IS NULL OR NOT EXISTS (
    SELECT 1 FROM jobs h WHERE h.host = ${job}.host AND h.status = 'leased' AND h.lease_expires_at > ${at})))`;
}

/** `busy`: workspaces with captures running, fewest first (the fairness order). */
async function leaseFromBand(
  trx: Kysely<Database>,
  owner: string,
  at: string,
  expires: string,
  leasable: RawBuilder<boolean>,
  busy: Array<{ workspace: string; running: number }>,
): Promise<LeasedJob | null> {
  const byOrder = (query: ReturnType<typeof leasableJobs>) => query.orderBy('priority').orderBy('run_after').orderBy('created_at').orderBy('id').limit(1);
  let chosen = await byOrder(leasableJobs(trx, leasable).where('workspace_id', 'not in', busy.length ? busy.map((entry) => entry.workspace) : [''])).executeTakeFirst();
  for (let i = 0; !chosen && i < busy.length; i += 1) {
    chosen = await byOrder(leasableJobs(trx, leasable).where('workspace_id', '=', busy[i].workspace)).executeTakeFirst();
  }
  if (!chosen) return null;
  const row = await trx
    .updateTable('jobs')
    .set((eb) => ({ status: 'leased', lease_owner: owner, lease_expires_at: expires, attempts: eb('attempts', '+', 1), updated_at: at }))
    .where('id', '=', chosen.id)
    .where(leasable)
    .returning(['id', 'snapshot_id', 'attempts', 'max_attempts'])
    .executeTakeFirst();
  return row ? { id: row.id, snapshotId: row.snapshot_id, attempts: Number(row.attempts), maxAttempts: Number(row.max_attempts) } : null;
}

/**
 * The same choice in one statement, for any number of workers on one Postgres: the candidate row
 * is locked with FOR UPDATE SKIP LOCKED, so concurrent claims pass over each other's rows instead
 * of queueing behind one lock, and no two claim the same job.
 */
async function leaseNextJobPostgres(db: Db, owner: string, at: string, expires: string, band: RawBuilder<boolean>): Promise<LeasedJob | null> {
  const result = await sql<LeasedRow>`WITH picked AS (${pickPostgres(at, band)}) ${claimPostgres(owner, at, expires, sql`jobs.id = picked.id`, sql`FROM picked`)}`.execute(db);
  return leased(result.rows[0]);
}

/**
 * The imported band on Postgres, one capture per host across processes. In one statement, two
 * workers claiming at the same instant each saw the host free, and SKIP LOCKED took each past the
 * other's row to another job of the same host. Here the claim is made holding a transaction-scoped
 * advisory lock on the host, and the host is looked at again once it is held (a claim committed
 * meanwhile is seen then); a worker that cannot take the lock leaves that host to the one holding it.
 */
async function leaseImportedPostgres(db: Db, owner: string, at: string, expires: string): Promise<LeasedJob | null> {
  const passed: string[] = [];
  // Each pass leaves out one more busy host, so this ends when no host is left; the bound only
  // caps the work of one claim when hundreds of hosts are busy (the next poll goes on).
  for (let tries = 0; tries < 50; tries += 1) {
    const outcome = await db.transaction().execute(async (trx): Promise<{ job: LeasedJob | null } | { busy: string }> => {
      const band = sql<boolean>`(${importedAndHostFree('j', at)} AND (j.host IS NULL OR NOT (j.host = ANY(${passed}::text[]))))`;
      const picked = (await sql<{ id: string; host: string | null }>`${pickPostgres(at, band, sql`j.id, j.host`)}`.execute(trx)).rows[0];
      if (!picked) return { job: null };
      if (picked.host !== null) {
        const locked = await sql<{ ok: boolean }>`SELECT pg_try_advisory_xact_lock(${HostLockSpace}, hashtext(${picked.host})) AS ok`.execute(trx);
        // The same host check as the pick's, asked again now that no other claim of the host can run.
        const free = locked.rows[0].ok && (await sql`SELECT 1 FROM jobs j WHERE j.id = ${picked.id} AND ${importedAndHostFree('j', at)}`.execute(trx)).rows.length > 0;
        if (!free) return { busy: picked.host };
      }
      return { job: leased((await sql<LeasedRow>`${claimPostgres(owner, at, expires, sql`jobs.id = ${picked.id}`)}`.execute(trx)).rows[0]) };
    });
    if ('job' in outcome) return outcome.job;
    passed.push(outcome.busy);
  }
  return null;
}

/** The first key of pg_try_advisory_xact_lock(key, hashtext(host)): import host holds, apart from any other advisory lock. */
const HostLockSpace = 0x6c6e6b68;

type LeasedRow = { id: string; snapshot_id: string; attempts: number; max_attempts: number };

function leased(row: LeasedRow | undefined): LeasedJob | null {
  return row ? { id: row.id, snapshotId: row.snapshot_id, attempts: Number(row.attempts), maxAttempts: Number(row.max_attempts) } : null;
}

/** The leasable job of `band` that goes first (see leaseNextJob), its row locked, passing over rows other claims hold. */
function pickPostgres(at: string, band: RawBuilder<boolean>, columns: RawBuilder<unknown> = sql`j.id`): RawBuilder<unknown> {
  return sql`SELECT ${columns} FROM jobs j
    LEFT JOIN (SELECT workspace_id, count(*) AS running FROM jobs WHERE status = 'leased' AND lease_expires_at > ${at} GROUP BY workspace_id) b ON b.workspace_id = j.workspace_id
    WHERE ((j.status = 'queued' AND j.run_after <= ${at}) OR (j.status = 'leased' AND j.lease_expires_at <= ${at})) AND ${band}
    ORDER BY coalesce(b.running, 0), j.priority, j.run_after, j.created_at, j.id
    LIMIT 1 FOR UPDATE OF j SKIP LOCKED`;
}

function claimPostgres(owner: string, at: string, expires: string, which: RawBuilder<unknown>, from: RawBuilder<unknown> = sql``): RawBuilder<unknown> {
  return sql`UPDATE jobs SET status = 'leased', lease_owner = ${owner}, lease_expires_at = ${expires}, attempts = jobs.attempts + 1, updated_at = ${at}
    ${from} WHERE ${which} RETURNING jobs.id, jobs.snapshot_id, jobs.attempts, jobs.max_attempts`;
}

/** attempts - 1, never below 0: SQLite's scalar max() is Postgres' greatest(). */
function uncountAttempt(db: Db, attempts: RawBuilder<unknown>) {
  return isPostgres(db) ? sql<number>`greatest(${attempts} - 1, 0)` : sql<number>`max(${attempts} - 1, 0)`;
}

function leasableJobs(db: Kysely<Database>, leasable: RawBuilder<boolean>) {
  return db.selectFrom('jobs').select('id').where(leasable);
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
    .set((eb) => ({ status: 'queued', lease_owner: null, lease_expires_at: null, run_after: at, updated_at: at, attempts: uncountAttempt(db, sql.ref('attempts')) }))
    .where('id', '=', jobId)
    .where('status', '=', 'leased')
    .where('lease_owner', '=', owner)
    .execute();
}

/**
 * Ends the job only while `owner` holds its lease (status leased, lease_owner = owner), in the
 * caller's transaction. False when it does not: the lease expired and another worker took the job,
 * or the job is gone; the caller then writes nothing.
 */
export async function finishLeasedJob(db: Kysely<Database>, jobId: string, owner: string, values: Partial<JobRow>): Promise<boolean> {
  const result = await db.updateTable('jobs').set(values).where('id', '=', jobId).where('lease_owner', '=', owner).where('status', '=', 'leased').executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** What a job's row becomes when an attempt ends: done, back to the queue at `retryAt`, or failed for good. */
export function jobOutcome(outcome: { done: true } | { done: false; error: string; retryAt: Date | null }, now: Date = new Date()): Partial<JobRow> {
  const at = isoNow(now);
  if (outcome.done) return { status: 'done', lease_owner: null, lease_expires_at: null, updated_at: at };
  return outcome.retryAt
    ? { status: 'queued', run_after: isoNow(outcome.retryAt), last_error: outcome.error, lease_owner: null, lease_expires_at: null, updated_at: at }
    : { status: 'failed', last_error: outcome.error, lease_owner: null, lease_expires_at: null, updated_at: at };
}

/**
 * The store failed under a finished capture (busy, full disk, lost connection): the job goes back to
 * the queue at `runAfter` with this attempt not counted, so a good capture is never marked failed.
 */
export async function requeueLeasedJob(db: Db, jobId: string, owner: string, runAfter: Date, error: string, now: Date = new Date()): Promise<boolean> {
  const at = isoNow(now);
  const result = await db
    .updateTable('jobs')
    .set((eb) => ({ status: 'queued', run_after: isoNow(runAfter), last_error: error, lease_owner: null, lease_expires_at: null, updated_at: at, attempts: uncountAttempt(db, sql.ref('attempts')) }))
    .where('id', '=', jobId)
    .where('lease_owner', '=', owner)
    .where('status', '=', 'leased')
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function completeJob(db: Db, jobId: string, now: Date = new Date()): Promise<void> {
  await finish(db, jobId, jobOutcome({ done: true }, now));
}

/** Records a failed attempt: retried at `retryAt`, or failed for good when it is null. */
export async function failJob(db: Db, jobId: string, error: string, retryAt: Date | null, now: Date = new Date()): Promise<void> {
  await finish(db, jobId, jobOutcome({ done: false, error, retryAt }, now));
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
