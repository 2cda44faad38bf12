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
import { searchKey, searchTable, searchTerms, textCondition } from './search-index.js';
import { hydrateSnapshots } from './snapshots.js';
import { placedVisibleTo, tagColumns, visibleTo } from './visibility.js';

export const DefaultFindLimit = 20;
export const MaxFindLimit = 100;

export interface FindTuning {
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
  postgresWalkDocs: number;
}

async function pageOfLinkIds(db: Db, plan: PagePlan): Promise<Array<{ id: string; seq: number }>> {
  // A link is only findable once it has a snapshot to show.
  const filters: RawBuilder<SqlBool>[] = [sql<SqlBool>`l.workspace_id = ${plan.workspaceId} AND l.latest_snapshot_id IS NOT NULL`];
  if (plan.viewer) filters.push(visibleTo(plan.viewer));
  // CROSS JOIN pins the driving table: SQLite keeps that order and reads it newest first. Postgres
  // plans joins itself (and has no CROSS JOIN … ON).
  const join = isPostgres(db) ? sql`JOIN` : sql`CROSS JOIN`;
  const viewer = plan.viewer ?? null;
  let source: RawBuilder<unknown>;
  let key: RawBuilder<unknown>;
  let tagsToProbe = plan.tags.map((tag) => ({ tag, links: TagCountCap }));
  let drivingTag: RawBuilder<SqlBool> | null = null;
  if (isPostgres(db) && (plan.tags.length > 1 || (plan.tags.length && plan.text))) {
    return postgresTagsPage(db, plan, filters);
  } else if (plan.text) {
    // With tags too (SQLite; Postgres walks the tag first, see postgresTagsPage), the search index
    // intersects them with the text (each document carries its link's tags), so no tag drives: a
    // common tag with a rare text reads neither in full.
    source = sql`${searchTable} f ${join} links l ON l.seq = ${searchKey(db)}`;
    key = searchKey(db);
    filters.push(textCondition(db, plan.workspaceId, plan.text, plan.tags));
  } else if (plan.tags.length) {
    const [rarest, ...others] = plan.tags.length > 1 ? await rarestFirst(db, plan.workspaceId, plan.tags) : tagsToProbe;
    source = sql`link_tags t0 ${join} links l ON l.id = t0.link_id`;
    key = sql`t0.seq`;
    filters.push(sql<SqlBool>`t0.workspace_id = ${plan.workspaceId} AND t0.tag = ${rarest.tag}`);
    tagsToProbe = others;
    drivingTag = drivingTagPlace(viewer, isPostgres(db));
  } else {
    source = sql`links l`;
    key = sql`l.seq`;
  }
  // Checked straight from the driving row's key, before the link row is read, and before the
  // driving tag's own place, since most rows fail it. A tag on fewer than TagCountCap links is read
  // once as a set of keys (two rare tags seldom meet, and probing the index for each of the rarer
  // one's thousands of links cost more than reading the other's); a common one is probed by
  // (workspace, tag, seq) for the few rows a page needs.
  for (const { tag, links } of [...tagsToProbe].sort((a, b) => a.links - b.links)) filters.push(tagProbe(plan, key, tag, links < TagCountCap));
  if (drivingTag) filters.push(drivingTag);
  if (plan.before !== null) filters.push(sql<SqlBool>`${key} < ${plan.before}`);
  const page = (db: Db, extra: RawBuilder<SqlBool>[], take: number) =>
    sql<{ id: string; seq: number }>`SELECT l.id AS id, l.seq AS seq FROM ${source}
      WHERE ${sql.join([...filters, ...extra], sql` AND `)} ORDER BY ${key} DESC LIMIT ${take}`.execute(db);
  if (plan.text && isPostgres(db)) return postgresSearchPage(db, plan, key, page);
  return (await page(db, [], plan.take)).rows;
}

/** How many of a workspace's newest documents Postgres walks in order before it asks the trigram index (see postgresSearchPage). */
export const PostgresWalkDocs = 2_000;

/**
 * A text search on Postgres, in two steps. The planner cannot tell a common term from a rare one
 * (pg_trgm's estimate for LIKE '%term%' is a few rows whatever the term), so it always reads every
 * match from the search index and sorts them: 23,000 matches of a common word took 375 ms. Walking
 * the documents newest first finds a common word's page at once but reads everything for a rare
 * one. So: walk the newest PostgresWalkDocs documents in order (bitmap scans, which is how GIN is
 * read, turned off for that statement); a query with a page's worth of matches there is done. One
 * with fewer is rare, and the search index finds its few older matches, sorted cheaply. A text
 * with tags goes through postgresTagsPage instead.
 */
async function postgresSearchPage(
  db: Db,
  plan: PagePlan,
  key: RawBuilder<unknown>,
  page: (db: Db, extra: RawBuilder<SqlBool>[], take: number) => Promise<{ rows: Array<{ id: string; seq: number }> }>,
): Promise<Array<{ id: string; seq: number }>> {
  const boundaryRow = await sql<{ seq: number }>`SELECT seq FROM link_search WHERE scope = ${plan.workspaceId}
    ${plan.before !== null ? sql`AND seq < ${plan.before}` : sql``} ORDER BY seq DESC OFFSET ${plan.postgresWalkDocs} LIMIT 1`.execute(db);
  const boundary = boundaryRow.rows[0] ? Number(boundaryRow.rows[0].seq) : null;
  const recent = await db.transaction().execute(async (trx) => {
    await sql`SET LOCAL enable_bitmapscan = off`.execute(trx);
    return (await page(trx, boundary === null ? [] : [sql<SqlBool>`${key} > ${boundary}`], plan.take)).rows;
  });
  if (recent.length >= plan.take || boundary === null) return recent;
  return [...recent, ...(await olderFromIndex(db, key, boundary, plan.take - recent.length, page))];
}

/**
 * The matches at or below `boundary`, from the search index: ruled out are reading the documents
 * whole or in order, whose cost the planner underrates whenever it takes a text for a rare one.
 */
async function olderFromIndex(
  db: Db,
  key: RawBuilder<unknown>,
  boundary: number,
  take: number,
  page: (db: Db, extra: RawBuilder<SqlBool>[], take: number) => Promise<{ rows: Array<{ id: string; seq: number }> }>,
): Promise<Array<{ id: string; seq: number }>> {
  return db.transaction().execute(async (trx) => {
    await sql`SET LOCAL enable_seqscan = off`.execute(trx);
    await sql`SET LOCAL enable_indexscan = off`.execute(trx);
    return (await page(trx, [sql<SqlBool>`${key} <= ${boundary}`], take)).rows;
  });
}

/**
 * Several tags, or tags with a text, on Postgres, without counting the tags: an exact count of a tag
 * on a fifth of 1,000,000 links takes 34 ms, and a capped one cannot tell two common tags apart.
 * The links are read in windows, newest first. Each tag's PostgresWalkDocs-th row below the window's
 * top is found (one index probe each); the newest of these is the window's bottom, so inside it
 * every tag has at most that many rows, whichever tag is common. Tags alone: the keys all the tags
 * share there come from the index alone (INTERSECT), and only those links' rows are read. With a
 * text: the tag with the fewest rows there is walked, each row's document read by key and the text
 * checked on it. A tag with no more rows than that below the top is walked whole, and the answer is
 * complete. Tags that seldom meet take a few windows; past PostgresTagWindows (one with a text, whose
 * walk reads each document) the search index's copy of the tags (migration 0010) hands over what is
 * left: by then the tags meet in fewer than one of PostgresWalkDocs / page of the commonest tag's
 * links, and GIN intersects their lists (and the text's trigrams) without reading a row, so only
 * those few matches are read and sorted. Walking the workspace's newest documents instead, as a text
 * alone does, bounded what was left for the index only by the whole archive: a common tag with a
 * text it seldom goes with had 3,141 matches to recheck below a 2,000-document walk (134 ms).
 */
async function postgresTagsPage(db: Db, plan: PagePlan, base: RawBuilder<SqlBool>[]): Promise<Array<{ id: string; seq: number }>> {
  const text = plan.text ? textCondition(db, plan.workspaceId, plan.text, plan.tags) : null;
  const found: Array<{ id: string; seq: number }> = [];
  // Exclusive: the window's links have seq below it.
  let top = plan.before;
  for (let window = 1; ; window++) {
    const below = top !== null ? sql`AND seq < ${top}` : sql``;
    const bounds = await Promise.all(
      plan.tags.map(async (tag) => {
        const row = await sql<{ seq: number }>`SELECT seq FROM link_tags WHERE workspace_id = ${plan.workspaceId} AND tag = ${tag} ${below}
          ORDER BY seq DESC OFFSET ${plan.postgresWalkDocs} LIMIT 1`.execute(db);
        return { tag, bound: row.rows[0] ? Number(row.rows[0].seq) : null };
      }),
    );
    const whole = bounds.find((entry) => entry.bound === null);
    const bottom = whole ? null : Math.max(...bounds.map((entry) => entry.bound!));
    const driving = whole ?? bounds.reduce((fewest, entry) => (entry.bound! < fewest.bound! ? entry : fewest));
    found.push(...(await postgresTagsWindow(db, { plan, base, text }, driving.tag, { top, bottom }, plan.take - found.length)));
    if (found.length >= plan.take || bottom === null) return found;
    top = bottom + 1;
    if (window >= (text ? 1 : PostgresTagWindows)) break;
  }
  return [...found, ...(await postgresTagsFromIndex(db, { plan, base, text }, top, plan.take - found.length))];
}

/** A find with tags on Postgres: its plan, the conditions on every link, and the text's condition on the search table. */
interface TagsSearch {
  plan: PagePlan;
  base: RawBuilder<SqlBool>[];
  text: RawBuilder<SqlBool> | null;
}

/** How many windows of PostgresWalkDocs rows tags alone are read in before the search index is asked (see postgresTagsPage). */
export const PostgresTagWindows = 4;

/** The matches with seq in (bottom, top), newest first: see postgresTagsPage. */
async function postgresTagsWindow(
  db: Db,
  { plan, base, text }: TagsSearch,
  driving: string,
  { top, bottom }: { top: number | null; bottom: number | null },
  take: number,
): Promise<Array<{ id: string; seq: number }>> {
  const inWindow = (key: RawBuilder<unknown>, below: number | null) => [
    ...(below !== null ? [sql<SqlBool>`${key} < ${below}`] : []),
    ...(bottom !== null ? [sql<SqlBool>`${key} > ${bottom}`] : []),
  ];
  // Only whether the link has the other tags: where the viewer may see them is checked on the links found.
  const othersPresent = (key: RawBuilder<unknown>) => plan.tags.filter((tag) => tag !== driving).map((tag) => tagProbe({ ...plan, viewer: null }, key, tag, false, true));
  if (text) {
    // The driving tag's keys in the window, each document read by its key and the text checked on
    // it, never through the search index, which would hand back every match of the text at once.
    // Which places the viewer may see the tags in is checked on the matches only.
    return db.transaction().execute(async (trx) => {
      await sql`SET LOCAL enable_bitmapscan = off`.execute(trx);
      const keys = (below: number | null, batch: number) =>
        sql<{ seq: number }>`SELECT DISTINCT t0.seq AS seq FROM link_tags t0 JOIN ${searchTable} f ON f.seq = t0.seq
          WHERE ${sql.join([sql<SqlBool>`t0.workspace_id = ${plan.workspaceId} AND t0.tag = ${driving}`, ...inWindow(sql`t0.seq`, below), ...othersPresent(sql`t0.seq`), text], sql` AND `)}
          ORDER BY t0.seq DESC LIMIT ${batch}`;
      // Each key costs a document read here, so the batch is just what is still wanted.
      return newestVisible(trx, plan, base, keys, top, take, (wanted) => wanted + 2);
    });
  }
  // Tags alone, in a window: the keys all the tags share there come first, from the index alone
  // (INTERSECT), and only the newest of those links are read (a walk of the driving tag that probed
  // the others read each of its rows: 1,940 rows and 19 ms for a pair that met 10 times). Below
  // the last bottom the driving tag has few rows while the others may have many, so its keys are
  // read and the others probed for each, from their index too.
  const keys = (below: number | null, batch: number) => {
    const window = (key: RawBuilder<unknown>) => inWindow(key, below);
    if (bottom === null) {
      return sql<{ seq: number }>`SELECT DISTINCT a.seq AS seq FROM link_tags a WHERE ${sql.join([sql<SqlBool>`a.workspace_id = ${plan.workspaceId} AND a.tag = ${driving}`, ...window(sql`a.seq`), ...othersPresent(sql`a.seq`)], sql` AND `)}
        ORDER BY a.seq DESC LIMIT ${batch}`;
    }
    return sql<{ seq: number }>`SELECT seq FROM (${sql.join(
      plan.tags.map((tag) => sql`SELECT a.seq FROM link_tags a WHERE ${sql.join([sql<SqlBool>`a.workspace_id = ${plan.workspaceId} AND a.tag = ${tag}`, ...window(sql`a.seq`)], sql` AND `)}`),
      sql` INTERSECT `,
    )}) i ORDER BY seq DESC LIMIT ${batch}`;
  };
  return newestVisible(db, plan, base, keys, top, take);
}

/**
 * The matches below `top`, from the search index's copy of the tags (and the text's trigrams). Every
 * candidate the index hands back is read (and its text checked) before the newest can be picked,
 * but only the newest few are then joined to their links and their tags' places probed: a pair of
 * common tags had 650 candidates below the window, and each cost four reads, not one.
 */
async function postgresTagsFromIndex(db: Db, { plan, base, text }: TagsSearch, top: number, take: number): Promise<Array<{ id: string; seq: number }>> {
  const candidates = text ?? sql<SqlBool>`f.scope = ${plan.workspaceId} AND f.tags @> ARRAY[${sql.join(plan.tags)}]::text[]`;
  return db.transaction().execute(async (trx) => {
    // As in postgresSearchPage: the search index, not the documents in order.
    await sql`SET LOCAL enable_seqscan = off`.execute(trx);
    await sql`SET LOCAL enable_indexscan = off`.execute(trx);
    const keys = (below: number | null, batch: number) =>
      sql<{ seq: number }>`SELECT f.seq AS seq FROM ${searchTable} f WHERE ${candidates} AND f.seq < ${below ?? top} ORDER BY f.seq DESC LIMIT ${batch}`;
    return newestVisible(trx, plan, base, keys, top, take);
  });
}

/**
 * The newest `take` links among the keys `keys` hands back (newest first, below a key, up to a
 * batch) that the viewer may find: on each, the base conditions and, for every tag, a place the
 * viewer may see it in. Keys are asked for in batches of more than are still wanted (by default
 * three times), since the viewer may not see them all.
 */
async function newestVisible(
  db: Db,
  plan: PagePlan,
  base: RawBuilder<SqlBool>[],
  keys: (below: number | null, batch: number) => RawBuilder<{ seq: number }>,
  top: number | null,
  take: number,
  batchFor: (wanted: number) => number = (wanted) => wanted * 3 + 10,
): Promise<Array<{ id: string; seq: number }>> {
  const checks = [...base, ...plan.tags.map((tag) => tagProbe(plan, sql`l.seq`, tag, false, true))];
  const found: Array<{ id: string; seq: number }> = [];
  for (let below = top; ; ) {
    const batch = batchFor(take - found.length);
    const seqs = (await keys(below, batch).execute(db)).rows.map((row) => Number(row.seq));
    if (!seqs.length) return found;
    const rows = await sql<{ id: string; seq: number }>`SELECT l.id AS id, l.seq AS seq FROM links l
      WHERE ${sql.join([sql<SqlBool>`l.seq = ANY(${seqs}::bigint[])`, ...checks], sql` AND `)} ORDER BY l.seq DESC LIMIT ${take - found.length}`.execute(db);
    found.push(...rows.rows);
    if (found.length >= take || seqs.length < batch) return found;
    below = seqs[seqs.length - 1];
  }
}

/**
 * The viewer may see `tag` on the link whose driving key is `key`: read as a set of keys (`asSet`) or probed by (workspace, tag, seq).
 * On Postgres (`postgres`) the probe ends in OFFSET 0, which keeps the planner from turning it into a
 * semi-join: it planned that by hashing every row of the tag (29,790 rows and 16 ms for a page that
 * needed 19 probes; a tag on a sixth of 1,000,000 links in the older step, 50 ms).
 */
function tagProbe(plan: Pick<PagePlan, 'workspaceId' | 'viewer'>, key: RawBuilder<unknown>, tag: string, asSet: boolean, postgres = false): RawBuilder<SqlBool> {
  const visible = placedVisibleTo(tagColumns('tx'), plan.viewer ?? null);
  return asSet
    ? sql<SqlBool>`${key} IN (SELECT tx.seq FROM link_tags tx WHERE tx.workspace_id = ${plan.workspaceId} AND tx.tag = ${tag} AND ${visible})`
    : sql<SqlBool>`EXISTS (SELECT 1 FROM link_tags tx WHERE tx.workspace_id = ${plan.workspaceId} AND tx.tag = ${tag} AND tx.seq = ${key} AND ${visible}${postgres ? sql` OFFSET 0` : sql``})`;
}

/**
 * A tag counts only where the viewer can see the place it was given. The same tag given in two
 * places is two rows: the driving row (t0) is the first visible one, so no link is listed twice.
 * On Postgres it is said as "no visible place before it" (the same rule): the planner took
 * `= (SELECT min(…))` to keep one row in 200 and so, for a tag on 2,290 of 100,000 links, read
 * every one of them and sorted them (20 ms) instead of reading the newest few (0.2 ms).
 */
function drivingTagPlace(viewer: Viewer | null, postgres: boolean): RawBuilder<SqlBool> {
  const visible = placedVisibleTo(tagColumns('tv'), viewer);
  return postgres
    ? sql<SqlBool>`${placedVisibleTo(tagColumns('t0'), viewer)} AND NOT EXISTS (SELECT 1 FROM link_tags tv WHERE tv.link_id = t0.link_id AND tv.tag = t0.tag AND tv.channel_id < t0.channel_id AND ${visible} OFFSET 0)`
    : sql<SqlBool>`t0.channel_id = (SELECT min(tv.channel_id) FROM link_tags tv WHERE tv.link_id = t0.link_id AND tv.tag = t0.tag AND ${visible})`;
}

/**
 * Counting stops here: past it, which of two common tags drives hardly matters on SQLite. Below it,
 * a second tag is also read once as a set of keys rather than probed row by row. (Postgres counts
 * no tag: see postgresTagsPage.)
 */
export const TagCountCap = 10_000;

/** Tags with how many links carry them (up to TagCountCap), rarest first: the rarest tag drives, the others are probed. */
async function rarestFirst(db: Db, workspaceId: string, tags: string[]): Promise<Array<{ tag: string; links: number }>> {
  const counted = await Promise.all(
    tags.map(async (tag) => {
      const row = await sql<{ n: number }>`SELECT count(*) AS n FROM (SELECT 1 FROM link_tags
        WHERE workspace_id = ${workspaceId} AND tag = ${tag} LIMIT ${TagCountCap}) capped`.execute(db);
      return { tag, links: Number(row.rows[0].n) };
    }),
  );
  return counted.sort((a, b) => a.links - b.links);
}

async function hydrateItems(db: Db, linkIds: string[], viewer: Viewer | null): Promise<FindItem[]> {
  if (!linkIds.length) return [];
  const linkRows = await db.selectFrom('links').selectAll().where('id', 'in', linkIds).execute();
  const byId = new Map(linkRows.map((row) => [row.id, row]));
  const ordered = linkIds.map((id) => byId.get(id)).filter((row) => row !== undefined);
  const snapshotIds = ordered.map((row) => row.latest_snapshot_id).filter((id): id is string => id !== null);
  // Side by side: on Postgres each is a round trip on its own connection.
  const [links, snapshotList] = await Promise.all([
    hydrateLinks(db, ordered, viewer),
    (async () => (snapshotIds.length ? hydrateSnapshots(db, await db.selectFrom('snapshots').selectAll().where('id', 'in', snapshotIds).execute()) : []))(),
  ]);
  const snapshots = new Map(snapshotList.map((snapshot) => [snapshot.id, snapshot]));
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
