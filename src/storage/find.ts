// find(): newest first, tags ANDed, full-text, cursor paging, always inside one workspace.
// Every plan reads rows already in newest-first order (links by seq, a tag's links by seq, search
// matches by rowid = seq) and stops at one row past the page, so a page costs the same on page 1
// and page 1,000 and no sort of all matches is ever needed.
import { type RawBuilder, type SqlBool, sql } from 'kysely';
import { InvalidInputError } from '../core/errors.js';
import { normalizeTags } from '../core/tags.js';
import type { FindItem, FindQuery, FindResult, Viewer } from '../core/types.js';
import { hydrateLinks } from './links.js';
import type { Db } from './schema.js';
import { isPostgres } from './dialect.js';
import { searchKey, searchTable, searchTerms, textCondition, textConditionOnRow } from './search-index.js';
import { hydrateSnapshots } from './snapshots.js';
import { placedVisibleTo, tagColumns, visibleTo } from './visibility.js';

export const DefaultFindLimit = 20;
export const MaxFindLimit = 100;
/** Up to this many links, a tag drives a tag+text search (see pageOfLinkIds); measured in bench/find-bench.ts. */
export const TagDrivenMaxLinks = 1_000;

export interface FindTuning {
  /** Overrides TagDrivenMaxLinks (tests reach both tag+text plans with it). */
  tagDrivenMaxLinks?: number;
  /** Overrides PostgresWalkDocs (tests reach both steps of a Postgres text search with it). */
  postgresWalkDocs?: number;
}

export async function find(db: Db, query: FindQuery, tuning: FindTuning = {}): Promise<FindResult> {
  const limit = Math.min(Math.max(Math.trunc(query.limit ?? DefaultFindLimit) || DefaultFindLimit, 1), MaxFindLimit);
  const before = query.cursor ? decodeCursor(query.cursor) : null;
  const tags = normalizeTags(query.tags ?? []);
  const text = query.text && searchTerms(query.text).length ? query.text : null;
  const page = await pageOfLinkIds(db, {
    workspaceId: query.workspaceId,
    tags,
    text,
    before,
    viewer: query.viewer ?? null,
    take: limit + 1,
    tagDrivenMaxLinks: tuning.tagDrivenMaxLinks ?? TagDrivenMaxLinks,
    postgresWalkDocs: tuning.postgresWalkDocs ?? PostgresWalkDocs,
  });
  const hasMore = page.length > limit;
  const ids = page.slice(0, limit);
  const items = await hydrateItems(db, ids.map((row) => row.id), query.viewer ?? null);
  return { items, nextCursor: hasMore && ids.length ? encodeCursor(Number(ids[ids.length - 1].seq)) : null };
}

interface PagePlan {
  workspaceId: string;
  tags: string[];
  text: string | null;
  before: number | null;
  viewer: FindQuery['viewer'];
  take: number;
  tagDrivenMaxLinks: number;
  postgresWalkDocs: number;
}

async function pageOfLinkIds(db: Db, plan: PagePlan): Promise<Array<{ id: string; seq: number }>> {
  // A link is only findable once it has a snapshot to show.
  const filters: RawBuilder<SqlBool>[] = [sql<SqlBool>`l.workspace_id = ${plan.workspaceId} AND l.latest_snapshot_id IS NOT NULL`];
  if (plan.viewer) filters.push(visibleTo(plan.viewer));
  // CROSS JOIN pins the driving table: SQLite keeps that order and reads it newest first. Postgres
  // plans joins itself (and has no CROSS JOIN … ON).
  const join = isPostgres(db) ? sql`JOIN` : sql`CROSS JOIN`;
  const fkey = searchKey(db);
  let source: RawBuilder<unknown>;
  let key: RawBuilder<unknown>;
  const tags = plan.tags.length > 1 || (plan.text && plan.tags.length) ? await rarestFirst(db, plan.workspaceId, plan.tags) : plan.tags.map((tag) => ({ tag, links: 0 }));
  let tagsToProbe = tags.map((entry) => entry.tag);
  let searchDriven = false;
  let tagDriven = false;
  const viewer = plan.viewer ?? null;
  // A tag counts only where the viewer can see the place it was given. The same tag given in two
  // places is two rows: the driving row is the first visible one, so no link is listed twice.
  const drivingTag = sql<SqlBool>`t0.channel_id = (SELECT min(tv.channel_id) FROM link_tags tv WHERE tv.link_id = t0.link_id AND tv.tag = t0.tag AND ${placedVisibleTo(tagColumns('tv'), viewer)})`;
  if (plan.text && tags.length && tags[0].links <= plan.tagDrivenMaxLinks) {
    // A rare tag with text: read the tag's few links newest first and test each one's text, rather
    // than walk every match of a possibly common term looking for the rare tag.
    source = sql`link_tags t0 ${join} ${searchTable} f ON ${fkey} = t0.seq ${join} links l ON l.id = t0.link_id`;
    key = sql`t0.seq`;
    filters.push(sql<SqlBool>`t0.workspace_id = ${plan.workspaceId} AND t0.tag = ${tagsToProbe[0]}`, drivingTag, textConditionOnRow(db, plan.text));
    tagsToProbe = tagsToProbe.slice(1);
    tagDriven = true;
  } else if (plan.text) {
    source = sql`${searchTable} f ${join} links l ON l.seq = ${fkey}`;
    key = fkey;
    filters.push(textCondition(db, plan.workspaceId, plan.text));
    searchDriven = true;
  } else if (plan.tags.length) {
    source = sql`link_tags t0 ${join} links l ON l.id = t0.link_id`;
    key = sql`t0.seq`;
    filters.push(sql<SqlBool>`t0.workspace_id = ${plan.workspaceId} AND t0.tag = ${tagsToProbe[0]}`, drivingTag);
    tagsToProbe = tagsToProbe.slice(1);
  } else {
    source = sql`links l`;
    key = sql`l.seq`;
  }
  // Probed by (workspace, tag, seq) straight from the driving row's key, before the link row is read.
  for (const tag of tagsToProbe) {
    filters.push(
      sql<SqlBool>`EXISTS (SELECT 1 FROM link_tags tx WHERE tx.workspace_id = ${plan.workspaceId} AND tx.tag = ${tag} AND tx.seq = ${key} AND ${placedVisibleTo(tagColumns('tx'), viewer)})`,
    );
  }
  if (plan.before !== null) filters.push(sql<SqlBool>`${key} < ${plan.before}`);
  const page = (db: Db, extra: RawBuilder<SqlBool>[], take: number) =>
    sql<{ id: string; seq: number }>`SELECT l.id AS id, l.seq AS seq FROM ${source}
      WHERE ${sql.join([...filters, ...extra], sql` AND `)} ORDER BY ${key} DESC LIMIT ${take}`.execute(db);
  if (searchDriven && isPostgres(db)) return postgresSearchPage(db, plan, key, page, tags[0]?.tag ?? null);
  if (tagDriven && isPostgres(db)) {
    // Postgres would read every match of the text from the trigram index (it takes any term for a
    // rare one) and then join the tag; the tag's few hundred links, read newest first, are cheaper.
    return db.transaction().execute(async (trx) => {
      await sql`SET LOCAL enable_bitmapscan = off`.execute(trx);
      return (await page(trx, [], plan.take)).rows;
    });
  }
  return (await page(db, [], plan.take)).rows;
}

/** How many of a workspace's newest documents Postgres walks in order before it asks the trigram index (see postgresSearchPage). */
export const PostgresWalkDocs = 2_000;

/**
 * A text search on Postgres, in two steps. The planner cannot tell a common term from a rare one
 * (pg_trgm's estimate for LIKE '%term%' is a few rows whatever the term), so it always reads every
 * match from the trigram index and sorts them: 23,000 matches of a common word took 375 ms. Walking
 * the documents newest first finds a common word's page at once but reads everything for a rare
 * one. So: walk the newest PostgresWalkDocs documents in order (bitmap scans, which is how GIN is
 * read, turned off for that statement); a term with a page's worth of matches there is done. A
 * term with fewer is rare, and the trigram index finds its few older matches, sorted cheaply.
 */
async function postgresSearchPage(
  db: Db,
  plan: PagePlan,
  key: RawBuilder<unknown>,
  page: (db: Db, extra: RawBuilder<SqlBool>[], take: number) => Promise<{ rows: Array<{ id: string; seq: number }> }>,
  rarestTag: string | null,
): Promise<Array<{ id: string; seq: number }>> {
  const boundaryRow = await sql<{ seq: number }>`SELECT seq FROM link_search WHERE scope = ${plan.workspaceId}
    ${plan.before !== null ? sql`AND seq < ${plan.before}` : sql``} ORDER BY seq DESC OFFSET ${plan.postgresWalkDocs} LIMIT 1`.execute(db);
  const boundary = boundaryRow.rows[0] ? Number(boundaryRow.rows[0].seq) : null;
  const window = sql<SqlBool>`f.scope = ${plan.workspaceId} AND f.seq > ${boundary ?? -1} ${plan.before !== null ? sql`AND f.seq < ${plan.before}` : sql``}`;
  const { recent, textIsRarer } = await db.transaction().execute(async (trx) => {
    await sql`SET LOCAL enable_bitmapscan = off`.execute(trx);
    const rows = (await page(trx, boundary === null ? [] : [sql<SqlBool>`${key} > ${boundary}`], plan.take)).rows;
    if (rows.length >= plan.take || boundary === null || !rarestTag || !plan.text) return { recent: rows, textIsRarer: true };
    // Text and tag together are rare in the window; which of the two is rarer decides how to read
    // the older documents: the text's matches from the trigram index, or the tag's links newest first.
    const counts = await sql<{ text: number; tag: number }>`SELECT
        count(*) FILTER (WHERE ${textCondition(trx, plan.workspaceId, plan.text)}) AS text,
        count(*) FILTER (WHERE EXISTS (SELECT 1 FROM link_tags tx WHERE tx.workspace_id = ${plan.workspaceId} AND tx.tag = ${rarestTag} AND tx.seq = f.seq)) AS tag
      FROM link_search f WHERE ${window}`.execute(trx);
    return { recent: rows, textIsRarer: Number(counts.rows[0].text) <= Number(counts.rows[0].tag) };
  });
  if (recent.length >= plan.take || boundary === null) return recent;
  const remaining = plan.take - recent.length;
  const older = textIsRarer
    ? (await page(db, [sql<SqlBool>`${key} <= ${boundary}`], remaining)).rows
    : await pageOfLinkIds(db, { ...plan, before: boundary + 1, take: remaining, tagDrivenMaxLinks: Number.POSITIVE_INFINITY });
  return [...recent, ...older];
}

/** Tags with how many links carry them, rarest first: the rarest tag drives, the others are probed. */
async function rarestFirst(db: Db, workspaceId: string, tags: string[]): Promise<Array<{ tag: string; links: number }>> {
  const counted = await Promise.all(
    tags.map(async (tag) => {
      const row = await db
        .selectFrom('link_tags')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('workspace_id', '=', workspaceId)
        .where('tag', '=', tag)
        .executeTakeFirstOrThrow();
      return { tag, links: Number(row.n) };
    }),
  );
  return counted.sort((a, b) => a.links - b.links);
}

async function hydrateItems(db: Db, linkIds: string[], viewer: Viewer | null): Promise<FindItem[]> {
  if (!linkIds.length) return [];
  const linkRows = await db.selectFrom('links').selectAll().where('id', 'in', linkIds).execute();
  const byId = new Map(linkRows.map((row) => [row.id, row]));
  const ordered = linkIds.map((id) => byId.get(id)).filter((row) => row !== undefined);
  const links = await hydrateLinks(db, ordered, viewer);
  const snapshotIds = ordered.map((row) => row.latest_snapshot_id).filter((id): id is string => id !== null);
  const snapshotRows = snapshotIds.length ? await db.selectFrom('snapshots').selectAll().where('id', 'in', snapshotIds).execute() : [];
  const snapshots = new Map((await hydrateSnapshots(db, snapshotRows)).map((snapshot) => [snapshot.id, snapshot]));
  const items: FindItem[] = [];
  ordered.forEach((row, index) => {
    const snapshot = row.latest_snapshot_id ? snapshots.get(row.latest_snapshot_id) : undefined;
    if (snapshot) items.push({ link: links[index], snapshot });
  });
  return items;
}

// Opaque to callers; versioned so the format can change without misreading old cursors.
function encodeCursor(seq: number): string {
  return Buffer.from(JSON.stringify({ v: 1, s: seq })).toString('base64url');
}

function decodeCursor(cursor: string): number {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { v?: unknown; s?: unknown };
    if (value.v === 1 && typeof value.s === 'number' && Number.isSafeInteger(value.s)) return value.s;
  } catch {
    // fall through to the error below
  }
  throw new InvalidInputError(`Not a valid find cursor: ${cursor.slice(0, 40)}`);
}
