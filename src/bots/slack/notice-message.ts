// Block Kit drawing of a notice (core/chat/notice-view.ts): a watched page changed, a watch keeps
// failing, a link died, a channel digest. The words and their caps are the core's; this file only
// fits them into Slack's blocks and limits (50 blocks, 3000 characters a section, 75 a button).
import type { types } from '@slack/bolt';
import type { NoticeView } from '../../core/chat/notice-view.js';
import { truncateText } from '../../core/chat/present.js';
import { chatText } from '../../core/chat/wording.js';
import type { Locale } from '../../core/i18n.js';
import { escapeMrkdwn, mrkdwnLink, type Block, type SlackMessage } from './blocks.js';
import { st } from './messages.js';

/** Prefix of the link buttons' action ids: Slack still sends a click on a link button to the app, which only acks it. */
export const NoticeLinkActionPrefix = 'linksnap_notice_link_';

const Icons: Record<NoticeView['kind'], string> = {
  change: ':pencil2:',
  'watch-failing': ':warning:',
  dead: ':headstone:',
  digest: ':newspaper:',
};

/** Slack allows 50 blocks; the last ones are kept for the "more" line and the thumbnails. */
const MaxBlocks = 50;
const SectionChars = 2_900;

/**
 * `fileIds[i]` is the uploaded Slack file of `view.images[i]`, null when it could not be uploaded
 * (the notice is posted without that picture).
 */
export function noticeMessage(view: NoticeView, locale: Locale, fileIds: Array<string | null>): SlackMessage {
  const headline = `${Icons[view.kind]} *${escapeMrkdwn(view.title)}*${view.url ? `\n${mrkdwnLink(view.url, truncateText(view.url, 200))}` : ''}`;
  const blocks: Block[] = [{ type: 'section', text: { type: 'mrkdwn', text: headline } }];
  blocks.push(...bodyBlocks(view));
  if (view.links.length) {
    blocks.push({
      type: 'actions',
      elements: view.links.slice(0, 5).map((link, index) => ({
        type: 'button',
        action_id: `${NoticeLinkActionPrefix}${index}`,
        text: { type: 'plain_text', text: truncateText(link.label, 75) },
        url: link.url,
      })),
    });
  }
  const images = view.images.flatMap((image, index) => (fileIds[index] ? [{ label: image.label, fileId: fileIds[index]! }] : []));
  if (view.kind === 'digest') {
    blocks.splice(1, 0, ...digestBlocks(view, locale, MaxBlocks - blocks.length - (images.length ? 1 : 0)));
    // A strip of small pictures under the list: the only way Block Kit puts images side by side.
    if (images.length) {
      blocks.push({
        type: 'context',
        elements: images.slice(0, 10).map((image) => ({ type: 'image', slack_file: { id: image.fileId }, alt_text: truncateText(st(locale, 'find.thumbnail', { title: image.label }), 2000) })),
      });
    }
  } else {
    // Block Kit has no side-by-side layout for full-size images (a context block would shrink them
    // to icons), so before and after are stacked, each titled.
    for (const image of images) {
      blocks.push({
        type: 'image',
        slack_file: { id: image.fileId },
        alt_text: truncateText(st(locale, 'find.thumbnail', { title: image.label }), 2000),
        title: { type: 'plain_text', text: truncateText(image.label, 200) },
      });
    }
  }
  // The fallback text is mrkdwn too (notifications and clients without blocks show it): a page
  // title such as <!channel> or <https://evil|click> must not ping everyone or fake a link.
  return { text: escapeMrkdwn(truncateText([view.title, view.url].filter(Boolean).join(' '), 3_000)), blocks };
}

/** Body lines as text, with a change's excerpt (lines starting + or −) in a code block. */
function bodyBlocks(view: NoticeView): Block[] {
  const runs: Array<{ code: boolean; lines: string[] }> = [];
  for (const line of view.lines) {
    const code = view.diffLines && /^[+-]/.test(line);
    const last = runs[runs.length - 1];
    if (last && last.code === code) last.lines.push(line);
    else runs.push({ code, lines: [line] });
  }
  return runs.map((run) => ({
    type: 'section',
    text: {
      type: 'mrkdwn',
      // Cut inside the fence, so a long excerpt still ends its code block.
      text: run.code ? `\`\`\`\n${truncateText(run.lines.map(codeLine).join('\n'), 2_990)}\n\`\`\`` : truncateText(run.lines.map(escapeMrkdwn).join('\n'), 3_000),
    },
  }));
}

/**
 * A line shown inside a code block: mrkdwn's control characters escaped, and no fence that would
 * end the block early. A zero-width space follows every backtick that another one follows: breaking
 * only each ``` would leave one behind in a run of five ("`·`·`" then "``" joins the last one).
 */
function codeLine(line: string): string {
  return escapeMrkdwn(line).replace(/`(?=`)/g, '`\u200b');
}

/**
 * A section per tag with the links' titles linked to the page and to the snapshot; a tag with many
 * links takes several sections. When the blocks run out, the rest is counted in one line.
 */
function digestBlocks(view: NoticeView, locale: Locale, room: number): Block[] {
  const blocks: Block[] = [];
  const snapshotWord = st(locale, 'notice.snapshot');
  let hidden = 0;
  for (const group of view.groups) {
    let text = `*${escapeMrkdwn(group.tag)}*`;
    const flush = () => {
      if (blocks.length < room - 1) blocks.push({ type: 'section', text: { type: 'mrkdwn', text } });
      else hidden += text.split('\n').filter((line) => line.startsWith('•')).length;
      text = '';
    };
    for (const item of group.items) {
      const line = `• ${mrkdwnLink(item.url, item.title)} · ${mrkdwnLink(item.viewUrl, snapshotWord)}`;
      if (text.length + line.length + 1 > SectionChars) flush();
      text = text ? `${text}\n${line}` : line;
    }
    if (text) flush();
  }
  if (hidden) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: escapeMrkdwn(chatText(locale, 'notice.digest.more', { count: hidden })) }] });
  return blocks;
}
