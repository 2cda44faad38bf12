// An imported link kept "not captured yet" as the chat bots draw it: /find lists it with that note on
// Discord and Slack (its time is the import's, not a capture's), and a Slack card for it does not
// promise a capture with "Queued".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findReply } from '../src/bots/discord/render.js';
import { findPageMessage, snapshotCardMessage } from '../src/bots/slack/blocks.js';
import type { FindPage } from '../src/core/chat/find-pager.js';
import { snapshotCard } from '../src/core/chat/present.js';
import { startTestApp, type TestApp } from './helpers/app.js';

let t: TestApp;
let page: FindPage;

beforeAll(async () => {
  t = await startTestApp({ captures: false });
  const workspace = { id: 'discord:g-render', platform: 'discord' as const, name: 'Render' };
  await t.service.importLinks({ fileName: 'urls.txt', data: Buffer.from('https://kept.example/later\n'), capture: false, workspace, requester: { id: 'local' }, platform: 'cli' });
  const query = { workspaceId: workspace.id, limit: 5 };
  const found = await t.service.find(query);
  page = { sessionId: 's1', index: 0, items: found.items, hasPrev: false, hasNext: false, from: 1, to: found.items.length, query };
});
afterAll(async () => {
  await t?.close();
});

describe('a link not captured yet in chat', () => {
  it('is marked in /find on Discord and Slack, in English and Chinese', () => {
    expect(page.items[0].snapshot.status).toBe('not_captured');
    const discord = findReply(page, { locale: 'en-US', queryText: 'all', viewUrl: (s) => `https://linksnap.example/s/${s.id}` });
    expect(JSON.stringify(discord.embeds)).toMatch(/https:\/\/kept\.example\/later · <t:\d+:f> · \*not captured yet\*/);
    const cards = page.items.map((item) => snapshotCard(item.snapshot, item.link, { locale: 'zh-CN', viewUrl: 'https://linksnap.example/s/x' }));
    const slack = findPageMessage(page, cards, 'zh-CN', 'all', null);
    expect(JSON.stringify(slack.blocks)).toContain('_尚未生成快照_');
  });

  it('is not shown as queued on a Slack card', () => {
    const card = snapshotCard(page.items[0].snapshot, page.items[0].link, { locale: 'en', viewUrl: 'https://linksnap.example/s/x' });
    const message = snapshotCardMessage(card, 'en');
    expect(message.text).toBe('https://kept.example/later: not captured yet');
    expect(JSON.stringify(message.blocks)).not.toContain('Queued');
  });
});
