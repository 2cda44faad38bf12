// `linksnap check-links`: the scheduled link check, run now, over every workspace.
import { parseArgs } from 'node:util';
import type { App } from '../app.js';
import { fail, printJson } from './common.js';

interface DiedLink {
  workspace: string;
  linkId: string;
  url: string;
  deadSince: string;
  deadReason: string | null;
  /** The latest done snapshot (the page as it was), or the latest attempt of a link never captured. */
  snapshotId: string;
}

/** Dead links are read a page at a time, newest death first, until one died before the run. */
const DeadPage = 100;

export async function checkLinksCommand(app: App, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { all: { type: 'boolean' }, json: { type: 'boolean' } } });
  const json = values.json ?? false;
  try {
    const startedAt = new Date().toISOString();
    const report = await app.service.checkLinks({ all: values.all ?? false });
    const died = report.died > 0 ? await diedSince(app, startedAt) : [];
    if (json) {
      printJson({ ...report, diedLinks: died });
      return 0;
    }
    if (report.checked === 0) {
      process.stdout.write(values.all ? 'No links to check.\n' : 'No link is due for a check (each is checked once every 20 hours); --all checks every link now.\n');
      return 0;
    }
    process.stdout.write(
      `Checked ${report.checked} link${report.checked === 1 ? '' : 's'}: ${report.alive} alive, ${report.gone} gone (404/410, no such host, or a redirect away), ${report.died} newly dead (gone twice in a row).\n`,
    );
    if (died.length) {
      process.stdout.write('Died in this run:\n');
      for (const link of died) process.stdout.write(`  ${link.url}${link.workspace === 'local' ? '' : `  [${link.workspace}]`}  ${link.deadReason ?? 'gone'}\n`);
    }
    return 0;
  } catch (error) {
    return fail(error, json);
  }
}

/** The links found dead at or after `startedAt`, in every workspace. */
async function diedSince(app: App, startedAt: string): Promise<DiedLink[]> {
  const died: DiedLink[] = [];
  for (const workspace of await app.service.listWorkspaces()) {
    let cursor: string | null = null;
    for (;;) {
      const page = await app.service.find({ workspaceId: workspace.id, dead: true, limit: DeadPage, cursor });
      let older = false;
      for (const { link, snapshot } of page.items) {
        const deadSince = link.lastCheck?.deadSince;
        if (!deadSince || deadSince < startedAt) {
          older = true;
          break;
        }
        died.push({ workspace: workspace.id, linkId: link.id, url: link.url, deadSince, deadReason: link.lastCheck?.deadReason ?? null, snapshotId: snapshot.id });
      }
      if (older || !page.nextCursor) break;
      cursor = page.nextCursor;
    }
  }
  return died;
}
