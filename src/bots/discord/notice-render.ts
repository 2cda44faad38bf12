// Discord shapes of the notices in core/chat/notice-view.ts: one message with an embed per notice.
// A change shows its +/− lines as a ```diff block (Discord colours them) and its before/after
// thumbnails side by side: embeds that share a url are drawn by Discord as one embed with an image
// gallery. A digest lists its links as one embed field per tag, within Discord's embed limits.
import { EmbedBuilder, type APIEmbed } from 'discord.js';
import type { NoticeView } from '../../core/chat/notice-view.js';
import { truncateText } from '../../core/chat/present.js';
import { chatText } from '../../core/chat/wording.js';
import type { ArtifactRef } from '../../core/types.js';
import { dt } from './messages.js';
import { linkButtonRow, type FileToSend, type ReplyBody } from './render.js';

/** Discord's embed limits (characters), with room left for what discord.js does not count. */
const EmbedLimits = { title: 256, description: 4096, fieldName: 256, fieldValue: 1024, fields: 25, total: 5800 } as const satisfies Record<string, number>;

const NoticeColour = { change: 0xf08c00, 'watch-failing': 0xe8590c, dead: 0xc92a2a, digest: 0x1c7ed6 } as const satisfies Record<NoticeView['kind'], number>;

const ImageExtensions: Record<string, string> = { 'image/png': '.png', 'image/jpeg': '.jpg', 'image/webp': '.webp' };

function imageFile(ref: ArtifactRef, name: string): FileToSend {
  return { artifact: ref, name: `${name}${ImageExtensions[ref.mime] ?? '.webp'}` };
}

/** A +/− line of a change excerpt (the other lines are the summary and "… and more"). */
const DiffLine = /^[+-]/;

/** `digestTotal`: how many links a digest had in its period (the view holds at most the core's cap). */
export function noticeReply(view: NoticeView, locale: string, digestTotal = 0): ReplyBody {
  const embed = new EmbedBuilder().setColor(NoticeColour[view.kind]).setTitle(truncateText(view.title, EmbedLimits.title));
  // A dead page is no use to open: its title leads to the snapshot instead.
  const url = view.kind === 'dead' ? (view.links[0]?.url ?? view.url) : view.url;
  if (url) embed.setURL(url);
  if (view.kind === 'digest') return digestReply(view, locale, embed, digestTotal);

  const description = view.diffLines ? withDiffBlock(view.lines) : view.lines.join('\n');
  if (description) embed.setDescription(truncateText(description, EmbedLimits.description));
  const files = view.images.map((image, index) => imageFile(image.ref, `${view.kind}-${index + 1}`));
  const embeds: APIEmbed[] = [];
  if (files[0]) embed.setImage(`attachment://${files[0].name}`);
  if (files.length > 1 && url) {
    // Read left to right, as the gallery draws them.
    embed.setFooter({ text: view.images.map((image) => image.label).join(' · ') });
    embeds.push(embed.toJSON(), ...files.slice(1, 4).map((file) => ({ url, image: { url: `attachment://${file.name}` } })));
  } else {
    embeds.push(embed.toJSON());
  }
  return {
    content: '',
    embeds,
    files: url ? files.slice(0, 4) : files.slice(0, 1),
    components: view.links.length ? [linkButtonRow(view.links)] : [],
  };
}

/** The summary, the +/− lines as a code block, and whatever came after them. */
function withDiffBlock(lines: string[]): string {
  const diff = lines.filter((line) => DiffLine.test(line)).map(unfenced);
  const plain = lines.filter((line) => !DiffLine.test(line));
  if (!diff.length) return plain.join('\n');
  return [plain[0], '```diff', ...diff, '```', ...plain.slice(1)].filter((line) => line !== undefined).join('\n');
}

/**
 * A page's line inside the code block: a zero-width space after every backtick that another one
 * follows, so no run of them (three, four, ten) can close the fence and let the rest of the embed
 * be read as Markdown, masked links included. Replacing only ``` would leave a fence behind in
 * "````" (the fourth backtick and the two after the break).
 */
function unfenced(line: string): string {
  return line.replace(/`(?=`)/g, '`\u200b');
}

/**
 * One field per tag with each link's title (to the page) and its snapshot; links that do not fit
 * Discord's limits are counted in "… and N more" with those the core already left out.
 */
function digestReply(view: NoticeView, locale: string, embed: EmbedBuilder, total: number): ReplyBody {
  const untagged = chatText(locale, 'notice.digest.untagged');
  let used = (embed.data.title ?? '').length;
  let shown = 0;
  const fields: Array<{ name: string; value: string }> = [];
  for (const group of view.groups) {
    if (fields.length >= EmbedLimits.fields) break;
    const name = truncateText(group.tag === untagged ? group.tag : `#${group.tag}`, EmbedLimits.fieldName);
    const lines: string[] = [];
    let length = 0;
    for (const item of group.items) {
      const line = `• [${markdownText(item.title)}](${markdownUrl(item.url)}) · [${dt(locale, 'notice.snapshot')}](${markdownUrl(item.viewUrl)})`;
      if (length + line.length + 1 > EmbedLimits.fieldValue || used + name.length + length + line.length + 1 > EmbedLimits.total - 100) break;
      lines.push(line);
      length += line.length + 1;
    }
    if (!lines.length) break;
    fields.push({ name, value: lines.join('\n') });
    used += name.length + length;
    shown += lines.length;
  }
  embed.addFields(fields);
  const more = Math.max(total, shown) - shown;
  if (more > 0) embed.setDescription(chatText(locale, 'notice.digest.more', { count: more }));
  // Not referenced from the embed, so Discord shows them with the message as a small gallery.
  const files = view.images.map((image, index) => imageFile(image.ref, `digest-${index + 1}`));
  return { content: '', embeds: [embed.toJSON()], files, components: [] };
}

/** Text inside [ ] of a markdown link. */
function markdownText(text: string): string {
  return text.replace(/[[\]]/g, '').replace(/\s+/g, ' ');
}

/** A url inside ( ) of a markdown link: parentheses and spaces would end it early. */
function markdownUrl(url: string): string {
  return url.replace(/\(/g, '%28').replace(/\)/g, '%29').replace(/ /g, '%20');
}
