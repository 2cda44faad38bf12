import { describe, expect, it } from 'vitest';
import { escapeMrkdwn, findButtonValue, mrkdwnLink, parseFindButtonValue } from '../src/bots/slack/blocks.js';
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
