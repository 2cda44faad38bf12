// Snapshots (each capture of a link is a version) and their artifacts.
import { type Kysely, sql } from 'kysely';
import { NotFoundError } from '../core/errors.js';
import type { ArtifactKind, ArtifactRef, Snapshot, SnapshotStatus } from '../core/types.js';
import { isPostgres } from './dialect.js';
import { isoNow, newId } from './ids.js';
import { finishLeasedJob, jobHost, jobOutcome } from './jobs.js';
import { assertLink, touchLink } from './links.js';
import type { Database, Db, SnapshotRow } from './schema.js';
import { putDocument, type SearchDocument } from './search-index.js';
import { writeTransaction } from './transaction.js';

// The shapes the core's store seam defines; storage implements them.
export type { SnapshotPatch, StoredArtifact } from '../core/service-store.js';
import type { SnapshotPatch, StoredArtifact } from '../core/service-store.js';

export interface NewSnapshot {
  workspaceId: string;
  linkId: string;
  url: string;
  now?: Date;
  /** Also persist a capture job for it, in the same transaction; priority 0 (asked for) goes before 1 (from a message). */
  job?: { maxAttempts: number; priority?: number };
  /** A version made from an uploaded page: who uploaded it, and the uploaded file's blob. */
  upload?: { by: string; sha256: string };
}

/** A snapshot row before any capture: every field a capture fills is empty. */
export function blankSnapshotRow(fields: { id: string; linkId: string; workspaceId: string; url: string; status: string; title?: string | null; at: string }): SnapshotRow {
  return {
    id: fields.id,
    link_id: fields.linkId,
    workspace_id: fields.workspaceId,
    url: fields.url,
    status: fields.status,
    error: null,
    error_code: null,
    degraded: 0,
    degraded_reason: null,
    final_url: null,
    http_status: null,
    content_type: null,
    content_hash: null,
    title: fields.title ?? null,
    description: null,
    site_name: null,
    author: null,
    published_time: null,
    lang: null,
    dir: null,
    favicon: null,
    canonical_url: null,
    created_at: fields.at,
    started_at: null,
    captured_at: null,
    change_previous_id: null,
    change_previous_at: null,
    change_changed: null,
    change_added: null,
    change_removed: null,
  };
}

/** A queued snapshot (and optionally its job); the link moves to the top of the newest-first order. */
export async function createSnapshot(db: Db, input: NewSnapshot): Promise<Snapshot> {
  const at = isoNow(input.now);
  const row: SnapshotRow = {
    ...blankSnapshotRow({ id: newId(), linkId: input.linkId, workspaceId: input.workspaceId, url: input.url, status: 'queued', at }),
    ...(input.upload ? { uploaded_by: input.upload.by, upload_sha256: input.upload.sha256 } : {}),
  };
  await writeTransaction(db, async (trx) => {
    await assertLink(trx, input.workspaceId, input.linkId);
    await trx.insertInto('snapshots').values(row).execute();
    await touchLink(trx, input.linkId, row.id, at);
    if (input.job) {
      await trx
        .insertInto('jobs')
        .values({
          id: newId(),
          snapshot_id: row.id,
          workspace_id: input.workspaceId,
          priority: input.job.priority ?? 0,
          status: 'queued',
          attempts: 0,
          max_attempts: input.job.maxAttempts,
          run_after: at,
          lease_owner: null,
          lease_expires_at: null,
          last_error: null,
          created_at: at,
          updated_at: at,
          host: jobHost(input.url),
        })
        .execute();
      // Not announced here (see ServiceStore.announceJob): a worker woken now could start before
      // the share that should hear its progress exists.
    }
  });
  return toSnapshot(row, []);
}

/**
 * The link's latest snapshot, when it is a link kept without a capture (status not_captured, from an
 * import), becomes a queued capture with its job, so the capture fills in the row the import's share
 * already points at instead of leaving a "not captured yet" version behind. Null when the link's
 * latest snapshot is anything else.
 */
export async function queueUncaptured(db: Db, workspaceId: string, linkId: string, job: { maxAttempts: number; priority: number }, now: Date = new Date()): Promise<Snapshot | null> {
  const at = isoNow(now);
  const id = await writeTransaction(db, async (trx) => {
    const link = await trx.selectFrom('links').select('latest_snapshot_id').where('workspace_id', '=', workspaceId).where('id', '=', linkId).executeTakeFirst();
    if (!link?.latest_snapshot_id) return null;
    const updated = await trx
      .updateTable('snapshots')
      .set({ status: 'queued', created_at: at })
      .where('id', '=', link.latest_snapshot_id)
      .where('status', '=', 'not_captured')
      .returning(['id', 'url'])
      .executeTakeFirst();
    if (!updated) return null;
    await trx
      .insertInto('jobs')
      .values({ id: newId(), snapshot_id: updated.id, workspace_id: workspaceId, priority: job.priority, status: 'queued', attempts: 0, max_attempts: job.maxAttempts, run_after: at, lease_owner: null, lease_expires_at: null, last_error: null, created_at: at, updated_at: at, host: jobHost(updated.url) })
      .execute();
    await touchLink(trx, linkId, updated.id, at);
    return updated.id;
  });
  return id ? getSnapshotById(db, id) : null;
}

export async function updateSnapshot(db: Db, snapshotId: string, patch: SnapshotPatch): Promise<void> {
  const values = patchToRow(patch);
  if (!Object.keys(values).length) return;
  const result = await db.updateTable('snapshots').set(values).where('id', '=', snapshotId).executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw new NotFoundError('snapshot', snapshotId);
}

/** Replaces the snapshot's artifacts with these. */
export async function setArtifacts(db: Db, snapshotId: string, artifacts: StoredArtifact[]): Promise<void> {
  await writeTransaction(db, async (trx) => {
    await trx.deleteFrom('artifacts').where('snapshot_id', '=', snapshotId).execute();
    if (!artifacts.length) return;
    await trx
      .insertInto('artifacts')
      .values(artifacts.map((a) => ({ snapshot_id: snapshotId, kind: a.kind, sha256: a.sha256, size: a.size, mime: a.mime })))
      .execute();
  });
}

/**
 * Indexes the snapshot's text for search when it is its link's latest done snapshot (an older
 * capture finishing late must not replace newer text). Returns whether it was indexed.
 */
export async function indexSnapshotText(db: Db, snapshotId: string, doc: SearchDocument): Promise<boolean> {
  return writeTransaction(db, async (trx) => {
    const snapshot = await trx.selectFrom('snapshots').select(['link_id', 'workspace_id', 'created_at']).where('id', '=', snapshotId).executeTakeFirst();
    if (!snapshot) throw new NotFoundError('snapshot', snapshotId);
    const newer = await trx
      .selectFrom('snapshots')
      .select('id')
      .where('link_id', '=', snapshot.link_id)
      .where('status', '=', 'done')
      .where('id', '!=', snapshotId)
      .where('created_at', '>', snapshot.created_at)
      .limit(1)
      .executeTakeFirst();
    if (newer) return false;
    const link = await trx.selectFrom('links').select('seq').where('id', '=', snapshot.link_id).executeTakeFirstOrThrow();
    await putDocument(trx, Number(link.seq), snapshot.workspace_id, doc);
    return true;
  });
}

/** A finished capture: metadata, artifacts and search text in one transaction. */
export async function completeSnapshot(
  db: Db,
  snapshotId: string,
  patch: SnapshotPatch,
  artifacts: StoredArtifact[],
  search: SearchDocument,
): Promise<void> {
  await writeTransaction(db, (trx) => writeCaptureResult(trx, snapshotId, patch, artifacts, search));
}

/** The NOTIFY channel a finished snapshot is announced on (Postgres), so bot processes reply at once. */
export const SnapshotsChannel = 'linksnap_snapshots';

/**
 * Tells the other processes a snapshot reached done or failed. The shares table is the outbox
 * (a share stays pending until its platform acknowledged the reply), so this is only a wake-up:
 * a process that missed it still finds the share on its next poll. Sent at commit.
 */
async function announceFinished(trx: Db, snapshotId: string): Promise<void> {
  if (isPostgres(trx)) await sql`SELECT pg_notify(${SnapshotsChannel}, ${snapshotId})`.execute(trx);
}

/** A finished capture's rows: metadata, artifacts and search text, inside the caller's transaction. */
async function writeCaptureResult(trx: Db, snapshotId: string, patch: SnapshotPatch, artifacts: StoredArtifact[], search: SearchDocument): Promise<void> {
  await updateSnapshot(trx, snapshotId, { status: 'done', ...patch });
  await setArtifacts(trx, snapshotId, artifacts);
  await indexSnapshotText(trx, snapshotId, search);
  await announceFinished(trx, snapshotId);
}

/** The lease a worker holds on a job: its results count only while it still holds it. */
export interface JobLease {
  jobId: string;
  owner: string;
}

class LeaseNotHeld extends Error {}

/**
 * A finished capture: the job is completed by its lease holder and the snapshot's metadata,
 * artifacts and search text written, in one transaction. False (and nothing written) when the
 * lease is no longer held, so a result is recorded exactly once and a done snapshot never flips back.
 */
export async function completeCapture(
  db: Db,
  lease: JobLease,
  snapshotId: string,
  patch: SnapshotPatch,
  artifacts: StoredArtifact[],
  search: SearchDocument,
  now: Date = new Date(),
): Promise<boolean> {
  return leased(db, async (trx) => {
    if (!(await finishLeasedJob(trx, lease.jobId, lease.owner, jobOutcome({ done: true }, now)))) throw new LeaseNotHeld();
    await writeCaptureResult(trx, snapshotId, patch, artifacts, search);
  });
}

/** A failed attempt, recorded by the lease holder only: the job and the snapshot in one transaction. */
export async function failCapture(db: Db, lease: JobLease, snapshotId: string, error: { message: string; code: string }, retryAt: Date | null, now: Date = new Date()): Promise<boolean> {
  return leased(db, async (trx) => {
    if (!(await finishLeasedJob(trx, lease.jobId, lease.owner, jobOutcome({ done: false, error: error.message, retryAt }, now)))) throw new LeaseNotHeld();
    await updateSnapshot(
      trx,
      snapshotId,
      retryAt
        ? { status: 'queued', error: error.message, errorCode: error.code }
        : { status: 'failed', error: error.message, errorCode: error.code, capturedAt: isoNow(now) },
    );
    if (!retryAt) await announceFinished(trx, snapshotId);
  });
}

async function leased(db: Db, work: (trx: Db) => Promise<void>): Promise<boolean> {
  try {
    await writeTransaction(db, work);
    return true;
  } catch (error) {
    if (error instanceof LeaseNotHeld) return false;
    throw error;
  }
}

export async function getSnapshot(db: Db, workspaceId: string, snapshotId: string): Promise<Snapshot> {
  const row = await db.selectFrom('snapshots').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', snapshotId).executeTakeFirst();
  if (!row) throw new NotFoundError('snapshot', snapshotId);
  return (await hydrateSnapshots(db, [row]))[0];
}

export async function getSnapshotById(db: Db, snapshotId: string): Promise<Snapshot> {
  const row = await db.selectFrom('snapshots').selectAll().where('id', '=', snapshotId).executeTakeFirst();
  if (!row) throw new NotFoundError('snapshot', snapshotId);
  return (await hydrateSnapshots(db, [row]))[0];
}

export async function latestSnapshotOfLink(db: Db, linkId: string): Promise<Snapshot | null> {
  const row = await db.selectFrom('snapshots').selectAll().where('link_id', '=', linkId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
  return row ? (await hydrateSnapshots(db, [row]))[0] : null;
}

/**
 * Each link's newest done snapshot; with `orAttempt`, a link never captured gets its newest snapshot
 * of any status (what a dead link shows when it was never captured).
 */
export async function latestSnapshotsOf(db: Db, linkIds: string[], options: { orAttempt?: boolean } = {}): Promise<Map<string, Snapshot>> {
  if (!linkIds.length) return new Map();
  let query = db.selectFrom('snapshots').selectAll().where('link_id', 'in', linkIds);
  if (!options.orAttempt) query = query.where('status', '=', 'done');
  const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
  const latest = new Map<string, SnapshotRow>();
  for (const row of rows) if (row.status === 'done' && !latest.has(row.link_id)) latest.set(row.link_id, row);
  for (const row of rows) if (!latest.has(row.link_id)) latest.set(row.link_id, row);
  return new Map((await hydrateSnapshots(db, [...latest.values()])).map((snapshot) => [snapshot.linkId, snapshot]));
}

/** The newest done snapshot of the link created before this one: what a new capture is compared with. */
export async function previousDoneSnapshot(db: Db, snapshotId: string): Promise<Snapshot | null> {
  const current = await db.selectFrom('snapshots').select(['link_id', 'created_at']).where('id', '=', snapshotId).executeTakeFirst();
  if (!current) return null;
  const row = await db
    .selectFrom('snapshots')
    .selectAll()
    .where('link_id', '=', current.link_id)
    .where('status', '=', 'done')
    .where('id', '!=', snapshotId)
    .where('created_at', '<=', current.created_at)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? (await hydrateSnapshots(db, [row]))[0] : null;
}

/** The latest queued, capturing or done snapshot of the link created at or after `since` (dedupe). */
export async function recentSnapshot(db: Db, workspaceId: string, linkId: string, since: Date): Promise<Snapshot | null> {
  const row = await db
    .selectFrom('snapshots')
    .selectAll()
    .where('link_id', '=', linkId)
    .where('workspace_id', '=', workspaceId)
    .where('created_at', '>=', isoNow(since))
    .where('status', 'in', ['queued', 'capturing', 'done'])
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? (await hydrateSnapshots(db, [row]))[0] : null;
}

/** Every version of a link, newest first. */
export async function listVersions(db: Db, workspaceId: string, linkId: string): Promise<Snapshot[]> {
  await assertLink(db, workspaceId, linkId);
  const rows = await db.selectFrom('snapshots').selectAll().where('link_id', '=', linkId).orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
  return hydrateSnapshots(db, rows);
}

/** Snapshots with their artifacts, in the order given. */
export async function hydrateSnapshots(db: Kysely<Database>, rows: SnapshotRow[]): Promise<Snapshot[]> {
  if (!rows.length) return [];
  const artifactRows = await db
    .selectFrom('artifacts')
    .selectAll()
    .where('snapshot_id', 'in', rows.map((row) => row.id))
    .execute();
  const bySnapshot = new Map<string, ArtifactRef[]>();
  for (const a of artifactRows) {
    const ref: ArtifactRef = { kind: a.kind as ArtifactKind, sha256: a.sha256, size: Number(a.size), mime: a.mime };
    const list = bySnapshot.get(a.snapshot_id);
    if (list) list.push(ref);
    else bySnapshot.set(a.snapshot_id, [ref]);
  }
  return rows.map((row) => toSnapshot(row, bySnapshot.get(row.id) ?? []));
}

function toSnapshot(row: SnapshotRow, artifacts: ArtifactRef[]): Snapshot {
  return {
    id: row.id,
    linkId: row.link_id,
    workspaceId: row.workspace_id,
    url: row.url,
    status: row.status as SnapshotStatus,
    error: row.error,
    errorCode: row.error_code,
    degraded: Boolean(row.degraded),
    degradedReason: row.degraded_reason,
    finalUrl: row.final_url,
    httpStatus: row.http_status === null ? null : Number(row.http_status),
    contentType: row.content_type,
    contentHash: row.content_hash,
    title: row.title,
    description: row.description,
    siteName: row.site_name,
    author: row.author,
    publishedTime: row.published_time,
    lang: row.lang,
    dir: row.dir === 'ltr' || row.dir === 'rtl' ? row.dir : null,
    favicon: row.favicon,
    canonicalUrl: row.canonical_url,
    createdAt: row.created_at,
    startedAt: row.started_at,
    capturedAt: row.captured_at,
    artifacts: Object.fromEntries(artifacts.map((a) => [a.kind, a])),
    change:
      row.change_previous_id === null || row.change_changed === null
        ? null
        : { previousId: row.change_previous_id, previousCapturedAt: row.change_previous_at, changed: Number(row.change_changed) === 1, added: Number(row.change_added ?? 0), removed: Number(row.change_removed ?? 0) },
    uploadedBy: row.uploaded_by ?? null,
    uploadSha256: row.upload_sha256 ?? null,
  };
}

const PatchColumns = {
  status: 'status',
  error: 'error',
  errorCode: 'error_code',
  degradedReason: 'degraded_reason',
  finalUrl: 'final_url',
  httpStatus: 'http_status',
  contentType: 'content_type',
  contentHash: 'content_hash',
  title: 'title',
  description: 'description',
  siteName: 'site_name',
  author: 'author',
  publishedTime: 'published_time',
  lang: 'lang',
  dir: 'dir',
  favicon: 'favicon',
  canonicalUrl: 'canonical_url',
  startedAt: 'started_at',
  capturedAt: 'captured_at',
} as const satisfies Record<Exclude<keyof SnapshotPatch, 'degraded' | 'change'>, keyof SnapshotRow>;

function patchToRow(patch: SnapshotPatch): Partial<SnapshotRow> {
  const row: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(PatchColumns)) {
    const value = patch[key as keyof typeof PatchColumns];
    if (value !== undefined) row[column] = value;
  }
  if (patch.degraded !== undefined) row.degraded = patch.degraded ? 1 : 0;
  if (patch.change !== undefined) {
    row.change_previous_id = patch.change?.previousId ?? null;
    row.change_previous_at = patch.change?.previousCapturedAt ?? null;
    row.change_changed = patch.change ? (patch.change.changed ? 1 : 0) : null;
    row.change_added = patch.change?.added ?? null;
    row.change_removed = patch.change?.removed ?? null;
  }
  return row as Partial<SnapshotRow>;
}

