// `linksnap watch add | list | remove | run`: pages captured again on a schedule, from the CLI.
// The CLI's watches belong to the local workspace with no channel (like the web page's); `run`
// runs the due watches of every workspace, as the scheduled tick of `linksnap serve` would.
import os from 'node:os';
import { parseArgs } from 'node:util';
import type { App } from '../app.js';
import { changeExcerpt } from '../core/change.js';
import { asLinksnapError, InvalidInputError } from '../core/errors.js';
import { snapshotJson } from '../core/snapshot-json.js';
import type { Snapshot, Watch } from '../core/types.js';
import { parseWatchEvery } from '../core/watch-every.js';
import { fail, LocalWorkspace, printJson, usageError, when } from './common.js';

export async function watchCommand(app: App, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'add':
      return add(app, rest);
    case 'list':
      return list(app, rest);
    case 'remove':
      return remove(app, rest);
    case 'run':
      return run(app, rest);
    default:
      return usageError(sub ? `unknown watch command "${sub}": use add, list, remove or run` : 'watch needs a command: add, list, remove or run');
  }
}

async function add(app: App, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { every: { type: 'string' }, json: { type: 'boolean' } } });
  const json = values.json ?? false;
  if (positionals.length !== 1) return usageError('watch add takes exactly one URL');
  if (values.every === undefined) return usageError('watch add needs --every: hourly, daily, weekly or a 5-field cron expression');
  // Checked here too so a bad schedule is a usage error (exit 2), before anything is stored.
  try {
    parseWatchEvery(values.every, app.config.watches.minIntervalMs);
  } catch (error) {
    if (error instanceof InvalidInputError) return usageError(`--every: ${error.message}`);
    throw error;
  }
  try {
    const accepted = await app.service.watch({
      url: positionals[0],
      every: values.every,
      workspace: LocalWorkspace,
      requester: { id: 'local', name: os.userInfo().username },
      place: { platform: 'cli', channelId: null },
    });
    const { watch } = accepted;
    if (!json) {
      const what = accepted.created ? `Watching ${watch.url}` : `Already watched; ${watch.url} is now watched`;
      process.stdout.write(`${what} ${describeEvery(watch.every)}. Next run: ${when(watch.nextRunAt)}.\n`);
    }
    // The service captures a link it never captured at once: that first version is what later runs
    // are compared with, so wait for it, then judge the run so the watch is free to run again.
    const first = await firstCapture(app, watch);
    if (first && !json) process.stdout.write('Capturing it for the first time (later runs are compared with this version)…\n');
    const firstSnapshot = first ? await app.service.waitFor(first) : null;
    if (firstSnapshot) await app.service.watches.judgeFinished();
    const current = (await app.service.listWatches(LocalWorkspace.id, null)).find((candidate) => candidate.id === watch.id) ?? watch;
    const failed = firstSnapshot?.status === 'failed';
    if (json) {
      const link = firstSnapshot ? await app.service.getLink(LocalWorkspace.id, firstSnapshot.linkId) : null;
      printJson({
        created: accepted.created,
        watch: current,
        firstSnapshot: firstSnapshot ? snapshotJson(firstSnapshot, link, (sha256) => app.blobs.locator(sha256)) : null,
      });
    } else if (firstSnapshot && !failed) {
      process.stdout.write(`First version captured: ${firstSnapshot.id}  ${firstSnapshot.title ?? '(untitled)'}\n`);
    }
    if (failed) {
      process.stderr.write(`linksnap: the watch is set, but its first capture failed: ${firstSnapshot.error}. It is tried again at the next run (${when(current.nextRunAt)}).\n`);
      return 1;
    }
    return 0;
  } catch (error) {
    return fail(error, json);
  }
}

/** The capture the service started for a link with no done version yet, or null when it has one. */
async function firstCapture(app: App, watch: Watch): Promise<string | null> {
  if (!watch.pendingSnapshotId) return null;
  const versions = await app.service.listVersions(watch.workspaceId, watch.linkId);
  return versions.some((version) => version.status === 'done') ? null : watch.pendingSnapshotId;
}

async function list(app: App, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' } } });
  const watches = await app.service.listWatches(LocalWorkspace.id);
  if (values.json) {
    printJson(watches);
  } else if (watches.length === 0) {
    process.stdout.write('No watches. Add one with: linksnap watch add <url> --every daily\n');
  } else {
    for (const watch of watches) {
      process.stdout.write(`${watch.url}\n`);
      process.stdout.write(`    every ${watch.every}  next ${when(watch.nextRunAt)}  last ${when(watch.lastRunAt)}  failures ${watch.failures}\n`);
    }
  }
  return 0;
}

async function remove(app: App, args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length !== 1) return usageError('watch remove takes exactly one URL');
  try {
    const removed = await app.service.unwatch(LocalWorkspace.id, null, positionals[0]);
    if (!removed) {
      process.stderr.write(`linksnap: ${positionals[0]} is not watched (linksnap watch list shows what is)\n`);
      return 1;
    }
    process.stdout.write(`Stopped watching ${removed.url} (was ${describeEvery(removed.every)}).\n`);
    return 0;
  } catch (error) {
    return fail(error, false);
  }
}

type RunResult = 'changed' | 'unchanged' | 'first' | 'failed';

interface RunOutcome {
  watchId: string;
  workspace: string;
  url: string;
  snapshotId: string;
  /** `first`: the link's first version, nothing to compare it with. */
  result: RunResult;
  added: number;
  removed: number;
  /** The first changed lines ('+' or '-' first), when it changed. */
  excerpt: string[];
  error: string | null;
}

async function run(app: App, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { all: { type: 'boolean' }, json: { type: 'boolean' } } });
  const json = values.json ?? false;
  try {
    // A watch whose last run ended but was not judged yet (the CLI stopped, no server ticking) is
    // skipped by the runner until it is: judge those first.
    await app.service.watches.judgeFinished();
    const { started } = await app.service.runWatches({ all: values.all ?? false });
    if (started.length === 0) {
      if (json) printJson([]);
      else process.stdout.write(values.all ? 'No watch to run (none set, or each one has a run in flight).\n' : 'No watch is due now; --all runs every watch now.\n');
      return 0;
    }
    if (!json) process.stdout.write(`Capturing ${started.length} watched page${started.length === 1 ? '' : 's'}…\n`);
    const finished = await Promise.all(started.map(async ({ watch, snapshotId }) => ({ watch, snapshot: await app.service.waitFor(snapshotId) })));
    // Judged as the scheduled tick would: the change notices for chat channels are written now.
    await app.service.watches.judgeFinished();
    const outcomes = await Promise.all(finished.map(({ watch, snapshot }) => outcomeOf(app, watch, snapshot)));
    if (json) printJson(outcomes);
    else printOutcomes(outcomes);
    return outcomes.some((outcome) => outcome.result === 'failed') ? 1 : 0;
  } catch (error) {
    return fail(error, json);
  }
}

async function outcomeOf(app: App, watch: Watch, snapshot: Snapshot): Promise<RunOutcome> {
  const base = { watchId: watch.id, workspace: watch.workspaceId, url: watch.url, snapshotId: snapshot.id, added: 0, removed: 0, excerpt: [] as string[], error: null };
  if (snapshot.status === 'failed') return { ...base, result: 'failed', error: snapshot.error ?? 'the capture failed' };
  if (!snapshot.change) return { ...base, result: 'first' };
  if (!snapshot.change.changed) return { ...base, result: 'unchanged' };
  let excerpt: string[] = [];
  try {
    excerpt = changeExcerpt(await app.service.diff(watch.workspaceId, snapshot.id));
  } catch (error) {
    // The counts are known from the capture; only the excerpt is missing (e.g. the old version's text is gone).
    excerpt = [`(no excerpt: ${asLinksnapError(error).message})`];
  }
  return { ...base, result: 'changed', added: snapshot.change.added, removed: snapshot.change.removed, excerpt };
}

function printOutcomes(outcomes: RunOutcome[]): void {
  for (const outcome of outcomes) {
    const where = outcome.workspace === LocalWorkspace.id ? '' : `  [${outcome.workspace}]`;
    const label = outcome.result.padEnd(10);
    if (outcome.result === 'failed') {
      process.stdout.write(`${label} ${outcome.url}${where}  ${outcome.error}\n`);
    } else if (outcome.result === 'changed') {
      process.stdout.write(`${label} ${outcome.url}${where}  +${outcome.added} -${outcome.removed} lines  (snapshot ${outcome.snapshotId})\n`);
      for (const line of outcome.excerpt) process.stdout.write(`    ${line}\n`);
    } else {
      const note = outcome.result === 'first' ? 'first version, nothing to compare with; snapshot' : 'snapshot';
      process.stdout.write(`${label} ${outcome.url}${where}  (${note} ${outcome.snapshotId})\n`);
    }
  }
  const count = (result: RunResult) => outcomes.filter((outcome) => outcome.result === result).length;
  const parts = [`${count('changed')} changed`, `${count('unchanged')} unchanged`, `${count('failed')} failed`];
  if (count('first')) parts.push(`${count('first')} first version${count('first') === 1 ? '' : 's'}`);
  process.stdout.write(`${outcomes.length} watch${outcomes.length === 1 ? '' : 'es'} run: ${parts.join(', ')}.\n`);
}

/** "hourly" reads as it is; a cron expression is named as one. */
function describeEvery(every: string): string {
  return /^(hourly|daily|weekly)$/.test(every) ? every : `on the cron schedule "${every}"`;
}
