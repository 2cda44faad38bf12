// The formats `linksnap export` and GET /api/export write, by the name both take (--format /
// format=). Each streams to the writable it is given and says what it left out.
import type { Writable } from 'node:stream';
import type { ExportQuery } from './export-matching.js';
import { exportWacz, type ExportSource } from './wacz/export-wacz.js';

export interface ExportSummary {
  /** Links (or pages) written. */
  count: number;
  leftOut: Array<{ url: string; reason: string }>;
}

export interface ExportFormat {
  mime: string;
  extension: string;
  write(source: ExportSource, query: ExportQuery, out: Writable, title: string): Promise<ExportSummary>;
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
