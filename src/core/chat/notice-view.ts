// What a notice says (a watched page changed, a watch keeps failing, a link died, a digest),
// independent of how Discord embeds or Slack blocks draw it: both adapters render these fields, so
// the wording is the same everywhere and the caps on length are applied once.
import type { ArtifactRef, Notice } from '../types.js';
import { shortDate, truncateText } from './present.js';
import { chatText } from './wording.js';

export interface NoticeLinks {
  /** The signed link to a snapshot's page. */
  snapshotUrl(snapshotId: string): string;
  /** The signed link to the diff view from `againstId` to the snapshot. */
  diffUrl(snapshotId: string, againstId: string): string;
}

export interface NoticeView {
  kind: Notice['payload']['kind'];
  /** One sentence, the post's headline. */
  title: string;
  /** The page the notice is about (absent for a digest). */
  url: string | null;
  /** Body lines; a change's excerpt lines keep their leading '+' or '-'. */
  lines: string[];
  /** Whether `lines` are diff lines (adapters show them as a code block). */
  diffLines: boolean;
  links: Array<{ label: string; url: string }>;
  /** Thumbnails to show, labelled (before / after). */
  images: Array<{ label: string; ref: ArtifactRef }>;
  /** A digest's links by tag. */
  groups: Array<{ tag: string; items: Array<{ title: string; url: string; viewUrl: string }> }>;
  /** Where in the channel: the message whose thread it answers, or null for the channel itself. */
  threadOf: { channelId: string; messageId: string } | null;
}

/** Lines of a change excerpt shown in chat, and characters per line (the excerpt is capped when written too). */
const ExcerptLines = 8;
const LineChars = 180;
/** Thumbnails a digest shows (the first links'). */
const DigestImages = 4;

export function noticeView(notice: Notice, links: NoticeLinks): NoticeView {
  const payload = notice.payload;
  const locale = payload.locale;
  const base = { kind: payload.kind, url: null, lines: [], diffLines: false, links: [], images: [], groups: [], threadOf: null };
  switch (payload.kind) {
    case 'change': {
      const lines = payload.excerpt.slice(0, ExcerptLines).map((line) => truncateText(line, LineChars));
      if (payload.excerpt.length < payload.added + payload.removed) lines.push(chatText(locale, 'notice.change.more'));
      return {
        ...base,
        title: chatText(locale, 'notice.change.title', { title: truncateText(payload.title?.trim() || payload.url, 200) }),
        url: payload.url,
        lines: [chatText(locale, 'notice.change.summary', { added: payload.added, removed: payload.removed, since: shortDate(payload.before.capturedAt) }), ...lines],
        diffLines: true,
        links: [
          { label: chatText(locale, 'notice.change.diff'), url: links.diffUrl(payload.after.snapshotId, payload.before.snapshotId) },
          { label: chatText(locale, 'notice.change.before'), url: links.snapshotUrl(payload.before.snapshotId) },
          { label: chatText(locale, 'notice.change.after'), url: links.snapshotUrl(payload.after.snapshotId) },
        ],
        images: [
          ...(payload.before.thumbnail ? [{ label: chatText(locale, 'notice.change.before'), ref: payload.before.thumbnail }] : []),
          ...(payload.after.thumbnail ? [{ label: chatText(locale, 'notice.change.after'), ref: payload.after.thumbnail }] : []),
        ],
      };
    }
    case 'watch-failing':
      return {
        ...base,
        title: chatText(locale, 'notice.failing.title', { url: payload.url }),
        url: payload.url,
        lines: [chatText(locale, 'notice.failing.body', { count: payload.failures, reason: truncateText(payload.error ?? '?', 300) })],
      };
    case 'dead': {
      const params = { url: payload.url, reason: payload.reason, since: shortDate(payload.deadSince) };
      return {
        ...base,
        title: chatText(locale, 'notice.dead.title', { title: truncateText(payload.title?.trim() || payload.url, 200) }),
        url: payload.url,
        lines: [payload.snapshot ? chatText(locale, 'notice.dead.body', { ...params, captured: shortDate(payload.snapshot.capturedAt) }) : chatText(locale, 'notice.dead.noSnapshot', params)],
        links: payload.snapshot ? [{ label: chatText(locale, 'notice.dead.view'), url: links.snapshotUrl(payload.snapshot.snapshotId) }] : [],
        images: payload.snapshot?.thumbnail ? [{ label: chatText(locale, 'notice.dead.view'), ref: payload.snapshot.thumbnail }] : [],
        threadOf: payload.threadOf,
      };
    }
    case 'digest': {
      const shown = payload.groups.reduce((sum, group) => sum + group.items.length, 0);
      return {
        ...base,
        title: chatText(locale, payload.period === 'weekly' ? 'notice.digest.weekly' : 'notice.digest.daily', { count: payload.total }),
        lines: payload.total > shown ? [chatText(locale, 'notice.digest.more', { count: payload.total - shown })] : [],
        images: payload.groups
          .flatMap((group) => group.items)
          .flatMap((item) => (item.snapshot.thumbnail ? [{ label: truncateText(item.title?.trim() || item.url, 80), ref: item.snapshot.thumbnail }] : []))
          .slice(0, DigestImages),
        groups: payload.groups.map((group) => ({
          tag: group.tag ?? chatText(locale, 'notice.digest.untagged'),
          items: group.items.map((item) => ({ title: truncateText(item.title?.trim() || item.url, 120), url: item.url, viewUrl: links.snapshotUrl(item.snapshot.snapshotId) })),
        })),
      };
    }
  }
}
