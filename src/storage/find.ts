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
  } else if (plan.text) {
    source = sql`${searchTable} f ${join} links l ON l.seq = ${fkey}`;
    key = fkey;
    filters.push(textCondition(db, plan.workspaceId, plan.text));
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
  const result = await sql<{ id: string; seq: number }>`SELECT l.id AS id, l.seq AS seq FROM ${source}
    WHERE ${sql.join(filters, sql` AND `)} ORDER BY ${key} DESC LIMIT ${plan.take}`.execute(db);
  return result.rows;
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
