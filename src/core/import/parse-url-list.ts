// The simplest export there is: one address a line. Blank lines and `#` comments are allowed so a
// hand-kept list can say what it is.
import { ImportErrors, finishImport } from './finish-import.js';
import type { ImportParse, RawImportEntry } from './import-types.js';

export function parseUrlList(text: string): ImportParse {
  const errors = new ImportErrors();
  const entries: RawImportEntry[] = [];
  let line = 0;
  for (const raw of text.split('\n')) {
    line++;
    const value = raw.trim();
    if (!value || value.startsWith('#')) continue;
    entries.push({ url: value, line });
  }
  return finishImport('url-list', entries, errors);
}

/** Whether a line is what a URL list holds, for telling a URL list from other text. */
export function isUrlListLine(line: string): boolean {
  return /^https?:\/\/\S+$/iu.test(line.trim());
}
