// The scheduled link check's results: one row per link with the latest answer, and the rot verdict:
// checks in a row that found the page gone, and since when it is called dead (the second of them).
import { type RawBuilder, type SqlBool, sql } from 'kysely';
import { InvalidInputError } from '../core/errors.js';
import type { DeadLinkPlace, LinkCheckStore, RecordedCheck } from '../core/link-check.js';
import { normalizeTags } from '../core/tags.js';
import type { FindItem, FindResult, LinkCheck, Platform, Viewer } from '../core/types.js';
import { isoNow } from './ids.js';
import { hydrateLinks } from './links.js';
import { claimScheduledRun } from './schedule-runs.js';
import type { Db } from './schema.js';
import { latestSnapshotsOf } from './snapshots.js';
import { writeTransaction } from './transaction.js';
import { placedVisibleTo, tagColumns, visibleTo } from './visibility.js';

/** Checks in a row that must find a page gone before its link is called dead. */
export const DeadAfterFailures = 2;

export async function linksDueForCheck(db: Db, before: Date | null, limit: number, afterId: string | null = null): Promise<Array<{ id: string; url: string; finalUrl: string | null }>> {
  let query = db
    .selectFrom('links')
    .leftJoin('link_checks', 'link_checks.link_id', 'links.id')
    .select(['links.id as id', 'links.url as url'])
    // Where the latest good capture landed: a short link's page lives on another site.
    .select((eb) =>
      eb
        .selectFrom('snapshots as s')
        .select('s.final_url')
        .whereRef('s.link_id', '=', 'links.id')
        .where('s.status', '=', 'done')
        .orderBy('s.created_at', 'desc')
        .limit(1)
        .as('finalUrl'),
    );
  if (before) {
    query = query
      .where((eb) => eb.or([eb('link_checks.checked_at', 'is', null), eb('link_checks.checked_at', '<', before.toISOString())]))
      .orderBy('link_checks.checked_at', 'asc');
  }
  if (afterId) query = query.where('links.id', '>', afterId);
  return query.orderBy('links.id').limit(limit).execute();
}

/**
 * Records a check and moves the rot verdict: a check that found the page gone counts one more
 * failure in a row (the second makes the link dead), one that found it answering clears both; a
 * check that could not tell (a 5xx, a time-out, a refused connection) changes neither.
 */
export async function recordLinkCheck(db: Db, linkId: string, check: LinkCheck): Promise<RecordedCheck | null> {
  return writeTransaction(db, async (trx) => {
    // The link may have been forgotten while it was being checked: then there is nothing to record.
    const exists = await trx.selectFrom('links').select('id').where('id', '=', linkId).executeTakeFirst();
    if (!exists) return null;
    const before = await trx.selectFrom('link_checks').select(['failures', 'dead_since', 'dead_reason']).where('link_id', '=', linkId).executeTakeFirst();
    let failures = Number(before?.failures ?? 0);
    let deadSince = before?.dead_since ?? null;
    let deadReason = before?.dead_reason ?? null;
    if (check.alive) {
      failures = 0;
      deadSince = null;
      deadReason = null;
    } else if (check.gone) {
      failures += 1;
      if (failures >= DeadAfterFailures && deadSince === null) {
        deadSince = check.checkedAt;
        deadReason = check.error ?? (check.httpStatus ? `HTTP ${check.httpStatus}` : 'gone');
      }
    }
    const values = {
      checked_at: check.checkedAt,
      alive: check.alive ? 1 : 0,
      http_status: check.httpStatus,
      error: check.error,
      failures,
      dead_since: deadSince,
      dead_reason: deadReason,
    };
    await trx
      .insertInto('link_checks')
      .values({ link_id: linkId, ...values })
      .onConflict((oc) => oc.column('link_id').doUpdateSet(values))
      .execute();
    return { failures, deadSince, deadReason, becameDead: deadSince !== null && (before?.dead_since ?? null) === null };
  });
}

export async function linkChecksOf(db: Db, linkIds: string[]): Promise<Map<string, LinkCheck>> {
  const checks = new Map<string, LinkCheck>();
  if (linkIds.length === 0) return checks;
  const rows = await db.selectFrom('link_checks').selectAll().where('link_id', 'in', linkIds).execute();
  for (const row of rows) {
    checks.set(row.link_id, {
      checkedAt: row.checked_at,
      alive: row.alive === 1,
      httpStatus: row.http_status,
      error: row.error,
      failures: Number(row.failures),
      deadSince: row.dead_since,
      deadReason: row.dead_reason,
    });
  }
  return checks;
}

/**
 * Where a dead link was shared in chat: one place per channel, with the first message it was
 * shared in there (to answer in its thread) and the latest done snapshot to point at.
 */
export async function deadLinkPlaces(db: Db, linkId: string): Promise<DeadLinkPlace[]> {
  const rows = await db
    .selectFrom('shares')
    .select(['workspace_id', 'platform', 'channel_id', 'message_id', 'created_at'])
    .where('link_id', '=', linkId)
    .where('platform', 'in', ['discord', 'slack'])
    .where('channel_id', 'is not', null)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const places = new Map<string, DeadLinkPlace>();
  for (const row of rows) {
    const key = `${row.platform} ${row.channel_id}`;
    const place = places.get(key);
    if (!place) {
      places.set(key, { workspaceId: row.workspace_id, platform: row.platform as Platform, channelId: row.channel_id!, messageId: row.message_id });
    } else if (!place.messageId && row.message_id) {
      place.messageId = row.message_id;
    }
  }
  return [...places.values()];
}

export interface DeadQuery {
  workspaceId: string;
  tags?: string[];
  viewer?: Viewer | null;
  limit: number;
  cursor?: string | null;
}

/** Links called dead, most recently dead first, as the viewer may see them; tags ANDed. */
export async function findDead(db: Db, query: DeadQuery): Promise<FindResult> {
  const viewer = query.viewer ?? null;
  const filters: RawBuilder<SqlBool>[] = [sql<SqlBool>`l.workspace_id = ${query.workspaceId}`, sql<SqlBool>`c.dead_since IS NOT NULL`];
  if (viewer) filters.push(visibleTo(viewer));
  for (const tag of normalizeTags(query.tags ?? [])) {
    filters.push(sql<SqlBool>`EXISTS (SELECT 1 FROM link_tags tx WHERE tx.link_id = l.id AND tx.tag = ${tag} AND ${placedVisibleTo(tagColumns('tx'), viewer)})`);
  }
  const cursor = query.cursor ? decodeDeadCursor(query.cursor) : null;
  if (cursor) filters.push(sql<SqlBool>`(c.dead_since < ${cursor.at} OR (c.dead_since = ${cursor.at} AND l.id < ${cursor.id}))`);
  const rows = await sql<{ id: string; dead_since: string }>`SELECT l.id AS id, c.dead_since AS dead_since FROM link_checks c JOIN links l ON l.id = c.link_id
    WHERE ${sql.join(filters, sql` AND `)} ORDER BY c.dead_since DESC, l.id DESC LIMIT ${query.limit + 1}`.execute(db);
  const page = rows.rows.slice(0, query.limit);
  const linkRows = page.length ? await db.selectFrom('links').selectAll().where('id', 'in', page.map((row) => row.id)).execute() : [];
  const byId = new Map(linkRows.map((row) => [row.id, row]));
  const ordered = page.map((row) => byId.get(row.id)).filter((row) => row !== undefined);
  const links = await hydrateLinks(db, ordered, viewer);
  // A dead link shows its latest done snapshot (the page as it was), or its latest attempt when it
  // was never captured, so every dead link is listed.
  const snapshots = await latestSnapshotsOf(db, ordered.map((row) => row.id), { orAttempt: true });
  const items: FindItem[] = [];
  links.forEach((link) => {
    const snapshot = snapshots.get(link.id);
    if (snapshot) items.push({ link, snapshot });
  });
  const last = page[page.length - 1];
  return { items, nextCursor: rows.rows.length > query.limit && last ? encodeDeadCursor(last.dead_since, last.id) : null };
}

function encodeDeadCursor(at: string, id: string): string {
  return Buffer.from(JSON.stringify({ v: 1, d: at, i: id })).toString('base64url');
}

function decodeDeadCursor(cursor: string): { at: string; id: string } {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { v?: unknown; d?: unknown; i?: unknown };
    if (value.v === 1 && typeof value.d === 'string' && typeof value.i === 'string') return { at: value.d, id: value.i };
  } catch {
    // fall through to the error below
  }
  throw new InvalidInputError(`Not a valid find cursor: ${cursor.slice(0, 40)}`);
}

export function createLinkCheckStore(db: Db): LinkCheckStore {
  return {
    linksDueForCheck: (before, limit, afterId) => linksDueForCheck(db, before, limit, afterId ?? null),
    recordLinkCheck: (linkId, check) => recordLinkCheck(db, linkId, check),
    deadLinkPlaces: (linkId) => deadLinkPlaces(db, linkId),
    claimRun: (name, slot, owner) => claimScheduledRun(db, name, slot, owner),
  };
}

