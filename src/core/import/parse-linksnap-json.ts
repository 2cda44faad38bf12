// linksnap's own `json` export read back (one JSON object a line, see json-lines-writer.ts), so a
// backup restores the same links, tags and share dates.
import { dateFromAny } from './import-dates.js';
import { ImportErrors, finishImport } from './finish-import.js';
import type { ImportParse, RawImportEntry } from './import-types.js';
import { isRecord, stringOrNull, tagNames } from './json-shape.js';

/** True when the line is one link of a linksnap json export. */
export function isLinksnapJsonLine(line: string): boolean {
  try {
    const value: unknown = JSON.parse(line);
    return isRecord(value) && typeof value.url === 'string' && Array.isArray(value.tags) && Array.isArray(value.versions);
  } catch {
    return false;
  }
}

export function parseLinksnapJson(text: string): ImportParse {
  const errors = new ImportErrors();
  const entries: RawImportEntry[] = [];
  let line = 0;
  for (const raw of text.split('\n')) {
    line++;
    if (!raw.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      errors.add(line, 'not a JSON object; skipped');
      continue;
    }
    if (!isRecord(value) || typeof value.url !== 'string') {
      errors.add(line, 'has no "url"; skipped');
      continue;
    }
    entries.push({ url: value.url, title: stringOrNull(value.title), tags: tagNames(value.tags), addedAt: dateFromAny(value.createdAt), line });
  }
  return finishImport('linksnap-json', entries, errors);
}
