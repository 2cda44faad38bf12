// The notices outbox: posts the chat bots make on their own (a watched page changed, a link died,
// a digest). A notice is written once per dedup key, however often the work that makes it runs or
// in however many processes, and stays pending until its platform's adapter took it.
import { sql } from 'kysely';
import type { NoticeStore } from '../core/notices.js';
import { deliveryDelayMs, type DeliveryPolicy } from '../core/snapshot-events.js';
import type { Notice, NoticePayload, Platform } from '../core/types.js';
import { isPostgres } from './dialect.js';
import { isoNow, newId } from './ids.js';
import type { Db, NoticeRow } from './schema.js';

/** The NOTIFY channel a new notice is announced on (Postgres), so bot processes post at once. */
export const NoticesChannel = 'linksnap_notices';

import type { NewNotice } from '../core/notices.js';

/** Adds the notice unless one with its dedup key exists; true when it was added. */
export async function addNotice(db: Db, notice: NewNotice): Promise<boolean> {
  const result = await db
    .insertInto('notices')
    .values({
      id: newId(),
      workspace_id: notice.workspaceId,
      platform: notice.platform,
      channel_id: notice.channelId,
      kind: notice.payload.kind,
      dedup_key: notice.dedupKey,
      payload: JSON.stringify(notice.payload),
      created_at: isoNow(notice.now),
      delivered_at: null,
      given_up_at: null,
      attempts: 0,
      next_attempt_at: null,
      last_error: null,
    })
    .onConflict((oc) => oc.column('dedup_key').doNothing())
    .executeTakeFirst();
  const added = Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  if (added && isPostgres(db)) await sql`SELECT pg_notify(${NoticesChannel}, ${notice.platform})`.execute(db);
  return added;
}

/** Notices of a platform not yet delivered nor given up, whose next try is due, oldest first; `after`: the page after that one. */
export async function pendingNotices(db: Db, platform: Platform, now: Date, limit = 100, after: Pick<Notice, 'createdAt' | 'id'> | null = null): Promise<Notice[]> {
  let query = db
    .selectFrom('notices')
    .selectAll()
    .where('platform', '=', platform)
    .where('delivered_at', 'is', null)
    .where('given_up_at', 'is', null)
    .where((eb) => eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', isoNow(now))]));
  if (after) query = query.where((eb) => eb.or([eb('created_at', '>', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '>', after.id)])]));
  const rows = await query.orderBy('created_at').orderBy('id').limit(limit).execute();
  return rows.map(toNotice);
}

/** Keeps a claimed notice for `leaseMs` more while its post is under way (a slow platform, retries). */
export async function renewNoticeClaim(db: Db, noticeId: string, now: Date, leaseMs: number): Promise<void> {
  await db
    .updateTable('notices')
    .set({ next_attempt_at: isoNow(new Date(now.getTime() + leaseMs)) })
    .where('id', '=', noticeId)
    .where('delivered_at', 'is', null)
    .where('given_up_at', 'is', null)
    .execute();
}

/**
 * Takes a pending notice for one delivery try: pushes its next try `leaseMs` on, only if it is still
 * due. True for exactly one of the processes that try; if that process dies mid-post, the notice is
 * due again when the lease runs out.
 */
export async function claimNotice(db: Db, noticeId: string, now: Date, leaseMs: number): Promise<boolean> {
  const result = await db
    .updateTable('notices')
    .set({ next_attempt_at: isoNow(new Date(now.getTime() + leaseMs)) })
    .where('id', '=', noticeId)
    .where('delivered_at', 'is', null)
    .where('given_up_at', 'is', null)
    .where((eb) => eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', isoNow(now))]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function markNoticeDelivered(db: Db, noticeId: string, now: Date = new Date()): Promise<void> {
  await db.updateTable('notices').set({ delivered_at: isoNow(now) }).where('id', '=', noticeId).where('delivered_at', 'is', null).execute();
}

/** A try failed: back off, or give up (at once when `permanent`, else past the policy's cap). True when given up. */
export async function recordNoticeFailure(db: Db, noticeId: string, error: string, permanent: boolean, policy: DeliveryPolicy, now: Date = new Date()): Promise<boolean> {
  const row = await db.selectFrom('notices').select('attempts').where('id', '=', noticeId).executeTakeFirst();
  if (!row) return true;
  const attempts = Number(row.attempts) + 1;
  const giveUp = permanent || attempts >= policy.maxAttempts;
  const delay = deliveryDelayMs(policy, attempts);
  await db
    .updateTable('notices')
    .set({
      attempts,
      last_error: error.slice(0, 500),
      next_attempt_at: giveUp ? null : isoNow(new Date(now.getTime() + delay)),
      given_up_at: giveUp ? isoNow(now) : null,
    })
    .where('id', '=', noticeId)
    .execute();
  return giveUp;
}

/** Every notice of a workspace, newest first (for the CLI, the API and tests). */
export async function listNotices(db: Db, workspaceId: string, limit = 100): Promise<Array<Notice & { deliveredAt: string | null; givenUpAt: string | null }>> {
  const rows = await db.selectFrom('notices').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at', 'desc').orderBy('id').limit(limit).execute();
  return rows.map((row) => ({ ...toNotice(row), deliveredAt: row.delivered_at, givenUpAt: row.given_up_at }));
}

function toNotice(row: NoticeRow): Notice {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    platform: row.platform as Platform,
    channelId: row.channel_id,
    createdAt: row.created_at,
    payload: JSON.parse(row.payload) as NoticePayload,
  };
}

export function createNoticeStore(db: Db): NoticeStore {
  return {
    addNotice: (notice) => addNotice(db, notice),
    pendingNotices: (platform, now, limit, after) => pendingNotices(db, platform, now, limit, after),
    claimNotice: (noticeId, now, leaseMs) => claimNotice(db, noticeId, now, leaseMs),
    renewNoticeClaim: (noticeId, now, leaseMs) => renewNoticeClaim(db, noticeId, now, leaseMs),
    markNoticeDelivered: (noticeId, now) => markNoticeDelivered(db, noticeId, now),
    recordNoticeFailure: (noticeId, error, permanent, policy, now) => recordNoticeFailure(db, noticeId, error, permanent, policy, now),
  };
}
