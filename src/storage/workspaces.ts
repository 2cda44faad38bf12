// Workspaces (a Discord guild, a Slack team, `local`) and their settings.
import { NotFoundError } from '../core/errors.js';
import { DefaultWorkspaceSettings, type Platform, type WorkspaceSettings } from '../core/types.js';
import { isoNow } from './ids.js';
import { writeTransaction } from './transaction.js';
import type { Db } from './schema.js';

export interface WorkspaceInfo {
  id: string;
  platform: Platform;
  name: string | null;
  createdAt: string;
}

/** Creates the workspace on first sight; keeps its name current when one is given. */
export async function ensureWorkspace(
  db: Db,
  workspace: { id: string; platform: Platform; name?: string | null },
  now: Date = new Date(),
): Promise<WorkspaceInfo> {
  const name = workspace.name ?? null;
  await db
    .insertInto('workspaces')
    .values({ id: workspace.id, platform: workspace.platform, name, settings: '{}', created_at: isoNow(now) })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  if (name !== null) {
    await db.updateTable('workspaces').set({ name }).where('id', '=', workspace.id).where('name', 'is distinct from', name).execute();
  }
  const row = await db.selectFrom('workspaces').selectAll().where('id', '=', workspace.id).executeTakeFirstOrThrow();
  return { id: row.id, platform: row.platform as Platform, name: row.name, createdAt: row.created_at };
}

/** Stored settings over the defaults; a workspace never seen yet has the defaults. */
export async function getSettings(db: Db, workspaceId: string): Promise<WorkspaceSettings> {
  const row = await db.selectFrom('workspaces').select('settings').where('id', '=', workspaceId).executeTakeFirst();
  return { ...DefaultWorkspaceSettings, ...parseSettings(row?.settings) };
}

export async function updateSettings(db: Db, workspaceId: string, patch: Partial<WorkspaceSettings>): Promise<WorkspaceSettings> {
  // Read and write in one transaction, so two admins changing different settings both keep theirs.
  return writeTransaction(db, async (trx) => {
    const row = await trx.selectFrom('workspaces').select('settings').where('id', '=', workspaceId).executeTakeFirst();
    if (!row) throw new NotFoundError('workspace', workspaceId);
    // Only known keys are kept, so a stray field from a form cannot grow the stored JSON.
    const stored: Partial<WorkspaceSettings> = { ...parseSettings(row.settings) };
    for (const key of Object.keys(DefaultWorkspaceSettings) as Array<keyof WorkspaceSettings>) {
      if (patch[key] !== undefined) (stored as Record<string, unknown>)[key] = patch[key];
    }
    await trx.updateTable('workspaces').set({ settings: JSON.stringify(stored) }).where('id', '=', workspaceId).execute();
    return { ...DefaultWorkspaceSettings, ...stored };
  });
}

export async function listWorkspaces(db: Db): Promise<Array<{ id: string; platform: Platform; name: string | null; links: number }>> {
  const rows = await db
    .selectFrom('workspaces as w')
    .select((eb) => [
      'w.id',
      'w.platform',
      'w.name',
      eb.selectFrom('links as l').whereRef('l.workspace_id', '=', 'w.id').select((e) => e.fn.countAll<number>().as('n')).as('links'),
    ])
    .orderBy('w.created_at')
    .orderBy('w.id')
    .execute();
  return rows.map((row) => ({ id: row.id, platform: row.platform as Platform, name: row.name, links: Number(row.links ?? 0) }));
}

function parseSettings(json: string | undefined): Partial<WorkspaceSettings> {
  if (!json) return {};
  try {
    const value = JSON.parse(json) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Partial<WorkspaceSettings>) : {};
  } catch {
    return {};
  }
}

/** Bytes of artifacts the workspace keeps, each stored blob counted once however many snapshots share it. */
export async function workspaceBytes(db: Db, workspaceId: string): Promise<number> {
  const row = await db
    .selectFrom((eb) =>
      eb
        .selectFrom('artifacts as a')
        .innerJoin('snapshots as s', 's.id', 'a.snapshot_id')
        .where('s.workspace_id', '=', workspaceId)
        .select(['a.sha256', 'a.size'])
        .distinct()
        .as('blobs'),
    )
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('blobs.size'), eb.lit(0)).as('bytes'))
    .executeTakeFirstOrThrow();
  return Number(row.bytes);
}
