// Block Kit drawings of what core/chat/present.ts says: a snapshot card, a /find page, plain notices.
// Every message also carries `text`, which Slack shows in notifications and to screen readers.
import type { types } from '@slack/bolt';
import type { FindPage } from '../../core/chat/find-pager.js';
import type { SnapshotCard } from '../../core/chat/present.js';
import { truncateText } from '../../core/chat/present.js';
import { t, type Locale } from '../../core/i18n.js';
import { st } from './messages.js';

export type Block = types.KnownBlock;

export interface SlackMessage {
  text: string;
  blocks: Block[];
}

/** Slack mrkdwn treats `&`, `<` and `>` as control characters; everything shown from a page is escaped. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A link in mrkdwn; the label may not contain `|` or `>`, the URL may not contain `>` or `|`. */
export function mrkdwnLink(url: string, label: string): string {
  const safeUrl = url.replace(/[<>|]/g, (c) => encodeURIComponent(c));
  return `<${safeUrl}|${escapeMrkdwn(label).replace(/\|/g, '¦')}>`;
}

/** Slack draws the date in each reader's own time zone and format; the ISO text is the fallback. */
export function slackDate(iso: string): string {
  const seconds = Math.floor(Date.parse(iso) / 1000);
  return Number.isFinite(seconds) ? `<!date^${seconds}^{date_short_pretty} {time}|${iso}>` : escapeMrkdwn(iso);
}

export function textMessage(text: string): SlackMessage {
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: escapeMrkdwn(text) } }] };
}

export interface CardExtras {
  /** A Slack file id of the uploaded thumbnail. */
  thumbnailFileId?: string | null;
  /** Context lines shown under the card (repost notice, who asked). */
  notes?: string[];
}

export function snapshotCardMessage(card: SnapshotCard, locale: Locale, extras: CardExtras = {}): SlackMessage {
  const notes = (extras.notes ?? []).filter(Boolean);
  if (card.status === 'failed') {
    const text = card.errorText ?? t(locale, 'snap.failed', { url: card.url, reason: '?' });
    return {
      text,
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: `:warning: ${escapeMrkdwn(text)}` } },
        ...contextBlock(notes),
      ],
    };
  }
  if (card.status !== 'done') {
    const text = t(locale, card.status === 'capturing' ? 'snap.capturing' : 'snap.queued', { url: card.url });
    return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `:hourglass: ${escapeMrkdwn(text)}` } }, ...contextBlock(notes)] };
  }
  const fields: types.MrkdwnElement[] = [
    { type: 'mrkdwn', text: `*${t(locale, 'field.site')}*\n${escapeMrkdwn(card.site)}` },
  ];
  if (card.capturedAt) fields.push({ type: 'mrkdwn', text: `*${t(locale, 'field.captured')}*\n${slackDate(card.capturedAt)}` });
  if (card.finalUrl) fields.push({ type: 'mrkdwn', text: `*${t(locale, 'field.finalUrl')}*\n${mrkdwnLink(card.finalUrl, truncateText(card.finalUrl, 120))}` });
  if (card.tags.length) fields.push({ type: 'mrkdwn', text: `*${t(locale, 'field.tags')}*\n${card.tags.map((tag) => `\`${escapeMrkdwn(tag)}\``).join(' ')}` });
  const blocks: Block[] = [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `*${mrkdwnLink(card.url, truncateText(card.title, 200))}*${card.description ? `\n${escapeMrkdwn(card.description)}` : ''}`,
      },
    },
    { type: 'section', fields },
  ];
  if (extras.thumbnailFileId) {
    blocks.push({
      type: 'image',
      slack_file: { id: extras.thumbnailFileId },
      alt_text: truncateText(st(locale, 'find.thumbnail', { title: card.title }), 2000),
    } as Block);
  }
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `:camera: ${mrkdwnLink(card.viewUrl, t(locale, 'snap.view'))}` } });
  if (card.degradedNote) notes.unshift(`:warning: ${escapeMrkdwn(card.degradedNote)}`);
  blocks.push(...contextBlock(notes));
  return { text: `${t(locale, 'snap.done')}: ${card.title} ${card.url}`, blocks };
}

export const FindActionIds = { previous: 'linksnap_find_previous', next: 'linksnap_find_next' } as const;

/** What a Previous/Next button carries: the pager session and the page it opens. */
export function findButtonValue(sessionId: string, index: number): string {
  return `${sessionId}:${index}`;
}

export function parseFindButtonValue(value: string | undefined): { sessionId: string; index: number } | null {
  const match = /^([\w-]+):(\d+)$/.exec(value ?? '');
  return match ? { sessionId: match[1], index: Number(match[2]) } : null;
}

export function findPageMessage(
  page: FindPage,
  cards: SnapshotCard[],
  locale: Locale,
  queryLabel: string,
  topThumbnailFileId: string | null,
): SlackMessage {
  if (!cards.length) {
    const text = t(locale, 'find.none', { query: queryLabel });
    return textMessage(text);
  }
  const header = t(locale, 'find.header', { query: queryLabel, from: page.from, to: page.to });
  const blocks: Block[] = [{ type: 'section', text: { type: 'mrkdwn', text: `*${escapeMrkdwn(header)}*` } }];
  cards.forEach((card, position) => {
    const details = [escapeMrkdwn(card.site)];
    if (card.capturedAt) details.push(slackDate(card.capturedAt));
    if (card.tags.length) details.push(card.tags.map((tag) => `\`${escapeMrkdwn(tag)}\``).join(' '));
    const section: types.SectionBlock = {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `*${mrkdwnLink(card.viewUrl, truncateText(card.title, 150))}*\n${details.join(' · ')}\n${mrkdwnLink(card.url, truncateText(card.url, 100))}`,
      },
    };
    if (position === 0 && topThumbnailFileId) {
      section.accessory = { type: 'image', slack_file: { id: topThumbnailFileId }, alt_text: st(locale, 'find.thumbnail', { title: card.title }) } as types.ImageElement;
    }
    blocks.push(section);
  });
  const buttons: types.Button[] = [];
  if (page.hasPrev) {
    buttons.push({ type: 'button', action_id: FindActionIds.previous, text: { type: 'plain_text', text: t(locale, 'find.previous') }, value: findButtonValue(page.sessionId, page.index - 1) });
  }
  if (page.hasNext) {
    buttons.push({ type: 'button', action_id: FindActionIds.next, text: { type: 'plain_text', text: t(locale, 'find.next') }, value: findButtonValue(page.sessionId, page.index + 1) });
  }
  if (buttons.length) blocks.push({ type: 'actions', elements: buttons });
  return { text: header, blocks };
}

function contextBlock(notes: string[]): Block[] {
  return notes.length ? [{ type: 'context', elements: notes.slice(0, 10).map((note) => ({ type: 'mrkdwn', text: note })) }] : [];
}
