// How a change notice is drawn as a Discord embed, from the core's own notice view: page text is
// hostile input, and the +/− lines sit in a ```diff block that nothing on the page may close.
import { describe, expect, it } from 'vitest';
import { noticeReply } from '../src/bots/discord/notice-render.js';
import { noticeView } from '../src/core/chat/notice-view.js';
import type { Notice } from '../src/core/types.js';

const links = { snapshotUrl: (id: string) => `https://linksnap.test/s/${id}`, diffUrl: (id: string, against: string) => `https://linksnap.test/s/${id}/diff?against=${against}` };

function changeNotice(excerpt: string[]): Notice {
  return {
    id: 'n1',
    workspaceId: 'discord:G1',
    platform: 'discord',
    channelId: 'C1',
    createdAt: '2026-01-01T00:00:00Z',
    payload: {
      kind: 'change',
      watchId: 'w',
      linkId: 'l',
      url: 'https://example.com/',
      title: 'Pricing',
      before: { snapshotId: 'b', capturedAt: '2026-01-01T00:00:00Z', thumbnail: null },
      after: { snapshotId: 'a', capturedAt: '2026-01-02T00:00:00Z', thumbnail: null },
      added: excerpt.filter((line) => line.startsWith('+')).length,
      removed: excerpt.filter((line) => line.startsWith('-')).length,
      excerpt,
      locale: 'en',
    },
  };
}

function descriptionOf(excerpt: string[]): string {
  return noticeReply(noticeView(changeNotice(excerpt), links), 'en').embeds[0].description!;
}

describe('a change notice on Discord', () => {
  it('keeps page text with runs of backticks inside the diff block, so what follows cannot become a masked link', () => {
    const phishing = '+[Verify your account](https://evil.example/login)';
    for (const run of [3, 4, 5, 6, 7, 10]) {
      const ticks = '`'.repeat(run);
      const excerpt = [`+ ${ticks}x`, phishing, `-${ticks}`, `+a${ticks}b${ticks}`];
      const description = descriptionOf(excerpt);
      // Discord ends a code block at any run of three or more backticks: only the block's own two may remain.
      expect(description.match(/`{3,}/g), `a run of ${run}`).toEqual(['```', '```']);
      expect(description).toMatch(/^[^`]*\n```diff\n/);
      const block = /```diff\n([\s\S]*)\n```$/.exec(description)?.[1];
      // Unchanged to the eye: only zero-width spaces were added.
      expect(block?.replace(/\u200b/g, '').split('\n'), `a run of ${run}`).toEqual(excerpt);
    }
  });

  it('leaves a line without backtick runs as it was', () => {
    const excerpt = ['+Plans start at $5 a month.', '-Plans start at `$4` a month.'];
    expect(descriptionOf(excerpt)).toContain(`\`\`\`diff\n${excerpt.join('\n')}\n\`\`\``);
  });
});
