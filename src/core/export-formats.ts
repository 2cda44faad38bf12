// The formats `linksnap export` and GET /api/export write, by the name both take (--format /
// format=). Each streams to the writable it is given and says what it left out.
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { exportLinks, type ExportOptions } from './export-links.js';
import type { ExportQuery } from './export-matching.js';
import { exportZip, type ZipExportSource } from './export-zip.js';
import { jsonLines } from './export/json-lines-writer.js';
import { netscapeBookmarks } from './export/netscape-writer.js';
import type { ExportLink } from './export/export-types.js';
import { exportWacz } from './wacz/export-wacz.js';

/** What every format reads: find, versions, shares and artifacts (the service). */
export type ExportService = ZipExportSource;

export interface ExportSummary {
  /** Links (or pages) written. */
  count: number;
  leftOut: Array<{ url: string; reason: string }>;
}

export interface ExportFormat {
  mime: string;
  extension: string;
  write(source: ExportService, query: ExportQuery, out: Writable, title: string, options?: ExportOptions): Promise<ExportSummary>;
}

export const ExportFormats: Record<string, ExportFormat> = {
  wacz: {
    mime: 'application/wacz',
    extension: 'wacz',
    async write(source, query, out, title) {
      const summary = await exportWacz(source, query, out, title);
      return { count: summary.pages, leftOut: summary.leftOut };
    },
  },
  netscape: {
    mime: 'text/html; charset=utf-8',
    extension: 'html',
    async write(source, query, out, title, options) {
      // One folder per first tag needs the links grouped; a bookmark file is small (no artifacts),
      // so they are gathered first. Within a folder, the find's order (newest first) is kept.
      const links: ExportLink[] = [];
      for await (const { link } of exportLinks(source, query, options)) links.push(link);
      const byFolder = links.map((link, i) => ({ link, i })).sort((a, b) => (a.link.tags[0] ?? '').localeCompare(b.link.tags[0] ?? '') || a.i - b.i);
      await pipeline(Readable.from(netscapeBookmarks(byFolder.map((entry) => entry.link), { title })), out);
      return { count: links.length, leftOut: [] };
    },
  },
  json: {
    mime: 'application/x-ndjson; charset=utf-8',
    extension: 'jsonl',
    async write(source, query, out, _title, options) {
      let count = 0;
      async function* counted() {
        for await (const { link } of exportLinks(source, query, options)) {
          count += 1;
          yield link;
        }
      }
      await pipeline(Readable.from(jsonLines(counted())), out);
      return { count, leftOut: [] };
    },
  },
  zip: {
    mime: 'application/zip',
    extension: 'zip',
    async write(source, query, out, title, options) {
      const summary = await exportZip(source, query, out, title, options);
      return { count: summary.links, leftOut: summary.leftOut };
    },
  },
};

export function exportFormat(name: string | null | undefined): ExportFormat | null {
  return name && Object.hasOwn(ExportFormats, name) ? ExportFormats[name] : null;
}

/** "linksnap export: #news #ai, "launch"" as the package's title. */
export function exportTitle(query: ExportQuery): string {
  const what = [...query.tags.map((tag) => `#${tag}`), ...(query.text ? [`"${query.text}"`] : [])].join(' ');
  return `linksnap export${what ? `: ${what}` : ` of workspace ${query.workspaceId}`}`;
}

/** A file name for the download: the tags, the date, the format's extension. */
export function exportFileName(query: ExportQuery, format: ExportFormat, now: Date = new Date()): string {
  const tags = query.tags.join('-').replace(/[^\p{L}\p{N}_-]+/gu, '').slice(0, 60);
  return `linksnap-${tags || query.workspaceId}-${now.toISOString().slice(0, 10)}.${format.extension}`;
}
