// The rules every imported link passes, whatever format it came in: the URL as snap() normalises it,
// tags as tagging normalises them, and one item per URL.
import { InvalidUrlError, UnsupportedSchemeError } from '../errors.js';
import { truncate } from '../errors.js';
import { normalizeTags } from '../tags.js';
import { normalizeUrl } from '../url.js';
import {
  MaxListedImportErrors,
  type ImportFormat,
  type ImportItem,
  type ImportLineError,
  type ImportParse,
  type RawImportEntry,
} from './import-types.js';

/** Collects line errors, listing the first MaxListedImportErrors and counting the rest. */
export class ImportErrors {
  readonly listed: ImportLineError[] = [];
  notListed = 0;

  add(line: number, what: string): void {
    if (this.listed.length >= MaxListedImportErrors) {
      this.notListed++;
      return;
    }
    this.listed.push({ line, message: `line ${line}: ${what}` });
  }
}

/** Normalises and merges raw entries in file order; duplicates keep the first line and title, all tags and the earliest date. */
export function finishImport(format: ImportFormat, entries: Iterable<RawImportEntry>, errors: ImportErrors): ImportParse {
  const byUrl = new Map<string, ImportItem>();
  for (const entry of entries) {
    const url = normalizeImportUrl(entry.url, entry.line, errors);
    if (!url) continue;
    const tags = normalizeTags(entry.tags ?? []);
    const title = cleanTitle(entry.title, url, entry.url);
    const addedAt = entry.addedAt && !Number.isNaN(entry.addedAt.getTime()) ? entry.addedAt : null;
    const seen = byUrl.get(url);
    if (!seen) {
      byUrl.set(url, { url, title, tags, addedAt, line: entry.line });
      continue;
    }
    seen.title ??= title;
    if (tags.length) seen.tags = normalizeTags([...seen.tags, ...tags]);
    if (addedAt && (!seen.addedAt || addedAt < seen.addedAt)) seen.addedAt = addedAt;
  }
  // Format checks run while reading and URL checks after, so the two lists interleave by line.
  const listed = [...errors.listed].sort((a, b) => a.line - b.line);
  return { format, items: [...byUrl.values()], errors: listed, errorsNotListed: errors.notListed };
}

function normalizeImportUrl(raw: string, line: number, errors: ImportErrors): string | null {
  const shown = JSON.stringify(truncate(raw.trim(), 120));
  if (!raw.trim()) {
    errors.add(line, 'no web address');
    return null;
  }
  try {
    return normalizeUrl(raw);
  } catch (error) {
    if (error instanceof UnsupportedSchemeError) {
      const scheme = String(error.details.scheme);
      errors.add(line, `${shown} is not a web address (${scheme}: links cannot be imported, only http and https)`);
    } else if (error instanceof InvalidUrlError) {
      errors.add(line, `${shown} is not a web address (${String(error.details.why)})`);
    } else {
      errors.add(line, `${shown} is not a web address`);
    }
    return null;
  }
}

/** A title that is only the address (what exporters write when there is none) is no title. */
function cleanTitle(title: string | null | undefined, url: string, rawUrl: string): string | null {
  const text = title?.replace(/\s+/gu, ' ').trim();
  if (!text || text === url || text === rawUrl.trim()) return null;
  return text;
}
