// Which links in a Discord message are captured, and in which channels.
import { describe, expect, it } from 'vitest';
import { commandDefinitions } from '../src/bots/discord/commands.js';
import { linksInMessage } from '../src/bots/discord/message-links.js';
import { parseFindButton } from '../src/bots/discord/render.js';

describe('linksInMessage', () => {
  it('finds explicit links in prose, markdown links and CJK text', () => {
    expect(linksInMessage('see https://example.com/a, and [docs](https://docs.example.org/x) too')).toEqual([
      'https://example.com/a',
      'https://docs.example.org/x',
    ]);
    expect(linksInMessage('看这个https://example.cn/路径。很好')).toEqual(['https://example.cn/路径']);
  });

  it('skips code blocks, inline code and <suppressed> links', () => {
    const content = [
      'real https://keep.example/1',
      '`https://inline.example/2`',
      '```js\nfetch("https://block.example/3")\n```',
      '<https://suppressed.example/4>',
      '```\nunterminated https://open-block.example/5',
    ].join('\n');
    expect(linksInMessage(content)).toEqual(['https://keep.example/1']);
  });

  it('finds links to bracketed IPv6 hosts, so a refused one is answered', () => {
    expect(linksInMessage('local http://[::1]:8080/admin, then https://example.com/x')).toEqual(['http://[::1]:8080/admin', 'https://example.com/x']);
  });

  it('ignores bare domains and other schemes', () => {
    expect(linksInMessage('example.com ftp://files.example/x mailto:a@b.c')).toEqual([]);
  });
});

describe('command definitions', () => {
  it('are valid for Discord: lower-case names, descriptions within 100 characters, /snapconfig limited to Manage Server', () => {
    for (const command of commandDefinitions()) {
      expect(command.name).toMatch(/^[a-z_-]{1,32}$/);
      expect(command.description.length).toBeLessThanOrEqual(100);
      for (const option of command.options ?? []) expect(option.description.length).toBeLessThanOrEqual(100);
    }
    const config = commandDefinitions().find((c) => c.name === 'snapconfig');
    expect(config?.default_member_permissions).toBe('32');
  });

  it('find button ids stay short and parse back', () => {
    expect(parseFindButton('find:AbC_d-9:3')).toEqual({ sessionId: 'AbC_d-9', index: 3 });
    expect(parseFindButton('find:bad id:1')).toBeNull();
  });
});
