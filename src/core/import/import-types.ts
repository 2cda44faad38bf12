// What every import format is read into, so the service stores one shape whatever tool it came from.

export type ImportFormat = 'netscape' | 'pocket-csv' | 'karakeep' | 'linkwarden' | 'url-list' | 'linksnap-json';

/** One link to import: URL and tags normalised as snap() and tagging do, so an import dedupes against existing links. */
export interface ImportItem {
  url: string;
  title: string | null;
  tags: string[];
  /** When the link was saved in the other tool (kept as the share time); null when the file does not say. */
  addedAt: Date | null;
  /** Line of the file where the link (its first occurrence) is; 1-based. */
  line: number;
}

export interface ImportLineError {
  line: number;
  /** Ready to show as is: starts with "line N:" and names what was wrong. */
  message: string;
}

export interface ImportParse {
  format: ImportFormat;
  items: ImportItem[];
  errors: ImportLineError[];
  /** Bad lines beyond MaxListedImportErrors, counted but not listed. */
  errorsNotListed: number;
}

/**
 * A link as a format parser found it, before normalisation. Parsers only read their format; the
 * rules a link must pass (http(s), normalised URL and tags, duplicates merged) live in one place.
 */
export interface RawImportEntry {
  url: string;
  title?: string | null;
  tags?: Iterable<string>;
  addedAt?: Date | null;
  line: number;
}

/**
 * Import files are read whole into memory (parse5 builds the full tree), so they are bounded. 50 MiB
 * holds a few hundred thousand bookmarks even with the favicons Firefox inlines as data: URIs.
 */
export const MaxImportBytes = 50 * 1024 * 1024;

/** A file of garbage would otherwise produce one error per line; past this many they are only counted. */
export const MaxListedImportErrors = 1000;
