// Shares: each time someone shared or snapped a link, with where to answer them. Shares also
// decide who may see a link in search (see visibility.ts), so links.public follows them.
import { type Kysely } from 'kysely';
import type { Platform, Share, Viewer } from '../core/types.js';
import { cutText } from '../core/text.js';
import { deliveryDelayMs } from '../core/snapshot-events.js';
import { isoNow, newId } from './ids.js';
import { assertLink, refreshLinkVisibility } from './links.js';
import type { Database, Db, ShareRow } from './schema.js';
import { setTagPlacePrivacy } from './tags.js';
import { writeTransaction } from './transaction.js';
import { placedVisibleTo, shareColumns } from './visibility.js';

export interface NewShare {
  workspaceId: string;
  linkId: string;
  snapshotId: string;
  platform: Platform;
  userId: string;
  userName?: string | null;
  channelId?: string | null;
  channelName?: string | null;
  channelPrivate?: boolean;
  messageId?: string | null;
  auto?: boolean;
  messageText?: string | null;
  replyTo?: unknown;
  createdAt?: Date;
}

/** How much of a message's text is kept with its share: enough to say why the link mattered. */
export const MessageTextChars = 2_000;

export async function createShare(db: Db, input: NewShare): Promise<Share> {
  const row: ShareRow = {
    id: newId(),
    workspace_id: input.workspaceId,
    link_id: input.linkId,
    snapshot_id: input.snapshotId,
    platform: input.platform,
    user_id: input.userId,
    user_name: input.userName ?? null,
    channel_id: input.channelId ?? null,
    channel_name: input.channelName ?? null,
    // The web page and the CLI are open to the workspace whatever the caller said.
    channel_private: input.channelPrivate && input.platform !== 'web' && input.platform !== 'cli' ? 1 : 0,
    message_id: input.messageId ?? null,
    auto: input.auto ? 1 : 0,
    reply_to: input.replyTo === undefined || input.replyTo === null ? null : JSON.stringify(input.replyTo),
    created_at: isoNow(input.createdAt),
    notified_at: null,
    last_event: null,
    delivery_attempts: 0,
    next_delivery_at: null,
    message_text: input.messageText ? cutText(input.messageText, MessageTextChars) : null,
  };
  await writeTransaction(db, async (trx) => {
    await assertLink(trx, input.workspaceId, input.linkId);
    // A share is the freshest word on its channel's privacy: earlier shares and tags from there follow it.
    if (row.channel_id !== null) await applyChannelPrivacy(trx, row.workspace_id, row.channel_id, Boolean(row.channel_private));
    await trx.insertInto('shares').values(row).execute();
    if (!row.channel_private) {
      await trx.updateTable('links').set({ public: 1 }).where('id', '=', input.linkId).execute();
      await trx.updateTable('link_tags').set({ link_public: 1 }).where('link_id', '=', input.linkId).where('link_public', '=', 0).execute();
    }
  });
  return toShare(row);
}

/** Who shared the link first, or null. */
export async function firstShare(db: Db, linkId: string): Promise<Share | null> {
  const row = await db.selectFrom('shares').selectAll().where('link_id', '=', linkId).orderBy('created_at').orderBy('id').limit(1).executeTakeFirst();
  return row ? toShare(row) : null;
}

/**
 * The oldest share of the link that `viewer` may see, other than those of `except` (the share being
 * answered, and any other share made from the same message); null when there is none.
 */
export async function firstShareVisibleTo(
  db: Db,
  workspaceId: string,
  linkId: string,
  viewer: Viewer | null,
  except: { shareId: string; channelId: string | null; messageId: string | null } | null = null,
): Promise<Share | null> {
  let query = db
    .selectFrom('shares as s')
    .selectAll('s')
    .where('s.workspace_id', '=', workspaceId)
    .where('s.link_id', '=', linkId)
    .where(placedVisibleTo(shareColumns('s'), viewer));
  if (except) {
    query = query.where('s.id', '!=', except.shareId);
    const { channelId, messageId } = except;
    if (channelId !== null && messageId !== null) {
      query = query.where((eb) => eb.or([eb('s.message_id', 'is', null), eb('s.message_id', '!=', messageId), eb('s.channel_id', 'is', null), eb('s.channel_id', '!=', channelId)]));
    }
  }
  const row = await query.orderBy('s.created_at').orderBy('s.id').limit(1).executeTakeFirst();
  return row ? toShare(row) : null;
}

/**
 * The platform says a channel is now private (or open): every share and tag from it follows, and
 * the links shared there are shown or hidden accordingly. Returns how many shares changed.
 */
export async function setChannelPrivacy(db: Db, workspaceId: string, channelId: string, isPrivate: boolean): Promise<number> {
  return writeTransaction(db, (trx) => applyChannelPrivacy(trx, workspaceId, channelId, isPrivate));
}

async function applyChannelPrivacy(trx: Kysely<Database>, workspaceId: string, channelId: string, isPrivate: boolean): Promise<number> {
  const flag = isPrivate ? 1 : 0;
  const stale = await trx
    .selectFrom('shares')
    .select(['id', 'link_id'])
    .where('workspace_id', '=', workspaceId)
    .where('channel_id', '=', channelId)
    .where('channel_private', '!=', flag)
    .where('platform', 'not in', ['web', 'cli'])
    .execute();
  if (!stale.length) return 0;
  await trx.updateTable('shares').set({ channel_private: flag }).where('workspace_id', '=', workspaceId).where('channel_id', '=', channelId).where('platform', 'not in', ['web', 'cli']).execute();
  await setTagPlacePrivacy(trx, workspaceId, channelId, isPrivate);
  await refreshLinkVisibility(trx, [...new Set(stale.map((share) => share.link_id))]);
  return stale.length;
}

/** How the links of one posted message stand: captures not yet ended, and those done or failed. */
export async function messageProgress(db: Db, workspaceId: string, channelId: string, messageId: string): Promise<{ pending: number; done: number; failed: number }> {
  const rows = await db
    .selectFrom('shares as sh')
    .innerJoin('snapshots as sn', 'sn.id', 'sh.snapshot_id')
    .select(['sn.status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('sh.workspace_id', '=', workspaceId)
    .where('sh.channel_id', '=', channelId)
    .where('sh.message_id', '=', messageId)
    .groupBy('sn.status')
    .execute();
  const progress = { pending: 0, done: 0, failed: 0 };
  for (const row of rows) {
    if (row.status === 'done') progress.done += Number(row.n);
    else if (row.status === 'failed') progress.failed += Number(row.n);
    else progress.pending += Number(row.n);
  }
  return progress;
}

/** Shares of a link, oldest first. */
export async function listShares(db: Db, workspaceId: string, linkId: string): Promise<Share[]> {
  const rows = await db
    .selectFrom('shares')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('link_id', '=', linkId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toShare);
}

export async function sharesBySnapshot(db: Db, snapshotId: string): Promise<Share[]> {
  const rows = await db.selectFrom('shares').selectAll().where('snapshot_id', '=', snapshotId).orderBy('created_at').orderBy('id').execute();
  return rows.map(toShare);
}

/**
 * Shares made from `platform` whose snapshot is done or failed, not acknowledged, and due for a try
 * (never tried, or past their backoff): at most `limit`, oldest first, so a backlog is worked off
 * in bounded steps.
 */
export async function sharesPendingNotification(db: Db, platform: Platform, now: Date = new Date(), limit = 200): Promise<Share[]> {
  const at = isoNow(now);
  const rows = await db
    .selectFrom('shares as sh')
    .innerJoin('snapshots as sn', 'sn.id', 'sh.snapshot_id')
    .selectAll('sh')
    .where('sh.platform', '=', platform)
    .where('sh.notified_at', 'is', null)
    .where((eb) => eb.or([eb('sh.next_delivery_at', 'is', null), eb('sh.next_delivery_at', '<=', at)]))
    .where('sn.status', 'in', ['done', 'failed'])
    .orderBy('sh.created_at')
    .orderBy('sh.id')
    .limit(limit)
    .execute();
  return rows.map(toShare);
}

/**
 * A try at the share's reply failed: try again after a doubling delay, or, past `maxAttempts`,
 * give up (recorded as notified with event 'gave-up', so it is never offered again). Returns
 * whether it was given up.
 */
export async function recordDeliveryFailure(
  db: Db,
  shareId: string,
  policy: { maxAttempts: number; firstDelayMs: number; maxDelayMs: number },
  now: Date = new Date(),
): Promise<boolean> {
  return writeTransaction(db, async (trx) => {
    const row = await trx.selectFrom('shares').select('delivery_attempts').where('id', '=', shareId).executeTakeFirst();
    if (!row) return true;
    const attempts = Number(row.delivery_attempts) + 1;
    if (attempts >= policy.maxAttempts) {
      await trx.updateTable('shares').set({ delivery_attempts: attempts, notified_at: isoNow(now), last_event: 'gave-up' }).where('id', '=', shareId).execute();
      return true;
    }
    const delay = deliveryDelayMs(policy, attempts);
    await trx.updateTable('shares').set({ delivery_attempts: attempts, next_delivery_at: isoNow(new Date(now.getTime() + delay)) }).where('id', '=', shareId).execute();
    return false;
  });
}

/** The platform acknowledged the share's terminal event. */
export async function markShareNotified(db: Db, shareId: string, event: string | null = null, now: Date = new Date()): Promise<void> {
  await db.updateTable('shares').set({ notified_at: isoNow(now), last_event: event }).where('id', '=', shareId).execute();
}

/** Removes the shares made from one message; returns the ids of the links they belonged to. */
export async function deleteSharesByMessage(db: Db, workspaceId: string, channelId: string, messageId: string): Promise<string[]> {
  return writeTransaction(db, async (trx) => {
    const rows = await trx
      .selectFrom('shares')
      .select('link_id')
      .distinct()
      .where('workspace_id', '=', workspaceId)
      .where('channel_id', '=', channelId)
      .where('message_id', '=', messageId)
      .execute();
    const linkIds = rows.map((row) => row.link_id);
    if (!linkIds.length) return [];
    await trx.deleteFrom('shares').where('workspace_id', '=', workspaceId).where('channel_id', '=', channelId).where('message_id', '=', messageId).execute();
    await refreshLinkVisibility(trx, linkIds);
    return linkIds;
  });
}

function toShare(row: ShareRow): Share {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    linkId: row.link_id,
    snapshotId: row.snapshot_id,
    platform: row.platform as Platform,
    userId: row.user_id,
    userName: row.user_name,
    channelId: row.channel_id,
    channelName: row.channel_name,
    channelPrivate: Boolean(row.channel_private),
    messageId: row.message_id,
    auto: Boolean(row.auto),
    messageText: row.message_text,
    replyTo: row.reply_to === null ? null : (JSON.parse(row.reply_to) as unknown),
    createdAt: row.created_at,
  };
}
