// The scheduled link check's results: one row per link with the latest answer.
import { claimScheduledRun } from './schedule-runs.js';
import type { LinkCheckStore } from '../core/schedule.js';
import type { LinkCheck } from '../core/types.js';
import type { Db } from './schema.js';

export async function linksDueForCheck(db: Db, before: Date, limit: number): Promise<Array<{ id: string; url: string }>> {
  return db
    .selectFrom('links')
    .leftJoin('link_checks', 'link_checks.link_id', 'links.id')
    .select(['links.id as id', 'links.url as url'])
    .where((eb) => eb.or([eb('link_checks.checked_at', 'is', null), eb('link_checks.checked_at', '<', before.toISOString())]))
    .orderBy('link_checks.checked_at', 'asc')
    .orderBy('links.id')
    .limit(limit)
    .execute();
}

export async function recordLinkCheck(db: Db, linkId: string, check: LinkCheck): Promise<void> {
  const values = {
    link_id: linkId,
    checked_at: check.checkedAt,
    alive: check.alive ? 1 : 0,
    http_status: check.httpStatus,
    error: check.error,
  };
  // The link may have been forgotten while it was being checked: then there is nothing to record.
  const exists = await db.selectFrom('links').select('id').where('id', '=', linkId).executeTakeFirst();
  if (!exists) return;
  await db
    .insertInto('link_checks')
    .values(values)
    .onConflict((oc) => oc.column('link_id').doUpdateSet({ checked_at: values.checked_at, alive: values.alive, http_status: values.http_status, error: values.error }))
    .execute();
}

export async function linkChecksOf(db: Db, linkIds: string[]): Promise<Map<string, LinkCheck>> {
  const checks = new Map<string, LinkCheck>();
  if (linkIds.length === 0) return checks;
  const rows = await db.selectFrom('link_checks').selectAll().where('link_id', 'in', linkIds).execute();
  for (const row of rows) {
    checks.set(row.link_id, { checkedAt: row.checked_at, alive: row.alive === 1, httpStatus: row.http_status, error: row.error });
  }
  return checks;
}

export function createLinkCheckStore(db: Db): LinkCheckStore {
  return {
    linksDueForCheck: (before, limit) => linksDueForCheck(db, before, limit),
    recordLinkCheck: (linkId, check) => recordLinkCheck(db, linkId, check),
    claimRun: (name, slot, owner) => claimScheduledRun(db, name, slot, owner),
  };
}
