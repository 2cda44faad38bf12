// What a chat reply says about a snapshot, independent of how Discord embeds or Slack blocks draw it.
// Both adapters render these fields, so the wording stays the same everywhere.
import { asLinksnapError } from '../errors.js';
import { describeError, t, type Locale } from '../i18n.js';
import type { ArtifactRef, Link, Snapshot, SnapshotStatus } from '../types.js';
import { displayHost } from '../url.js';
import { chatText } from './wording.js';

export interface SnapshotCard {
  title: string;
  /** The link as shared (normalised). */
  url: string;
  finalUrl: string | null;
  site: string;
  description: string | null;
  tags: string[];
  capturedAt: string | null;
  viewUrl: string;
  status: SnapshotStatus;
  /** Set when the capture was kept but looks incomplete. */
  degradedNote: string | null;
  /** Set when the capture failed: a specific, localised sentence. */
  errorText: string | null;
  thumbnail: ArtifactRef | null;
  httpStatus: number | null;
  /** "Changed since <date> …" when this version differs from the previous one ("No change since …" when it does not); null for a first version. */
  changeNote: string | null;
  /** The diff view from the previous version, when the page changed. */
  changesUrl: string | null;
}

export function snapshotCard(
  snapshot: Snapshot,
  link: Link,
  options: { locale: Locale | string | null; viewUrl: string; diffUrl?: (snapshot: Snapshot, againstId: string) => string },
): SnapshotCard {
  const { locale, viewUrl } = options;
  const change = snapshot.status === 'done' ? snapshot.change : null;
  return {
    title: snapshot.title?.trim() || t(locale, 'untitled'),
    url: link.url,
    finalUrl: snapshot.finalUrl && snapshot.finalUrl !== link.url ? snapshot.finalUrl : null,
    site: snapshot.siteName?.trim() || displayHost(snapshot.finalUrl ?? link.url),
    description: snapshot.description ? truncateText(snapshot.description, 300) : null,
    tags: link.tags,
    capturedAt: snapshot.capturedAt,
    viewUrl,
    status: snapshot.status,
    degradedNote: snapshot.degraded ? t(locale, 'snap.degraded', { reason: snapshot.degradedReason ?? '?' }) : null,
    errorText:
      snapshot.status === 'failed'
        ? t(locale, 'snap.failed', { url: link.url, reason: describeError(locale, snapshot.errorCode, snapshot.error) })
        : null,
    thumbnail: snapshot.artifacts.thumbnail ?? null,
    httpStatus: snapshot.httpStatus,
    changeNote: change
      ? change.changed
        ? chatText(locale, 'card.changedSince', { date: shortDate(change.previousCapturedAt), added: change.added, removed: change.removed })
        : chatText(locale, 'card.unchangedSince', { date: shortDate(change.previousCapturedAt) })
      : null,
    changesUrl: change?.changed && options.diffUrl ? options.diffUrl(snapshot, change.previousId) : null,
  };
}

/** A specific, localised sentence for anything thrown at an adapter. */
export function errorMessage(locale: Locale | string | null, error: unknown): string {
  const coded = asLinksnapError(error);
  return describeError(locale, coded.code, coded.message);
}

/** Short human time ("5 min ago", "5 分钟前") for "already shared …" notices. */
export function relativeTime(locale: Locale | string | null, iso: string, now: number = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  const zh = typeof locale === 'string' && locale.toLowerCase().startsWith('zh');
  const units: Array<[number, string, string]> = [
    [86_400, 'd', '天'],
    [3_600, 'h', '小时'],
    [60, 'min', '分钟'],
  ];
  for (const [size, en, cn] of units) {
    if (seconds >= size) {
      const count = Math.floor(seconds / size);
      return zh ? `${count} ${cn}前` : `${count} ${en} ago`;
    }
  }
  return zh ? '刚刚' : 'just now';
}

export function truncateText(text: string, max: number): string {
  const chars = [...text];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : text;
}

/** A date and time readable on every platform, in UTC: 2026-12-06 23:50 UTC. */
export function shortDate(iso: string | null): string {
  if (!iso) return '—';
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}
