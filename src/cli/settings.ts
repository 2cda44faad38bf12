// `linksnap settings`: a workspace's settings as the self-hosting admin sees and sets them. Chat
// admins set theirs in chat (/snapconfig); retention has no chat command, so it is set here.
import { parseArgs } from 'node:util';
import type { App } from '../app.js';
import type { WorkspaceSettings } from '../core/types.js';
import { fail, LocalWorkspace, printJson, usageError } from './common.js';

const RotAlerts = ['thread', 'channel', 'off'] as const satisfies ReadonlyArray<WorkspaceSettings['rotAlerts']>;

export async function settingsCommand(app: App, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      workspace: { type: 'string', short: 'w' },
      'keep-versions': { type: 'string' },
      'drop-fullpage-after': { type: 'string' },
      'rot-alerts': { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const json = values.json ?? false;
  const patch: Partial<WorkspaceSettings> = {};
  const keep = values['keep-versions'];
  if (keep !== undefined) {
    if (keep === 'all') patch.keepVersions = null;
    else if (/^\d+$/.test(keep) && Number.isSafeInteger(Number(keep)) && Number(keep) >= 1) patch.keepVersions = Number(keep);
    else return usageError(`--keep-versions takes a whole number of versions, 1 or more, or "all", not ${keep}`);
  }
  const drop = values['drop-fullpage-after'];
  if (drop !== undefined) {
    if (drop === 'never') patch.dropFullPageAfterDays = null;
    else if (/^\d+d?$/.test(drop) && Number.isSafeInteger(Number.parseInt(drop, 10))) patch.dropFullPageAfterDays = Number.parseInt(drop, 10);
    else return usageError(`--drop-fullpage-after takes a whole number of days, 0 or more, or "never", not ${drop}`);
  }
  const rot = values['rot-alerts'];
  if (rot !== undefined) {
    if (!(RotAlerts as readonly string[]).includes(rot)) return usageError(`--rot-alerts takes ${RotAlerts.join(', ')}, not ${rot}`);
    patch.rotAlerts = rot as WorkspaceSettings['rotAlerts'];
  }
  const workspaceId = values.workspace ?? LocalWorkspace.id;
  try {
    // A mistyped id would otherwise make settings for a workspace nobody uses; chat workspaces exist
    // once their bot has seen them, and `local` always may be set.
    if (workspaceId !== LocalWorkspace.id) {
      const known = (await app.service.listWorkspaces()).map((workspace) => workspace.id);
      if (!known.includes(workspaceId)) {
        return usageError(`no workspace ${workspaceId}; known: ${[...new Set([LocalWorkspace.id, ...known])].join(', ')}`);
      }
    }
    const changed = Object.keys(patch).length > 0;
    const settings = changed ? await app.service.updateSettings(workspaceId, patch) : await app.service.getSettings(workspaceId);
    if (json) {
      printJson(settings);
      return 0;
    }
    process.stdout.write(`${changed ? 'Changed the settings' : 'Settings'} of workspace ${workspaceId}:\n`);
    for (const [key, value] of Object.entries(settings) as Array<[keyof WorkspaceSettings, unknown]>) {
      process.stdout.write(`  ${key.padEnd(22)} ${shown(key, value)}\n`);
    }
    return 0;
  } catch (error) {
    return fail(error, json);
  }
}

function shown(key: keyof WorkspaceSettings, value: unknown): string {
  if (key === 'keepVersions') return value === null ? 'all' : `the newest ${value} of each link`;
  if (key === 'dropFullPageAfterDays') return value === null ? 'never' : `after ${value} days`;
  if (key === 'autoCaptureChannels' && value === null) return 'every channel';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
