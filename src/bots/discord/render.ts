// Discord shapes of the presentation in core/chat/present.ts: embeds, attachments and buttons.
// Attachments are referenced from embeds as attachment://<name>, which is how Discord shows an
// uploaded thumbnail inside an embed.
import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  EmbedBuilder,
  type APIEmbed,
  type APIActionRowComponent,
  type APIComponentInMessageActionRow,
} from 'discord.js';
import type { FindPage } from '../../core/chat/find-pager.js';
import { shortDate, snapshotCard, truncateText, type SnapshotCard } from '../../core/chat/present.js';
import { chatText } from '../../core/chat/wording.js';
import { t } from '../../core/i18n.js';
import type { ArtifactRef, Link, Snapshot, TagCount } from '../../core/types.js';
import { dt } from './messages.js';

/** A stored artifact to upload with the message; its bytes are read from the blob store when sent. */
export interface FileToSend {
  artifact: ArtifactRef;
  name: string;
}

export interface ReplyBody {
  content: string;
  embeds: APIEmbed[];
  files: FileToSend[];
  components: Array<APIActionRowComponent<APIComponentInMessageActionRow>>;
}

const EmbedColour = { done: 0x2b8a3e, degraded: 0xe8590c, failed: 0xc92a2a, list: 0x1c7ed6 } as const;

/** Discord renders `<t:…:f>` in each reader's own time zone and language. */
function discordTime(iso: string | null): string | null {
  if (!iso) return null;
  const seconds = Math.floor(Date.parse(iso) / 1000);
  return Number.isFinite(seconds) ? `<t:${seconds}:f>` : null;
}

const ImageExtensions: Record<string, string> = { 'image/png': '.png', 'image/jpeg': '.jpg', 'image/webp': '.webp' };

function thumbnailFile(thumbnail: ArtifactRef | null, name: string): FileToSend | null {
  if (!thumbnail) return null;
  return { artifact: thumbnail, name: `${name}${ImageExtensions[thumbnail.mime] ?? '.webp'}` };
}

/** The signed diff view from `againstId` to a snapshot. */
export type DiffUrl = (snapshot: Pick<Snapshot, 'id'>, againstId: string) => string;

/**
 * The final answer to a capture: an embed with the card, the thumbnail, and link buttons. A version
 * that differs from the previous one says so ("Changed since …") with a button to the diff.
 */
export function snapshotReply(
  snapshot: Snapshot,
  link: Link,
  options: { locale: string; viewUrl: string; diffUrl?: DiffUrl; note?: string | null },
): ReplyBody {
  const card = snapshotCard(snapshot, link, { locale: options.locale, viewUrl: options.viewUrl, diffUrl: options.diffUrl });
  if (card.status === 'failed') {
    return { content: [card.errorText ?? '', options.note ?? ''].filter(Boolean).join('\n'), embeds: [], files: [], components: [] };
  }
  const thumb = thumbnailFile(card.thumbnail, 'thumbnail');
  const embed = cardEmbed(card, options.locale);
  if (thumb) embed.setImage(`attachment://${thumb.name}`);
  const lines = [card.degradedNote, card.changeNote, options.note].filter(Boolean) as string[];
  const buttons = [{ label: t(options.locale, 'snap.view'), url: card.viewUrl }];
  if (card.changesUrl) buttons.push({ label: chatText(options.locale, 'card.viewChanges'), url: card.changesUrl });
  return {
    content: lines.join('\n'),
    embeds: [embed.toJSON()],
    files: thumb ? [thumb] : [],
    components: [linkButtonRow(buttons)],
  };
}

function cardEmbed(card: SnapshotCard, locale: string): EmbedBuilder {
  const embed = new EmbedBuilder()
    .setTitle(truncateText(card.title, 256))
    .setURL(card.viewUrl)
    .setColor(card.degradedNote ? EmbedColour.degraded : EmbedColour.done)
    .addFields({ name: t(locale, 'field.site'), value: truncateText(card.site, 1024), inline: true });
  if (card.description) embed.setDescription(truncateText(card.description, 4096));
  embed.addFields({ name: 'URL', value: truncateText(card.url, 1024) });
  if (card.finalUrl) embed.addFields({ name: t(locale, 'field.finalUrl'), value: truncateText(card.finalUrl, 1024) });
  if (card.tags.length) embed.addFields({ name: t(locale, 'field.tags'), value: truncateText(card.tags.map((tag) => `#${tag}`).join(' '), 1024), inline: true });
  const when = discordTime(card.capturedAt);
  if (when) embed.addFields({ name: t(locale, 'field.captured'), value: when, inline: true });
  if (card.httpStatus && card.httpStatus >= 400) embed.addFields({ name: t(locale, 'field.status'), value: String(card.httpStatus), inline: true });
  return embed;
}

/** Up to five link buttons in one row (Discord's limit per row; labels at most 80 characters). */
export function linkButtonRow(links: Array<{ label: string; url: string }>): APIActionRowComponent<APIComponentInMessageActionRow> {
  return new ActionRowBuilder<ButtonBuilder>()
    .addComponents(links.slice(0, 5).map((link) => new ButtonBuilder().setStyle(ButtonStyle.Link).setURL(link.url).setLabel(truncateText(link.label, 80))))
    .toJSON();
}

/** Progress while the capture runs: plain text, no embed. */
export function progressReply(url: string, locale: string): ReplyBody {
  return { content: t(locale, 'snap.capturing', { url }), embeds: [], files: [], components: [] };
}

export function textReply(content: string): ReplyBody {
  return { content, embeds: [], files: [], components: [] };
}

/** Button custom ids carry the pager session and the page to show: `find:<session>:<index>`. */
export const FindButtonPrefix = 'find:';

export function parseFindButton(customId: string): { sessionId: string; index: number } | null {
  const match = /^find:([A-Za-z0-9_-]+):(\d+)$/.exec(customId);
  return match ? { sessionId: match[1], index: Number(match[2]) } : null;
}

/** One page of /find: a list embed, the top hit's thumbnail, and Previous / Next buttons. */
export function findReply(page: FindPage, options: { locale: string; queryText: string; viewUrl: (snapshot: Pick<Snapshot, 'id'>) => string }): ReplyBody {
  const { locale } = options;
  if (page.items.length === 0) {
    return textReply(t(locale, 'find.none', { query: options.queryText }));
  }
  const lines = page.items.map((item, offset) => {
    const card = snapshotCard(item.snapshot, item.link, { locale, viewUrl: options.viewUrl(item.snapshot) });
    const when = discordTime(card.capturedAt ?? item.snapshot.createdAt);
    const tags = card.tags.length ? ` · ${card.tags.map((tag) => `#${tag}`).join(' ')}` : '';
    const title = truncateText(card.title, 120).replace(/[[\]]/g, '');
    const check = item.link.lastCheck;
    const dead = check?.deadSince ? ` · ⚠️ *${chatText(locale, 'find.dead', { since: discordTime(check.deadSince) ?? shortDate(check.deadSince), reason: check.deadReason ?? 'gone' })}*` : '';
    // An imported link kept without a capture: its time is when it was imported, not captured.
    const uncaptured = card.status === 'not_captured' ? ` · *${chatText(locale, 'find.notCaptured')}*` : '';
    return `**${page.from + offset}.** [${title}](${card.viewUrl}) · ${truncateText(card.url, 200)}${tags}${when ? ` · ${when}` : ''}${uncaptured}${dead}`;
  });
  const embed = new EmbedBuilder()
    .setColor(EmbedColour.list)
    .setTitle(truncateText(t(locale, 'find.header', { query: options.queryText, from: page.from, to: page.to }), 256))
    .setDescription(truncateText(lines.join('\n'), 4096));
  const top = page.items[0];
  const thumb = thumbnailFile(top.snapshot.artifacts.thumbnail ?? null, 'top-hit');
  if (thumb) embed.setThumbnail(`attachment://${thumb.name}`);
  const buttons = new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder()
      .setCustomId(`${FindButtonPrefix}${page.sessionId}:${Math.max(0, page.index - 1)}`)
      .setStyle(ButtonStyle.Secondary)
      .setLabel(t(locale, 'find.previous'))
      .setDisabled(!page.hasPrev),
    new ButtonBuilder()
      .setCustomId(`${FindButtonPrefix}${page.sessionId}:${page.index + 1}`)
      .setStyle(ButtonStyle.Primary)
      .setLabel(t(locale, 'find.next'))
      .setDisabled(!page.hasNext),
  );
  return { content: '', embeds: [embed.toJSON()], files: thumb ? [thumb] : [], components: [buttons.toJSON()] };
}

/** /tags: the workspace's tags with counts, most used first, within one embed. */
export function tagsReply(tags: TagCount[], locale: string): ReplyBody {
  if (tags.length === 0) return textReply(t(locale, 'tags.none'));
  const sorted = [...tags].sort((a, b) => b.count - a.count || a.tag.localeCompare(b.tag));
  const lines: string[] = [];
  let length = 0;
  for (const [index, entry] of sorted.entries()) {
    const line = dt(locale, 'tags.line', { tag: `#${entry.tag}`, count: entry.count });
    if (length + line.length + 40 > 4000) {
      lines.push(dt(locale, 'tags.more', { count: sorted.length - index }));
      break;
    }
    lines.push(line);
    length += line.length + 1;
  }
  const embed = new EmbedBuilder().setColor(EmbedColour.list).setTitle(t(locale, 'tags.header')).setDescription(lines.join('\n'));
  return { content: '', embeds: [embed.toJSON()], files: [], components: [] };
}
