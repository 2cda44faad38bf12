// Links: one row per normalised URL per workspace, with its tags. A link's `seq` moves to the top
// whenever it gets a new snapshot; everything keyed on seq (tag index, search index) moves with it.
import { type Kysely, sql } from 'kysely';
import { NotFoundError } from '../core/errors.js';
import type { Link, Viewer } from '../core/types.js';
import { isoNow, newId } from './ids.js';
import type { Database, Db, LinkRow } from './schema.js';
import { linkChecksOf } from './link-checks.js';
import { copyLinkVisibility, tagsOfLinks } from './tags.js';
import { moveDocument, removeDocument } from './search-index.js';
import { writeTransaction } from './transaction.js';
import { isPostgres } from './dialect.js';

/**
 * The next free position at the top of the newest-first order. Postgres takes it from a sequence
 * (migration 0009): a statement outside a write transaction may run beside another one there.
 */
export function nextSeq(db: Kysely<Database>) {
  return isPostgres(db) ? sql<number>`nextval('link_seq')` : sql<number>`(select coalesce(max(seq), 0) + 1 from links)`;
}

export async function upsertLink(db: Db, workspaceId: string, url: string, now: Date = new Date()): Promise<Link> {
  const at = isoNow(now);
  await db
    .insertInto('links')
    .values({ id: newId(), workspace_id: workspaceId, url, created_at: at, updated_at: at, seq: nextSeq(db), latest_snapshot_id: null, public: 0 })
    .onConflict((oc) => oc.columns(['workspace_id', 'url']).doNothing())
    .execute();
  const row = await db.selectFrom('links').selectAll().where('workspace_id', '=', workspaceId).where('url', '=', url).executeTakeFirstOrThrow();
  return (await hydrateLinks(db, [row]))[0];
}

/** The link with the tags `viewer` may see (null: every tag). */
export async function getLink(db: Db, workspaceId: string, linkId: string, viewer: Viewer | null = null): Promise<Link> {
  const row = await db.selectFrom('links').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', linkId).executeTakeFirst();
  if (!row) throw new NotFoundError('link', linkId);
  return (await hydrateLinks(db, [row], viewer))[0];
}

/** Throws NotFoundError unless the link exists in this workspace (a link id never crosses workspaces). */
export async function assertLink(db: Db, workspaceId: string, linkId: string): Promise<void> {
  const link = await db.selectFrom('links').select('id').where('workspace_id', '=', workspaceId).where('id', '=', linkId).executeTakeFirst();
  if (!link) throw new NotFoundError('link', linkId);
}

export async function findLinkByUrl(db: Db, workspaceId: string, url: string): Promise<Link | null> {
  const row = await db.selectFrom('links').selectAll().where('workspace_id', '=', workspaceId).where('url', '=', url).executeTakeFirst();
  return row ? (await hydrateLinks(db, [row]))[0] : null;
}

/** Links with the tags `viewer` may see (null: every tag), in the order given. */
export async function hydrateLinks(db: Db, rows: LinkRow[], viewer: Viewer | null = null): Promise<Link[]> {
  const ids = rows.map((row) => row.id);
  const [tags, checks] = await Promise.all([tagsOfLinks(db, ids, viewer), linkChecksOf(db, ids)]);
  return rows.map((row) => ({
    id: row.id,
    workspaceId: row.workspace_id,
    url: row.url,
    createdAt: row.created_at,
    tags: tags.get(row.id) ?? [],
    lastCheck: checks.get(row.id) ?? null,
  }));
}

/**
 * Marks new activity on a link (a new snapshot): top of the newest-first order, updated_at and
 * latest snapshot set. Runs inside the caller's write transaction.
 */
export async function touchLink(trx: Kysely<Database>, linkId: string, latestSnapshotId: string, at: string): Promise<void> {
  const before = await trx.selectFrom('links').select('seq').where('id', '=', linkId).executeTakeFirst();
  if (!before) throw new NotFoundError('link', linkId);
  const after = await trx
    .updateTable('links')
    .set({ seq: nextSeq(trx), updated_at: at, latest_snapshot_id: latestSnapshotId })
    .where('id', '=', linkId)
    .returning('seq')
    .executeTakeFirstOrThrow();
  const seq = Number(after.seq);
  await trx.updateTable('link_tags').set({ seq }).where('link_id', '=', linkId).execute();
  await moveDocument(trx, Number(before.seq), seq);
}

/** Recomputes whether some share of the link is readable by the whole workspace. */
export async function refreshLinkVisibility(db: Db, linkIds: string[]): Promise<void> {
  if (!linkIds.length) return;
  await db
    .updateTable('links')
    .set((eb) => ({
      public: eb
        .case()
        .when(
          eb.exists(
            eb
              .selectFrom('shares as s')
              .select(sql`1`.as('one'))
              .whereRef('s.link_id', '=', 'links.id')
              .where((w) => w.or([w('s.channel_private', '=', 0), w('s.platform', 'in', ['web', 'cli'])])),
          ),
        )
        .then(1)
        .else(0)
        .end(),
    }))
    .where('id', 'in', linkIds)
    .execute();
  await copyLinkVisibility(db, linkIds);
}

/**
 * Deletes a link with its snapshots, artifacts, shares, tags, jobs and search text. Returns the
 * blobs no artifact references any more, for the caller to delete from the blob store.
 */
export async function deleteLink(db: Db, workspaceId: string, linkId: string): Promise<string[]> {
  return writeTransaction(db, async (trx) => {
    const link = await trx.selectFrom('links').select(['id', 'seq']).where('workspace_id', '=', workspaceId).where('id', '=', linkId).executeTakeFirst();
    if (!link) throw new NotFoundError('link', linkId);
    const hashes = await trx
      .selectFrom('artifacts as a')
      .innerJoin('snapshots as s', 's.id', 'a.snapshot_id')
      .where('s.link_id', '=', linkId)
      .select('a.sha256')
      .distinct()
      .execute();
    await removeDocument(trx, Number(link.seq));
    // Foreign keys cascade to snapshots, artifacts, shares, link_tags and jobs.
    await trx.deleteFrom('links').where('id', '=', linkId).execute();
    const candidates = hashes.map((row) => row.sha256);
    if (!candidates.length) return [];
    const still = await trx.selectFrom('artifacts').select('sha256').where('sha256', 'in', candidates).distinct().execute();
    const referenced = new Set(still.map((row) => row.sha256));
    return candidates.filter((sha256) => !referenced.has(sha256));
  });
}

/**
 * Deletes the link when no share is left (after its message was deleted). Returns the orphaned
 * blobs, or null when the link still has shares or does not exist.
 */
export async function deleteLinkIfUnshared(db: Db, workspaceId: string, linkId: string): Promise<string[] | null> {
  return writeTransaction(db, async (trx) => {
    const link = await trx.selectFrom('links').select('id').where('workspace_id', '=', workspaceId).where('id', '=', linkId).executeTakeFirst();
    if (!link) return null;
    const share = await trx.selectFrom('shares').select('id').where('link_id', '=', linkId).limit(1).executeTakeFirst();
    if (share) return null;
    return deleteLink(trx, workspaceId, linkId);
  });
}
