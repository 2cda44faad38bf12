// `linksnap export [--tag T]… [--text Q] [--workspace W] --format F -o FILE`: the matching links in
// one file. Written to FILE.partial and renamed at the end, so a failed export never leaves a file
// that looks whole; `-o -` writes to standard output.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { App } from '../app.js';
import { ExportFormats, exportFormat, exportTitle } from '../core/export-formats.js';
import { normalizeTags } from '../core/tags.js';
import { fail, LocalWorkspace, usageError } from './common.js';

export async function exportCommand(app: App, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      tag: { type: 'string', multiple: true, short: 't' },
      text: { type: 'string', short: 'q' },
      workspace: { type: 'string', short: 'w' },
      format: { type: 'string', short: 'f' },
      output: { type: 'string', short: 'o' },
    },
  });
  if (positionals.length) return usageError(`export takes options only, not ${positionals.join(' ')}`);
  const format = exportFormat(values.format);
  if (!format) return usageError(`export needs --format, one of ${Object.keys(ExportFormats).join(', ')}`);
  if (!values.output) return usageError('export needs -o FILE (or -o - for standard output)');
  const query = { workspaceId: values.workspace ?? LocalWorkspace.id, tags: normalizeTags(values.tag ?? []), text: values.text?.trim() || undefined, viewer: null };
  const toStdout = values.output === '-';
  const partial = `${values.output}.partial`;
  const out = toStdout ? process.stdout : fs.createWriteStream(partial);
  try {
    const summary = await format.write(app.service, query, out, exportTitle(query));
    if (!toStdout) await fs.promises.rename(partial, values.output);
    const where = toStdout ? 'standard output' : values.output;
    process.stderr.write(`Exported ${summary.count} ${summary.count === 1 ? 'link' : 'links'} to ${where}.\n`);
    for (const left of summary.leftOut) process.stderr.write(`  left out ${left.url}: ${left.reason}\n`);
    return 0;
  } catch (error) {
    if (!toStdout) await fs.promises.rm(partial, { force: true });
    return fail(error, false);
  }
}
