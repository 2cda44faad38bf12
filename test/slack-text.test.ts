import { describe, expect, it } from 'vitest';
import { escapeMrkdwn, findButtonValue, mrkdwnLink, parseFindButtonValue, tagsMessage } from '../src/bots/slack/blocks.js';
import { parseConfigText } from '../src/bots/slack/config-command.js';
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
