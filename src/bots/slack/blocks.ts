// Block Kit drawings of what core/chat/present.ts says: a snapshot card, a /find page, plain notices.
// Every message also carries `text`, which Slack shows in notifications and to screen readers.
import type { types } from '@slack/bolt';
import type { FindPage } from '../../core/chat/find-pager.js';
import type { SnapshotCard } from '../../core/chat/present.js';
import { truncateText } from '../../core/chat/present.js';
import { chatText } from '../../core/chat/wording.js';
import { t, type Locale } from '../../core/i18n.js';
import type { TagCount } from '../../core/types.js';
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
  /** The link the card shows: adds Retag and Forget buttons for it. */
  manageLinkId?: string | null;
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
        ...manageBlock(extras.manageLinkId, locale),
      ],
    };
  }
  if (card.status === 'not_captured') {
    // An imported link nobody captured yet: say so rather than "Queued", which would promise a capture.
    const text = `${card.url}: ${chatText(locale, 'find.notCaptured')}`;
    return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: escapeMrkdwn(text) } }, ...contextBlock(notes)] };
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
  if (card.changeNote) {
    // A page captured again says what moved since the version before, with the diff one click away.
    const diff = card.changesUrl ? ` ${mrkdwnLink(card.changesUrl, chatText(locale, 'card.viewChanges'))}` : '';
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `${card.changesUrl ? ':pencil2:' : ':heavy_check_mark:'} ${escapeMrkdwn(card.changeNote)}${diff}` } });
  }
  if (card.degradedNote) notes.unshift(`:warning: ${escapeMrkdwn(card.degradedNote)}`);
  blocks.push(...contextBlock(notes));
  blocks.push(...manageBlock(extras.manageLinkId, locale));
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
  /** Per card, a line saying the link is dead (find.dead), or null. */
  deadNotes: Array<string | null> = [],
): SlackMessage {
  if (!cards.length) {
    const text = t(locale, 'find.none', { query: queryLabel });
    return textMessage(text);
  }
  const header = t(locale, 'find.header', { query: queryLabel, from: page.from, to: page.to });
  const blocks: Block[] = [{ type: 'section', text: { type: 'mrkdwn', text: `*${escapeMrkdwn(header)}*` } }];
  cards.forEach((card, position) => {
    const deadNote = deadNotes[position] ?? null;
    const details = [escapeMrkdwn(card.site)];
    if (card.capturedAt) details.push(slackDate(card.capturedAt));
    if (card.status === 'not_captured') details.push(`_${escapeMrkdwn(chatText(locale, 'find.notCaptured'))}_`);
    if (card.tags.length) details.push(card.tags.map((tag) => `\`${escapeMrkdwn(tag)}\``).join(' '));
    const section: types.SectionBlock = {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `*${mrkdwnLink(card.viewUrl, truncateText(card.title, 150))}*\n${details.join(' · ')}\n${mrkdwnLink(card.url, truncateText(card.url, 100))}${deadNote ? `\n:headstone: _${escapeMrkdwn(deadNote)}_` : ''}`,
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

export const ManageActionIds = { retag: 'linksnap_retag', forget: 'linksnap_forget' } as const;
export const RetagViewId = 'linksnap_retag_view';
export const RetagInput = { block: 'tags', action: 'tags_input' } as const;

/**
 * Retag and Forget under a card. Everyone in the channel sees them; who may use them is checked when
 * they are pressed. Forget asks for confirmation in Slack's own dialog before anything is sent.
 */
function manageBlock(linkId: string | null | undefined, locale: Locale): Block[] {
  if (!linkId) return [];
  return [
    {
      type: 'actions',
      block_id: 'linksnap_manage',
      elements: [
        { type: 'button', action_id: ManageActionIds.retag, text: { type: 'plain_text', text: st(locale, 'manage.retag') }, value: linkId },
        {
          type: 'button',
          action_id: ManageActionIds.forget,
          style: 'danger',
          text: { type: 'plain_text', text: st(locale, 'manage.forget') },
          value: linkId,
          confirm: {
            title: { type: 'plain_text', text: st(locale, 'forget.confirmTitle') },
            text: { type: 'plain_text', text: st(locale, 'forget.confirmText') },
            confirm: { type: 'plain_text', text: st(locale, 'manage.forget') },
            deny: { type: 'plain_text', text: st(locale, 'manage.cancel') },
            style: 'danger',
          },
        },
      ],
    },
  ];
}

/** The workspace's tags, most used first, as `tag` (count) within one section (Slack caps it at 3000 characters). */
export function tagsMessage(tags: TagCount[], locale: Locale, footer: string | null = null): SlackMessage {
  if (!tags.length) return textMessage(t(locale, 'tags.none'));
  const header = t(locale, 'tags.header');
  const sorted = [...tags].sort((a, b) => b.count - a.count || a.tag.localeCompare(b.tag));
  const parts: string[] = [];
  let length = 0;
  for (const [index, entry] of sorted.entries()) {
    const part = `\`${escapeMrkdwn(entry.tag)}\` (${entry.count})`;
    if (length + part.length > 2_600) {
      parts.push(escapeMrkdwn(st(locale, 'tags.more', { count: sorted.length - index })));
      break;
    }
    parts.push(part);
    length += part.length + 2;
  }
  const body = [`*${escapeMrkdwn(header)}*`, parts.join('  '), footer ?? ''].filter(Boolean).join('\n');
  const plain = `${header}: ${sorted.slice(0, 50).map((entry) => `${entry.tag} (${entry.count})`).join(', ')}`;
  return { text: plain, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: body } }] };
}

/** What the retag modal carries to its submission: the link and the card to refresh afterwards. */
export interface RetagMetadata {
  workspaceId: string;
  linkId: string;
  channel: string | null;
  messageTs: string | null;
}

export function retagModal(locale: Locale, url: string, currentTags: string[], metadata: RetagMetadata): types.ModalView {
  return {
    type: 'modal',
    callback_id: RetagViewId,
    private_metadata: JSON.stringify(metadata),
    title: { type: 'plain_text', text: truncateText(st(locale, 'retag.title'), 24) },
    submit: { type: 'plain_text', text: st(locale, 'retag.submit') },
    close: { type: 'plain_text', text: st(locale, 'manage.cancel') },
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: mrkdwnLink(url, truncateText(url, 200)) } },
      {
        type: 'input',
        block_id: RetagInput.block,
        optional: true,
        label: { type: 'plain_text', text: st(locale, 'retag.label') },
        hint: { type: 'plain_text', text: st(locale, 'retag.hint') },
        element: {
          type: 'plain_text_input',
          action_id: RetagInput.action,
          initial_value: currentTags.join(' '),
          max_length: 500,
        },
      },
    ],
  };
}
