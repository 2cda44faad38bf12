// What a channel digest reads: the workspaces that set one, and the links shared in a channel in a
// period, as that channel sees them (tags given in other private channels left out).
import type { Link, Platform, Snapshot, WorkspaceSettings } from '../core/types.js';
import { isoNow } from './ids.js';
import { hydrateLinks } from './links.js';
import type { Db } from './schema.js';
import { latestSnapshotsOf } from './snapshots.js';
import { getSettings } from './workspaces.js';

export async function workspacesWithDigests(db: Db): Promise<Array<{ workspaceId: string; platform: Platform; settings: WorkspaceSettings }>> {
  // Settings are JSON text; only workspaces whose settings name a digest are read.
  const rows = await db.selectFrom('workspaces').select(['id', 'platform']).where('settings', 'like', '%"digests"%').execute();
  const found: Array<{ workspaceId: string; platform: Platform; settings: WorkspaceSettings }> = [];
  for (const row of rows) {
    const settings = await getSettings(db, row.id);
    if (Object.keys(settings.digests ?? {}).length) found.push({ workspaceId: row.id, platform: row.platform as Platform, settings });
  }
  return found;
}

export async function linksSharedIn(db: Db, workspaceId: string, channelId: string, from: Date, to: Date, limit: number): Promise<Array<{ link: Link; snapshot: Snapshot }>> {
  const shared = await db
    .selectFrom('shares')
    .select('link_id')
    .select((eb) => eb.fn.max('created_at').as('last_shared'))
    .where('workspace_id', '=', workspaceId)
    .where('channel_id', '=', channelId)
    .where('created_at', '>=', isoNow(from))
    .where('created_at', '<', isoNow(to))
    .groupBy('link_id')
    .orderBy('last_shared', 'desc')
    .limit(limit)
    .execute();
  if (!shared.length) return [];
  const ids = shared.map((row) => row.link_id);
  const linkRows = await db.selectFrom('links').selectAll().where('id', 'in', ids).execute();
  const byId = new Map(linkRows.map((row) => [row.id, row]));
  const ordered = ids.map((id) => byId.get(id)).filter((row) => row !== undefined);
  const links = await hydrateLinks(db, ordered, { channelIds: [channelId] });
  const snapshots = await latestSnapshotsOf(db, ids);
  return links.flatMap((link) => {
    const snapshot = snapshots.get(link.id);
    return snapshot ? [{ link, snapshot }] : [];
  });
}

/** The channel's latest name as its shares recorded it. */
export async function channelName(db: Db, workspaceId: string, channelId: string): Promise<string | null> {
  const row = await db
    .selectFrom('shares')
    .select('channel_name')
    .where('workspace_id', '=', workspaceId)
    .where('channel_id', '=', channelId)
    .where('channel_name', 'is not', null)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.channel_name ?? null;
}

/** The link's newest done snapshot. */
export async function latestDoneSnapshot(db: Db, linkId: string): Promise<Snapshot | null> {
  return (await latestSnapshotsOf(db, [linkId])).get(linkId) ?? null;
}
