// Atom 1.0 (RFC 4287) feeds of a workspace's or a tag's newest snapshots, for feed readers. Written
// as text, not through a DOM, so every value goes through one escape that also drops characters
// XML 1.0 forbids: a single control character from a page title would make readers reject the feed.
import { escapeMarkup } from '../export/markup-escape.js';
import { summaryText } from './summary-text.js';

export const AtomNamespace = 'http://www.w3.org/2005/Atom';
/** Media RSS: media:thumbnail is what feed readers show as an entry's picture. */
export const MediaNamespace = 'http://search.yahoo.com/mrss/';

/** Summaries are cut to this many characters, as a reader shows a few lines under the title. */
export const AtomSummaryChars = 300;

export interface AtomEntry {
  /** A permanent IRI for the entry, e.g. `urn:linksnap:snapshot:<id>`; readers dedupe by it. */
  id: string;
  /** The page title; the page's URL is shown when null. */
  title: string | null;
  /** The snapshot view: where the entry's link goes. */
  viewUrl: string;
  /** The page that was captured (written as rel="related"). */
  url: string;
  updated: Date | string;
  published?: Date | string | null;
  /** Absolute URL of the thumbnail. */
  thumbnailUrl?: string | null;
  /** Readable text of the page; only its start is used. */
  text?: string | null;
  tags?: string[];
  /** Who shared it. */
  author?: string | null;
}

export interface AtomFeedInput {
  /** A permanent IRI for the feed. */
  id: string;
  title: string;
  /** When the newest entry changed. */
  updated: Date | string;
  /** The feed's own URL (rel="self"). */
  selfUrl: string;
  /** The page the feed mirrors, e.g. the tag's page in the web UI (rel="alternate"). */
  alternateUrl: string;
  entries: AtomEntry[];
  subtitle?: string | null;
  /** Atom requires an author for every entry; this one stands for entries without their own. */
  author?: string;
}

export function atomFeed(feed: AtomFeedInput): string {
  const parts = [
    '<?xml version="1.0" encoding="utf-8"?>\n',
    `<feed xmlns="${AtomNamespace}" xmlns:media="${MediaNamespace}">\n`,
    `  <id>${escapeMarkup(feed.id)}</id>\n`,
    `  <title>${escapeMarkup(feed.title)}</title>\n`,
    feed.subtitle ? `  <subtitle>${escapeMarkup(feed.subtitle)}</subtitle>\n` : '',
    `  <updated>${rfc3339(feed.updated)}</updated>\n`,
    `  <link rel="self" type="application/atom+xml" href="${escapeMarkup(feed.selfUrl)}"/>\n`,
    `  <link rel="alternate" type="text/html" href="${escapeMarkup(feed.alternateUrl)}"/>\n`,
    `  <author><name>${escapeMarkup(feed.author ?? 'linksnap')}</name></author>\n`,
    '  <generator>linksnap</generator>\n',
  ];
  for (const entry of feed.entries) parts.push(atomEntry(entry));
  parts.push('</feed>\n');
  return parts.join('');
}

function atomEntry(entry: AtomEntry): string {
  const title = entry.title?.replace(/\s+/gu, ' ').trim() || entry.url;
  const summary = entry.text ? summaryText(entry.text, AtomSummaryChars) : '';
  const lines = [
    '  <entry>\n',
    `    <id>${escapeMarkup(entry.id)}</id>\n`,
    `    <title type="text">${escapeMarkup(title)}</title>\n`,
    `    <updated>${rfc3339(entry.updated)}</updated>\n`,
    entry.published ? `    <published>${rfc3339(entry.published)}</published>\n` : '',
    `    <link rel="alternate" type="text/html" href="${escapeMarkup(entry.viewUrl)}"/>\n`,
    `    <link rel="related" href="${escapeMarkup(entry.url)}"/>\n`,
    entry.author ? `    <author><name>${escapeMarkup(entry.author)}</name></author>\n` : '',
    ...(entry.tags ?? []).map((tag) => `    <category term="${escapeMarkup(tag)}"/>\n`),
    entry.thumbnailUrl ? `    <media:thumbnail url="${escapeMarkup(entry.thumbnailUrl)}"/>\n` : '',
    summary ? `    <summary type="text">${escapeMarkup(summary)}</summary>\n` : '',
    '  </entry>\n',
  ];
  return lines.join('');
}

/** RFC 3339 in UTC, as Atom requires; an invalid date is a bug in the caller, not something to publish. */
function rfc3339(value: Date | string): string {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw new RangeError(`Not a date for an Atom feed: ${String(value)}`);
  return date.toISOString();
}
