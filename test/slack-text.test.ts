import { describe, expect, it } from 'vitest';
import { escapeMrkdwn, findButtonValue, mrkdwnLink, parseFindButtonValue, tagsMessage } from '../src/bots/slack/blocks.js';
import { parseConfigText } from '../src/bots/slack/config-command.js';
import { parseFindText } from '../src/bots/slack/find-command.js';
import { noticeMessage } from '../src/bots/slack/notice-message.js';
import { parseUnwatchText, parseWatchText } from '../src/bots/slack/watch-commands.js';
import { noticeView } from '../src/core/chat/notice-view.js';
import { DefaultWorkspaceSettings, type Notice } from '../src/core/types.js';
import { blockProblems } from './stand-ins/slack/blocks-check.js';
import { t } from '../src/core/i18n.js';
import { commandWords, parseSlackText } from '../src/bots/slack/message-text.js';
import { slackWorkspaceId } from '../src/bots/slack/workspace.js';

describe('Slack message markup', () => {
  it('reads links from <url|label> and <url>, decoding entities inside them', () => {
    const parsed = parseSlackText('see <https://example.com/a?x=1&amp;y=2|the article> and <http://example.org/b>');
    expect(parsed.urls).toEqual(['https://example.com/a?x=1&y=2', 'http://example.org/b']);
  });

  it('does not take mentions, channel refs, special mentions or mailto for links or tags', () => {
    const parsed = parseSlackText('<@U123> <#C456|general> <!here> <!subteam^S1|@team> <mailto:a@b.c|a@b.c> hi');
    expect(parsed.urls).toEqual([]);
    expect(parsed.hashtags).toEqual([]);
  });

  it('turns #hashtags in the prose into tags, but not URL fragments or channel refs', () => {
    const parsed = parseSlackText('Read <https://example.com/page#section|this> #Research #技术 in <#C1|random> #123');
    expect(parsed.urls).toEqual(['https://example.com/page#section']);
    expect(parsed.hashtags).toEqual(['research', '技术']);
  });

  it('also finds bare links that integrations post without markup, once', () => {
    const parsed = parseSlackText('<https://example.com/x> and https://example.com/x and https://example.net/y。谢谢');
    expect(parsed.urls).toEqual(['https://example.com/x', 'https://example.net/y']);
  });

  it('splits command text into words, keeping a marked-up link as one word', () => {
    expect(commandWords('<https://example.com/a b|label text> news  #Tech')).toEqual(['https://example.com/a b', 'news', '#Tech']);
    expect(commandWords('https://example.com/x?a=1&amp;b=2 tag')).toEqual(['https://example.com/x?a=1&b=2', 'tag']);
    expect(commandWords('   ')).toEqual([]);
  });
});

describe('Slack rendering helpers', () => {
  it('escapes control characters of mrkdwn and keeps labels from breaking links', () => {
    expect(escapeMrkdwn('a <b> & c')).toBe('a &lt;b&gt; &amp; c');
    expect(mrkdwnLink('https://x.y/?a=<1>', 'A | B > C')).toBe('<https://x.y/?a=%3C1%3E|A ¦ B &gt; C>');
  });

  it('round-trips find button values and rejects anything else', () => {
    expect(parseFindButtonValue(findButtonValue('abc_-9', 3))).toEqual({ sessionId: 'abc_-9', index: 3 });
    expect(parseFindButtonValue('abc:x')).toBeNull();
    expect(parseFindButtonValue(undefined)).toBeNull();
  });

  it('namespaces workspaces by team and, on Enterprise Grid, by org', () => {
    expect(slackWorkspaceId('T1')).toBe('slack:T1');
    expect(slackWorkspaceId('T1', 'E9')).toBe('slack:E9:T1');
    expect(slackWorkspaceId('T1', null)).toBe('slack:T1');
  });
});

describe('/snapconfig text', () => {
  it('reads several settings in one command, channel references and bare ids', () => {
    expect(parseConfigText('autocapture off thread ON repost reply forget-on-delete no language zh-CN')).toEqual({
      patch: { autoCapture: false, replyInThread: true, duplicateNotice: 'reply', forgetOnDelete: false, locale: 'zh-CN' },
    });
    expect(parseConfigText('channels <#C0AAA|news> <#G0BBB> C0CCCCCC exclude none')).toEqual({
      patch: { autoCaptureChannels: ['C0AAA', 'G0BBB', 'C0CCCCCC'], autoCaptureExcluded: [] },
    });
    expect(parseConfigText('channels all exclude <#C0X|x> thread off')).toEqual({ patch: { autoCaptureChannels: null, autoCaptureExcluded: ['C0X'], replyInThread: false } });
    expect(parseConfigText('')).toEqual({ patch: {} });
    expect(parseConfigText('show')).toEqual({ patch: {} });
  });

  it('rejects unknown settings, bad values and channel names without ids', () => {
    expect(parseConfigText('thread maybe')).toEqual({ error: 'usage' });
    expect(parseConfigText('repost')).toEqual({ error: 'usage' });
    expect(parseConfigText('volume 11')).toEqual({ error: 'usage' });
    expect(parseConfigText('channels')).toEqual({ error: 'usage' });
    expect(parseConfigText('channels #general')).toEqual({ error: '#general' });
    expect(parseConfigText('show thread on')).toEqual({ error: 'usage' });
  });

  it('draws the tag list most used first and notes the tags that do not fit', () => {
    const many = Array.from({ length: 400 }, (_, i) => ({ tag: `tag-number-${i}`, count: i === 7 ? 99 : 1 }));
    const message = tagsMessage(many, 'en');
    const body = (message.blocks[0] as { text: { text: string } }).text.text;
    expect(body.length).toBeLessThanOrEqual(3000);
    expect(body.indexOf('`tag-number-7` (99)')).toBeLessThan(body.indexOf('`tag-number-0` (1)'));
    expect(body).toMatch(/… and \d+ more$/);
    expect(tagsMessage([], 'zh-CN').text).toBe(t('zh-CN', 'tags.none'));
  });
});

describe('/watch, /unwatch and /find dead:true text', () => {
  it('reads url: and every: in either order, or a link then its schedule, keeping a cron expression whole', () => {
    expect(parseWatchText('url:https://example.com/a every:daily')).toEqual({ url: 'https://example.com/a', every: 'daily' });
    expect(parseWatchText('every:0 9 * * 1 url:<https://example.com/a|example.com/a>')).toEqual({ url: 'https://example.com/a', every: '0 9 * * 1' });
    expect(parseWatchText('url:<https://example.com/a> every: weekly')).toEqual({ url: 'https://example.com/a', every: 'weekly' });
    expect(parseWatchText('<https://example.com/a>  */30 8-18 * * 1-5')).toEqual({ url: 'https://example.com/a', every: '*/30 8-18 * * 1-5' });
    expect(parseWatchText('https://example.com/a every:hourly')).toEqual({ url: 'https://example.com/a', every: 'hourly' });
    expect(parseWatchText('https://example.com/a')).toBeNull();
    expect(parseWatchText('every:daily')).toBeNull();
    expect(parseWatchText('')).toBeNull();
  });

  it('reads /unwatch as url: or one link', () => {
    expect(parseUnwatchText('url:<https://example.com/a>')).toBe('https://example.com/a');
    expect(parseUnwatchText('https://example.com/a')).toBe('https://example.com/a');
    expect(parseUnwatchText('https://example.com/a https://example.com/b')).toBeNull();
    expect(parseUnwatchText(' ')).toBeNull();
  });

  it('takes dead:true anywhere in /find, leaving the tag and text in order', () => {
    expect(parseFindText('dead:true news')).toEqual({ dead: true, words: ['news'] });
    expect(parseFindText('news dead: TRUE climate')).toEqual({ dead: true, words: ['news', 'climate'] });
    expect(parseFindText('news climate')).toEqual({ dead: false, words: ['news', 'climate'] });
    expect(parseFindText('dead:false news')).toEqual({ dead: false, words: ['news'] });
    expect(parseFindText('dead:soon')).toBeNull();
  });

  it('reads the change-and-rot settings, the digest for the channel it is typed in', () => {
    expect(parseConfigText('rot_alerts channel digest weekly keep_versions 5 drop_fullpage_after 30', DefaultWorkspaceSettings, 'C0HERE')).toEqual({
      patch: { rotAlerts: 'channel', digests: { C0HERE: 'weekly' }, keepVersions: 5, dropFullPageAfterDays: 30 },
    });
    expect(parseConfigText('digest off keep-versions all drop-fullpage-after never', { ...DefaultWorkspaceSettings, digests: { C0HERE: 'daily', C0OTHER: 'weekly' } }, 'C0HERE')).toEqual({
      patch: { digests: { C0OTHER: 'weekly' }, keepVersions: null, dropFullPageAfterDays: null },
    });
    expect(parseConfigText('exclude <#C0X|x> rot_alerts off')).toEqual({ patch: { autoCaptureExcluded: ['C0X'], rotAlerts: 'off' } });
    expect(parseConfigText('rot_alerts loudly')).toEqual({ error: 'usage' });
    expect(parseConfigText('digest daily')).toEqual({ error: 'usage' });
    expect(() => parseConfigText('keep_versions 0')).toThrow(/keep_versions is a whole number of at least 1/);
    expect(() => parseConfigText('drop_fullpage_after soon')).toThrow(/drop_fullpage_after is a whole number of days/);
  });
});

describe('notice blocks', () => {
  const links = { snapshotUrl: (id: string) => `https://linksnap.test/s/${id}`, diffUrl: (id: string, against: string) => `https://linksnap.test/d/${id}?from=${against}` };
  const thumbnail = { kind: 'thumbnail' as const, sha256: 'a'.repeat(64), size: 10, mime: 'image/webp' };

  it("keeps a digest of fifty one-link tags within Slack's block limits, counting what did not fit", () => {
    const groups = Array.from({ length: 50 }, (_, i) => ({
      tag: `tag-${String(i).padStart(2, '0')}`,
      items: [{ linkId: `l${i}`, url: `https://example.com/${i}`, title: `Page ${i}`, snapshot: { snapshotId: `s${i}`, capturedAt: null, thumbnail } }],
    }));
    const notice: Notice = { id: 'n1', workspaceId: 'slack:T1', platform: 'slack', channelId: 'C1', createdAt: '2026-01-01T00:00:00Z', payload: { kind: 'digest', period: 'daily', from: '', to: '', groups, total: 50, locale: 'en' } };
    const view = noticeView(notice, links);
    const message = noticeMessage(view, 'en', view.images.map((_, i) => `F${i}`));
    expect(blockProblems(message.blocks)).toEqual([]);
    const shown = JSON.stringify(message.blocks).match(/Page \d+>/g)!.length;
    expect(shown).toBeLessThan(50);
    expect(JSON.stringify(message.blocks)).toContain(`… and ${50 - shown} more.`);
  });

  it('shows a long change excerpt in one fenced block that a ``` inside the page cannot end', () => {
    const excerpt = ['+```rm -rf```', ...Array.from({ length: 20 }, (_, i) => `-<b>${i} ${'x'.repeat(400)}`)];
    const notice: Notice = {
      id: 'n2',
      workspaceId: 'slack:T1',
      platform: 'slack',
      channelId: 'C1',
      createdAt: '2026-01-01T00:00:00Z',
      payload: { kind: 'change', watchId: 'w', linkId: 'l', url: 'https://example.com/', title: null, before: { snapshotId: 'b', capturedAt: '2026-01-01T00:00:00Z', thumbnail: null }, after: { snapshotId: 'a', capturedAt: null, thumbnail }, added: 1, removed: 20, excerpt, locale: 'zh-CN' },
    };
    const view = noticeView(notice, links);
    const message = noticeMessage(view, 'zh-CN', [null]);
    expect(blockProblems(message.blocks)).toEqual([]);
    const code = (message.blocks.map((block) => (block as { text?: { text: string } }).text?.text ?? '').find((text) => text.startsWith('```')))!;
    expect(code.match(/```/g)).toHaveLength(2);
    expect(code).toContain('&lt;b&gt;');
    // The upload failed: posted without the picture rather than not at all.
    expect(message.blocks.some((block) => block.type === 'image')).toBe(false);
    expect(message.blocks.find((block) => block.type === 'actions')).toMatchObject({ elements: [{ text: { text: '查看变化' } }, { text: { text: '之前' } }, { text: { text: '之后' } }] });
  });

  const changeNotice = (title: string | null, excerpt: string[]): Notice => ({
    id: 'n3',
    workspaceId: 'slack:T1',
    platform: 'slack',
    channelId: 'C1',
    createdAt: '2026-01-01T00:00:00Z',
    payload: { kind: 'change', watchId: 'w', linkId: 'l', url: 'https://example.com/pricing?a=1&b=2', title, before: { snapshotId: 'b', capturedAt: '2026-01-01T00:00:00Z', thumbnail: null }, after: { snapshotId: 'a', capturedAt: null, thumbnail: null }, added: excerpt.length, removed: 0, excerpt, locale: 'en' },
  });

  it('keeps a run of any length of backticks from closing the code block', () => {
    for (const run of [3, 4, 5, 6, 7, 10]) {
      const ticks = '`'.repeat(run);
      const excerpt = [`+ ${ticks}x`, '+<https://evil.example|Verify your account>', `+${ticks}`];
      const message = noticeMessage(noticeView(changeNotice('Pricing', excerpt), links), 'en', []);
      const code = (message.blocks.map((block) => (block as { text?: { text: string } }).text?.text ?? '').find((text) => text.startsWith('```')))!;
      // Slack ends a code block at three backticks in a row: only the block's own two may remain.
      expect(code.match(/`{3,}/g), `a run of ${run}`).toEqual(['```', '```']);
      expect(code.replace(/\u200b/g, '')).toBe(`\`\`\`\n+ ${ticks}x\n+&lt;https://evil.example|Verify your account&gt;\n+${ticks}\n\`\`\``);
    }
  });

  it("escapes the page title in the fallback text, which Slack reads as mrkdwn in notifications", () => {
    const message = noticeMessage(noticeView(changeNotice('<!channel> <https://evil.example|click> & more', ['+a line']), links), 'en', []);
    expect(message.text).not.toMatch(/<!channel>|<https:\/\/evil/);
    expect(message.text).toBe('&lt;!channel&gt; &lt;https://evil.example|click&gt; &amp; more changed https://example.com/pricing?a=1&amp;b=2');
    expect(message.blocks[0]).toMatchObject({ text: { text: expect.stringContaining('&lt;!channel&gt;') } });
  });
});
