// A burst of links (100 in well under a minute, from many people) is queued without dropping any:
// every message gets ⏳ and, once its capture ran, 📸, while explicit /snap commands are still
// acknowledged at once.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFixtureServer, type FixtureServer } from './helpers/fixture-server.js';
import { opt, startDiscordWorld, type DiscordWorld } from './stand-ins/discord/harness.js';

let fixtures: FixtureServer;
let w: DiscordWorld;

beforeAll(async () => {
  fixtures = await startFixtureServer();
  w = await startDiscordWorld();
});

afterAll(async () => {
  await w?.close();
  await fixtures?.close();
});

it('captures every one of 100 links posted in a burst and still answers /snap at once', { timeout: 300_000 }, async () => {
  const authors = [w.a.alice, w.a.bob, w.a.mod, w.a.owner];
  const messages = Array.from({ length: 100 }, (_, i) =>
    w.standIn.postMessage({
      channelId: i % 2 ? w.a.general : w.a.random,
      guildId: w.a.guild.id,
      author: authors[i % authors.length],
      content: `link ${i}: ${fixtures.url(`/article.html?burst=${i}`)}`,
    }),
  );
  const command = w.standIn.slashCommand({ name: 'snap', guildId: w.a.guild.id, channelId: w.a.general, user: w.a.alice, options: [opt.string('url', fixtures.url('/cjk.html?during-burst'))] });
  const deferred = await w.standIn.waitForCall((call) => call.path === `/interactions/${command.id}/${command.token}/callback`);
  expect(deferred.body.type).toBe(5);

  const reacted = (messageId: string, emoji: string) =>
    w.standIn.calls.some((call) => call.method === 'PUT' && call.status === 204 && call.path.endsWith(`/messages/${messageId}/reactions/${emoji}/@me`));
  await w.standIn.waitUntil(() => messages.every((m) => reacted(m.id, '⏳')), 60_000, 'every message marked as capturing');
  await w.standIn.waitUntil(() => messages.every((m) => reacted(m.id, '📸')), 280_000, 'every capture done');
  expect(messages.filter((m) => reacted(m.id, '⚠️'))).toHaveLength(0);
  const workspace = (await w.app.service.listWorkspaces()).find((entry) => entry.id === `discord:${w.a.guild.id}`);
  expect(workspace?.links).toBe(101);
});
