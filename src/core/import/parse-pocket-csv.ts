// Pocket's export (part_000000.csv): a header `title,url,time_added,tags,status`, time in Unix
// seconds, tags joined with `|`. Columns are found by header name, so reordered or extra columns
// (a later Pocket added `cursor`) still read. A comma separates tags too: Pocket's tag field split
// on commas, so its tags hold none, and Raindrop's CSV writes "a, b" (with `created` as ISO time).
import { parse } from 'csv-parse/sync';
import { InvalidInputError } from '../errors.js';
import { dateFromAny } from './import-dates.js';
import { ImportErrors, finishImport } from './finish-import.js';
import type { ImportParse, RawImportEntry } from './import-types.js';

/** Header names of a CSV's first line, lower-cased; null when it has no `url` column. */
export function csvUrlHeader(text: string): string[] | null {
  const firstLine = text.slice(0, text.search(/\r?\n|$/u));
  if (!firstLine.includes(',')) return null;
  let header: string[];
  try {
    header = (parse(firstLine, { relax_quotes: true }) as string[][])[0] ?? [];
  } catch {
    return null;
  }
  const names = header.map((name) => name.trim().toLowerCase());
  return names.includes('url') ? names : null;
}

export function parsePocketCsv(text: string): ImportParse {
  const header = csvUrlHeader(text);
  if (!header) throw new InvalidInputError('This CSV file has no "url" column in its first line, so it is not a Pocket export.');
  const column = (name: string) => header.indexOf(name);
  const [urlAt, titleAt, tagsAt] = [column('url'), column('title'), column('tags')];
  const timeAt = column('time_added') >= 0 ? column('time_added') : column('created');
  const errors = new ImportErrors();
  const records = parse(text, {
    from_line: 2,
    info: true,
    // A stray quote in a title must cost that row, not swallow the rest of the file.
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_skip: (error) => {
      if (error) errors.add(Number(error.lines) || 1, `not a readable CSV row (${error.message.replace(/ at line \d+/u, '')})`);
      return undefined;
    },
  }) as unknown as Array<{ record: string[]; info: { lines: number } }>;

  const entries: RawImportEntry[] = [];
  for (const { record, info } of records) {
    // csv-parse reports the line a record ends on; a title with line breaks started earlier.
    const line = info.lines - record.reduce((breaks, field) => breaks + (field.match(/\n/gu)?.length ?? 0), 0);
    if (record.length <= urlAt) {
      errors.add(line, `has no url (${record.length} of ${header.length} columns)`);
      continue;
    }
    entries.push({
      url: record[urlAt],
      title: titleAt >= 0 ? record[titleAt] : null,
      tags: tagsAt >= 0 ? (record[tagsAt] ?? '').split(/[|,]/u) : [],
      addedAt: timeAt >= 0 ? dateFromAny(record[timeAt]) : null,
      line,
    });
  }
  return finishImport('pocket-csv', entries, errors);
}
