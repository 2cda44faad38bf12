// `linksnap diff OLD NEW`: how a link's readable text changed from one version to a later one,
// volatile parts (times, counters, tokens) ignored, printed like a unified diff.
import { parseArgs } from 'node:util';
import type { App } from '../app.js';
import { snapshotJson } from '../core/snapshot-json.js';
import type { SnapshotDiff } from '../core/types.js';
import { fail, idsAsPositionals, printJson, usageError, when } from './common.js';

export async function diffCommand(app: App, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: idsAsPositionals(args), allowPositionals: true, options: { json: { type: 'boolean' } } });
  const json = values.json ?? false;
  if (positionals.length < 1 || positionals.length > 2) return usageError('diff takes two snapshot ids, the older first (or one, to compare it with the version before it)');
  // Read as `diff OLD NEW`, like diff(1): the changes that lead from the first to the second.
  const [olderId, newerId] = positionals.length === 2 ? positionals : [null, positionals[0]];
  try {
    // Any workspace's snapshot, as watch run and check-links act on every workspace: the CLI is the
    // admin's. The older id is looked up in the newer one's workspace, and the core requires both to
    // be versions of one link.
    const newer = await app.service.getSnapshotById(newerId);
    const diff = await app.service.diff(newer.workspaceId, newerId, olderId);
    if (json) {
      const link = await app.service.getLink(newer.workspaceId, diff.to.linkId);
      const locate = (sha256: string) => app.blobs.locator(sha256);
      printJson({
        changed: diff.changed,
        added: diff.added,
        removed: diff.removed,
        hunks: diff.hunks,
        approximate: diff.approximate,
        from: snapshotJson(diff.from, link, locate),
        to: snapshotJson(diff.to, link, locate),
      });
    } else {
      printDiff(diff);
    }
    return 0;
  } catch (error) {
    return fail(error, json);
  }
}

function printDiff(diff: SnapshotDiff): void {
  const out: string[] = [
    `--- ${diff.from.id}  ${when(diff.from.capturedAt ?? diff.from.createdAt)}`,
    `+++ ${diff.to.id}  ${when(diff.to.capturedAt ?? diff.to.createdAt)}  ${diff.to.url}`,
  ];
  for (const hunk of diff.hunks) {
    out.push(`@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`, ...hunk.lines);
  }
  if (!diff.changed) out.push('No change in the readable text (times, counters and the like are ignored).');
  else if (diff.approximate) out.push(`Too far apart to compare line by line: about ${diff.added} lines added, ${diff.removed} removed.`);
  else out.push(`${diff.added} line${diff.added === 1 ? '' : 's'} added, ${diff.removed} removed.`);
  process.stdout.write(`${out.join('\n')}\n`);
}
