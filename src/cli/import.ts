// `linksnap import <file> [--tag T]… [--capture | --no-capture] [--workspace W] [--json]`: brings in
// the links of a bookmark file (Netscape HTML from any browser, Pocket CSV, Karakeep or Linkwarden
// JSON, a list of URLs). Without --capture the links are kept "not captured yet"; with it, captures
// are queued for `serve` or a worker to make, behind chat and spaced per host, and this command does
// not wait for them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { App } from '../app.js';
import { TooLargeError } from '../core/errors.js';
import type { ImportProgress, ImportReport } from '../core/import-links.js';
import { MaxImportBytes } from '../core/import/index.js';
import type { WorkspaceRef } from '../core/types.js';
import { fail, LocalWorkspace, printJson, usageError } from './common.js';

/** Bad lines printed in text output; --json lists every one the parser kept. */
const PrintedErrors = 20;

export async function importCommand(app: App, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      tag: { type: 'string', multiple: true, short: 't' },
      capture: { type: 'boolean' },
      'no-capture': { type: 'boolean' },
      workspace: { type: 'string', short: 'w' },
      json: { type: 'boolean' },
    },
  });
  if (positionals.length !== 1) return usageError('import takes exactly one file');
  if (values.capture && values['no-capture']) return usageError('import takes --capture or --no-capture, not both');
  const json = values.json ?? false;
  const file = positionals[0];
  const capture = values.capture ?? false;
  try {
    const workspace = await workspaceRef(app, values.workspace ?? LocalWorkspace.id);
    if (!workspace) return usageError(`no workspace ${values.workspace}; known: ${(await knownWorkspaces(app)).join(', ')}`);
    // Checked before reading, so a huge file is refused without loading it.
    const size = (await fs.promises.stat(file)).size;
    if (size > MaxImportBytes) throw new TooLargeError(`${path.basename(file)} (${size} bytes)`, MaxImportBytes);
    const data = await fs.promises.readFile(file);
    const progress = json ? null : progressLine();
    let report: ImportReport;
    try {
      report = await app.service.importLinks({
        fileName: path.basename(file),
        data,
        tags: values.tag ?? [],
        capture,
        workspace,
        requester: { id: 'local', name: os.userInfo().username },
        platform: 'cli',
        onProgress: progress?.update,
      });
    } finally {
      progress?.end();
    }
    if (json) printJson(report);
    else printReport(report, capture, workspace.id);
    return 0;
  } catch (error) {
    return fail(error, json);
  }
}

async function knownWorkspaces(app: App): Promise<string[]> {
  return [...new Set([LocalWorkspace.id, ...(await app.service.listWorkspaces()).map((workspace) => workspace.id)])];
}

/** `local`, or a workspace the store knows (a chat workspace exists once its bot has seen it): a typo must not make a new one. */
async function workspaceRef(app: App, id: string): Promise<WorkspaceRef | null> {
  if (id === LocalWorkspace.id) return LocalWorkspace;
  const known = (await app.service.listWorkspaces()).find((workspace) => workspace.id === id);
  return known ? { id: known.id, platform: known.platform, name: known.name ?? undefined } : null;
}

function printReport(report: ImportReport, capture: boolean, workspaceId: string): void {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const links = (n: number) => `${n} ${n === 1 ? 'link' : 'links'}`;
  out(`Imported ${links(report.links)} from a ${FormatNames[report.format]} into workspace ${workspaceId}: ${report.added} new, ${report.existing} already there${report.tagged ? ` (${report.tagged} got new tags)` : ''}.`);
  if (capture) {
    out(report.queued ? `Queued ${report.queued} ${report.queued === 1 ? 'capture' : 'captures'}, behind chat and spaced per site; \`linksnap serve\` or \`linksnap worker\` makes them.` : 'Nothing to capture: every link was captured or queued before.');
  } else if (report.added) {
    out(`The new links are kept "not captured yet"; import the file again with --capture, or \`linksnap snap <url>\` one, to capture them.`);
  }
  const bad = report.errors.length + report.errorsNotListed;
  if (!bad) return;
  process.stderr.write(`${bad} ${bad === 1 ? 'line' : 'lines'} with a problem:\n`);
  for (const error of report.errors.slice(0, PrintedErrors)) process.stderr.write(`  ${error.message}\n`);
  const more = bad - Math.min(PrintedErrors, report.errors.length);
  if (more > 0) process.stderr.write(`  … and ${more} more (--json lists ${report.errorsNotListed ? 'the first 1,000' : 'them all'})\n`);
}

const FormatNames: Record<ImportReport['format'], string> = {
  netscape: 'bookmark file',
  'pocket-csv': 'Pocket CSV file',
  karakeep: 'Karakeep export',
  linkwarden: 'Linkwarden export',
  'url-list': 'list of URLs',
  'linksnap-json': 'linksnap JSON lines export',
};

/** Off a terminal, files smaller than this import too fast for progress lines to help. */
const PlainProgressFrom = 2_000;

/** A bar on a terminal; elsewhere (a log, a pipe) a line now and then, so the output stays readable. */
function progressLine(): { update: (progress: ImportProgress) => void; end: () => void } {
  const tty = process.stderr.isTTY;
  let lastPercent = 0;
  let drawn = false;
  return {
    update({ done, total }) {
      if (!total) return;
      const percent = Math.floor((done / total) * 100);
      if (tty) {
        const width = 30;
        const filled = Math.round((done / total) * width);
        process.stderr.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} links`);
        drawn = true;
      } else if (total >= PlainProgressFrom && done > 0 && (percent >= lastPercent + 25 || done === total)) {
        process.stderr.write(`Importing: ${done}/${total} links\n`);
        lastPercent = percent;
      }
    },
    end() {
      if (drawn) process.stderr.write('\n');
    },
  };
}
