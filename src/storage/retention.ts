// Per-workspace retention: keep the newest N versions of each link, and drop full-page screenshots
// of versions older than D days. Only rows are removed here; the blobs they referenced go with the
// next gc (storage/gc.ts), after its grace period, and only if nothing else references them. A
// version counts when it is done (a failed capture is no page); older versions and failures go. A
// snapshot is never removed while it is its link's latest, a capture of it is queued or running, or
// a watch run waits on it. Shares that pointed at a removed version point at the oldest kept one,
// so no share (and no record of who shared the link where) is lost. Each link is one transaction:
// a run that stops half-way removed whole versions only, and simply runs again.
import { DefaultWorkspaceSettings, type WorkspaceSettings } from '../core/types.js';
import { isoNow } from './ids.js';
import type { Db } from './schema.js';
import { writeTransaction } from './transaction.js';

export interface RetentionReport {
  workspaces: number;
  versionsDeleted: number;
  fullPagesDropped: number;
}

const DayMs = 86_400_000;

export async function applyRetention(db: Db, now: Date = new Date()): Promise<RetentionReport> {
  const report: RetentionReport = { workspaces: 0, versionsDeleted: 0, fullPagesDropped: 0 };
  const rows = await db
    .selectFrom('workspaces')
    .select(['id', 'settings'])
    .where((eb) => eb.or([eb('settings', 'like', '%"keepVersions"%'), eb('settings', 'like', '%"dropFullPageAfterDays"%')]))
    .execute();
  for (const row of rows) {
    const settings = { ...DefaultWorkspaceSettings, ...(JSON.parse(row.settings) as Partial<WorkspaceSettings>) };
    if (settings.keepVersions === null && settings.dropFullPageAfterDays === null) continue;
    report.workspaces += 1;
    if (settings.keepVersions !== null && settings.keepVersions >= 1) report.versionsDeleted += await keepNewestVersions(db, row.id, settings.keepVersions);
    if (settings.dropFullPageAfterDays !== null && settings.dropFullPageAfterDays >= 0) {
      report.fullPagesDropped += await dropOldFullPages(db, row.id, new Date(now.getTime() - settings.dropFullPageAfterDays * DayMs));
    }
  }
  return report;
}

async function keepNewestVersions(db: Db, workspaceId: string, keep: number): Promise<number> {
  const crowded = await db
    .selectFrom('snapshots')
    .select('link_id')
    .where('workspace_id', '=', workspaceId)
    .groupBy('link_id')
    .having((eb) => eb.fn.countAll(), '>', keep)
    .execute();
  let deleted = 0;
  for (const { link_id: linkId } of crowded) {
    deleted += await writeTransaction(db, async (trx) => {
      const versions = await trx
        .selectFrom('snapshots as s')
        .leftJoin('links as l', 'l.id', 's.link_id')
        .select(['s.id', 's.status', 'l.latest_snapshot_id'])
        .where('s.link_id', '=', linkId)
        .where('s.status', 'in', ['done', 'failed'])
        .orderBy('s.created_at', 'desc')
        .orderBy('s.id', 'desc')
        .execute();
      // N versions are N pages kept: failed captures between them do not count, and go with the old ones.
      let done = 0;
      const oldestKept = versions.findIndex((v) => v.status === 'done' && ++done === keep);
      if (oldestKept < 0) return 0;
      const heir = versions[oldestKept].id;
      const removable = versions.slice(oldestKept + 1).filter((v) => v.id !== v.latest_snapshot_id);
      if (!removable.length) return 0;
      const ids = removable.map((v) => v.id);
      const capturing = await trx.selectFrom('jobs').select('snapshot_id').where('snapshot_id', 'in', ids).where('status', 'in', ['queued', 'leased']).execute();
      const watched = await trx.selectFrom('watches').select('pending_snapshot_id').where('pending_snapshot_id', 'in', ids).execute();
      const busyIds = new Set([...capturing.map((row) => row.snapshot_id), ...watched.map((row) => row.pending_snapshot_id)]);
      const doomed = ids.filter((id) => !busyIds.has(id));
      if (!doomed.length) return 0;
      await trx.updateTable('shares').set({ snapshot_id: heir }).where('snapshot_id', 'in', doomed).execute();
      await trx.updateTable('watches').set({ last_snapshot_id: heir }).where('last_snapshot_id', 'in', doomed).execute();
      // A kept version compared with a removed one has nothing left to show a diff against: it reads as the first kept version.
      await trx
        .updateTable('snapshots')
        .set({ change_previous_id: null, change_previous_at: null, change_changed: null, change_added: null, change_removed: null })
        .where('change_previous_id', 'in', doomed)
        .execute();
      await trx.deleteFrom('snapshots').where('id', 'in', doomed).execute();
      return doomed.length;
    });
  }
  return deleted;
}

async function dropOldFullPages(db: Db, workspaceId: string, before: Date): Promise<number> {
  const result = await db
    .deleteFrom('artifacts')
    .where('kind', '=', 'fullpage')
    .where('snapshot_id', 'in', (eb) =>
      eb.selectFrom('snapshots').select('id').where('workspace_id', '=', workspaceId).where('captured_at', '<', isoNow(before)),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
