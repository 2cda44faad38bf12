// Pages that change and die, on Discord: the real discord.js against the stand-in Discord, the real
// service (SQLite file, blob files, Chromium capturing fixture pages that change or start answering
// 404 between captures). The schedule is driven by hand (runWatches, tickWatches, checkLinks,
// postDigests), so nothing waits for a clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../src/core/types.js';
import { startFixtureServer, type FixtureServer } from './helpers/fixture-server.js';
import type { InteractionHandle, RestCall } from './stand-ins/discord/server.js';
import type { MessagePayload, UserPayload } from './stand-ins/discord/payloads.js';
import { opt, startDiscordWorld, type DiscordWorld } from './stand-ins/discord/harness.js';

let fixtures: FixtureServer;
let w: DiscordWorld;

beforeAll(async () => {
  fixtures = await startFixtureServer();
  // No dedup window: a link posted again is captured again, as it is once the window has passed.
  w = await startDiscordWorld({ env: { LINKSNAP_DEDUP_WINDOW: '0' } });
});
afterAll(async () => {
  await w?.close();
  await fixtures?.close();
});

const ws = (guildId: string) => `discord:${guildId}`;
type Option = { name: string; type: number; value: unknown };

function page(title: string, paragraphs: string[], stamp: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>
<body><article><h1>${title}</h1><p>Updated ${stamp}</p>${paragraphs.map((p) => `<p>${p}</p>`).join('\n')}</article></body></html>`;
}

const Lighthouse = [
  'The lighthouse on the north cape has guided ships past the reef since the old harbour was built.',
  'Its lamp turns once every ten seconds and can be seen twenty nautical miles out on a clear night.',
  'The keeper reports fog most autumn mornings, and the horn sounds every thirty seconds until it lifts.',
  'Visitors may climb the tower on weekend afternoons when the weather allows it.',
];

function slash(name: string, options: Option[], where: { channelId?: string; guildId?: string; user?: UserPayload; locale?: string } = {}): InteractionHandle {
  return w.standIn.slashCommand({
    name,
    guildId: 'guildId' in where ? where.guildId : w.a.guild.id,
    channelId: where.channelId ?? w.a.general,
    user: where.user ?? w.a.alice,
    locale: where.locale,
    options,
  });
}

/** What the command answered (a reply, or the edit of a deferred reply) and whether only the asker sees it. */
async function answerOf(handle: InteractionHandle): Promise<{ content: string; ephemeral: boolean; body: any }> {
  const callback = `/interactions/${handle.id}/${handle.token}/callback`;
  const call = await w.standIn.waitForCall(
    (c) =>
      (c.path === callback && c.body?.type === 4) ||
      (c.method === 'PATCH' && c.path.endsWith(`/${handle.token}/messages/@original`) && c.status === 200 && Boolean(c.body?.content || c.body?.embeds?.length)) ||
      (c.method === 'POST' && c.path.endsWith(`/${handle.token}`) && c.status === 200),
    60_000,
  );
  const body = call.path === callback ? call.body.data : call.body;
  const deferred = w.standIn.calls.find((c) => c.path === callback && c.body?.type === 5);
  return { content: body.content ?? '', ephemeral: Boolean(((body.flags ?? 0) | (deferred?.body?.data?.flags ?? 0)) & 64), body };
}

function post(as: UserPayload, channelId: string, guildId: string, content: string): MessagePayload {
  return w.standIn.postMessage({ channelId, guildId, author: as, content });
}

const reactionCall = (messageId: string, emoji: string) => (call: RestCall) =>
  call.method === 'PUT' && call.status === 204 && call.path.endsWith(`/messages/${messageId}/reactions/${emoji}/@me`);

/** The capture a watch started when it was set (the link had never been captured), once it ended. */
async function firstCapture(guildId: string, url: string): Promise<Snapshot> {
  const link = await w.app.service.findLinkByUrl(ws(guildId), url);
  const [latest] = await w.app.service.listVersions(ws(guildId), link!.id);
  return w.app.service.waitFor(latest.id);
}

/** Posts the notices due now and waits for them, so "nothing more was posted" is a fact, not a wait. */
async function flushNotices(): Promise<void> {
  await w.app.service.notices.deliverDue();
}

const embedsOf = (message: MessagePayload) => message.embeds as Array<Record<string, any>>;
const buttonsOf = (message: MessagePayload) => (message.components as Array<{ components: Array<{ label: string; url: string }> }>).flatMap((row) => row.components);

describe('/watch, /watches, /unwatch', () => {
  it('sets a watch for the channel, refuses a bad or too frequent schedule to the asker only, lists it here only, and removes it', async () => {
    fixtures.setPage('/tide-table', page('Tide table', ['High water at the harbour mouth is at noon today, and low water six hours later.'], '2026-03-01 06:00'));
    const url = fixtures.url('/tide-table');

    const set = await answerOf(slash('watch', [opt.string('url', url), opt.string('every', 'daily')]));
    expect(set.ephemeral).toBe(false);
    expect(set.content).toContain(`Watching ${url} every day in this channel.`);
    const [watch] = await w.app.service.listWatches(ws(w.a.guild.id), w.a.general);
    expect(watch).toMatchObject({ url, every: 'daily', platform: 'discord', channelId: w.a.general, createdBy: w.a.alice.id });

    const often = await answerOf(slash('watch', [opt.string('url', url), opt.string('every', '*/10 * * * *')]));
    expect(often.ephemeral).toBe(true);
    expect(often.content).toMatch(/more often than this server allows/);
    const nonsense = await answerOf(slash('watch', [opt.string('url', url), opt.string('every', 'sometimes')]));
    expect(nonsense.ephemeral).toBe(true);
    expect(nonsense.content).toMatch(/Not a schedule/);
    expect((await w.app.service.listWatches(ws(w.a.guild.id), w.a.general)).map((x) => x.every)).toEqual(['daily']);

    const weekly = await answerOf(slash('watch', [opt.string('url', url), opt.string('every', '0 9 * * 1')]));
    expect(weekly.content).toContain('(was every day)');

    const listed = await answerOf(slash('watches', []));
    expect(listed.ephemeral).toBe(true);
    expect(listed.content).toContain('Watched in this channel (1):');
    expect(listed.content).toContain(`${url}: on "0 9 * * 1"`);
    expect((await answerOf(slash('watches', [], { channelId: w.a.random }))).content).toContain('Nothing is watched in this channel.');

    const removed = await answerOf(slash('unwatch', [opt.string('url', url)]));
    expect(removed.ephemeral).toBe(false);
    expect(removed.content).toBe(`Stopped watching ${url} in this channel.`);
    const again = await answerOf(slash('unwatch', [opt.string('url', url)]));
    expect(again.ephemeral).toBe(true);
    expect(again.content).toContain('This channel watches no');
    expect(await w.app.service.listWatches(ws(w.a.guild.id))).toEqual([]);
    // Its first capture started when it was set; let it end before the next test starts runs.
    expect((await firstCapture(w.a.guild.id, url)).status).toBe('done');
  });

  it('refuses a watch where the bot could never post the changes: a server that only installed the commands', async () => {
    const refused = await answerOf(slash('watch', [opt.string('url', fixtures.url('/article.html')), opt.string('every', 'daily')], { guildId: w.c.guild.id, channelId: w.c.hall, user: w.c.dave }));
    expect(refused.ephemeral).toBe(true);
    expect(refused.content).toContain('not a member of this server');
    expect(await w.app.service.listWatches(ws(w.c.guild.id))).toEqual([]);
  });
});

describe('a watched page that changed', () => {
  it('is posted once in the channel with its +/− lines, the diff and both versions; a second tick and a page whose only change is its clock post nothing', async () => {
    fixtures.setPage('/lighthouse', page('The lighthouse', Lighthouse, '2026-03-01 06:00'));
    fixtures.setPage('/ferry', page('Ferry times', ['The ferry leaves the quay at eight, noon and five, and returns an hour after each crossing.'], '2026-03-01 06:00'));
    for (const path of ['/lighthouse', '/ferry']) {
      const set = await answerOf(slash('watch', [opt.string('url', fixtures.url(path)), opt.string('every', 'daily')], { channelId: w.a.random }));
      expect(set.content).toContain('Watching');
    }
    const watches = await w.app.service.listWatches(ws(w.a.guild.id), w.a.random);
    expect(watches).toHaveLength(2);
    const firsts = await Promise.all(watches.map((watch) => firstCapture(w.a.guild.id, watch.url)));
    expect(firsts.map((s) => s.status)).toEqual(['done', 'done']);
    // The first captures are runs too: judged (nothing to compare with), they free the watches to run again.
    expect(await w.app.service.tickWatches()).toMatchObject({ changed: 0, unchanged: 2 });

    const changed = [...Lighthouse];
    changed[2] = 'The keeper reports fog most autumn mornings; since March a light on the breakwater flashes with the horn.';
    changed.push('A new pier opened beside the lighthouse, and the ferry now stops there twice a day.');
    fixtures.setPage('/lighthouse', page('The lighthouse', changed, '2026-03-02 18:45'));
    fixtures.setPage('/ferry', page('Ferry times', ['The ferry leaves the quay at eight, noon and five, and returns an hour after each crossing.'], '2026-03-02 18:45'));

    const run = await w.app.service.runWatches({ all: true });
    const ours = run.started.filter((started) => watches.some((watch) => watch.id === started.watch.id));
    expect(ours).toHaveLength(2);
    const seconds = await Promise.all(ours.map((started) => w.app.service.waitFor(started.snapshotId)));
    expect(seconds.map((s) => s.status)).toEqual(['done', 'done']);
    const tick = await w.app.service.tickWatches();
    expect(tick).toMatchObject({ changed: 1, unchanged: 1, failed: 0 });

    await w.standIn.waitUntil(() => w.standIn.postedIn(w.a.random).length > 0, 30_000, 'the change posted');
    await flushNotices();
    const posts = w.standIn.postedIn(w.a.random);
    expect(posts).toHaveLength(1);
    const [notice] = posts;
    const lighthouseUrl = fixtures.url('/lighthouse');
    const after = seconds[ours.findIndex((started) => started.watch.url === lighthouseUrl)];
    const before = firsts[watches.findIndex((watch) => watch.url === lighthouseUrl)];
    const [main, second] = embedsOf(notice);
    expect(main.title).toBe('The lighthouse changed');
    expect(main.url).toBe(lighthouseUrl);
    expect(main.description).toMatch(/^2 lines added, 1 removed since /);
    const block = /```diff\n([\s\S]*?)\n```/.exec(main.description)?.[1].split('\n');
    expect(block).toEqual([
      '-The keeper reports fog most autumn mornings, and the horn sounds every thirty seconds until it lifts.',
      '+The keeper reports fog most autumn mornings; since March a light on the breakwater flashes with the horn.',
      '+A new pier opened beside the lighthouse, and the ferry now stops there twice a day.',
    ]);
    expect(buttonsOf(notice)).toEqual([
      expect.objectContaining({ label: 'See what changed', url: w.diffUrl(after, before.id) }),
      expect.objectContaining({ label: 'Before', url: w.snapshotUrl(before) }),
      expect.objectContaining({ label: 'After', url: w.snapshotUrl(after) }),
    ]);
    // Before and after side by side: a second embed with the same url joins the first's gallery.
    expect(second).toMatchObject({ url: lighthouseUrl, image: { url: expect.stringMatching(/^attachment:\/\//) } });
    expect(main.image.url).toMatch(/^attachment:\/\//);
    expect(main.footer.text).toBe('Before · After');
    const upload = w.standIn.calls.find((c) => c.method === 'POST' && c.path === `/channels/${w.a.random}/messages` && c.status === 200)!;
    expect(upload.files.map((file) => `attachment://${file.filename}`)).toEqual([main.image.url, second.image.url]);
    expect(upload.files.every((file) => file.data.length > 1000)).toBe(true);

    const ferry = seconds[ours.findIndex((started) => started.watch.url === fixtures.url('/ferry'))];
    expect(ferry.change).toMatchObject({ changed: false });

    const again = await w.app.service.tickWatches();
    expect(again.changed).toBe(0);
    await flushNotices();
    expect(w.standIn.postedIn(w.a.random)).toHaveLength(1);
    for (const watch of watches) await w.app.service.removeWatch(ws(w.a.guild.id), watch.id);
  });
});

describe('a link that died', () => {
  /** Three links, each shared by its own message in #general and captured. */
  const shared: Record<'thread' | 'channel' | 'off', { path: string; message: MessagePayload }> = {} as never;
  const alive = '/alive-harbour';

  beforeAll(async () => {
    fixtures.setPage(alive, page('Harbour hours', ['The harbour office opens at eight and closes at four, every day but Sunday.'], '2026-03-01 06:00'));
    const kept = post(w.a.bob, w.a.general, w.a.guild.id, `${fixtures.url(alive)} #harbour`);
    await w.standIn.waitForCall(reactionCall(kept.id, '📸'), 60_000);
    for (const [mode, title] of [['thread', 'Harbour notices'], ['channel', 'Quay repairs'], ['off', 'Old regatta']] as const) {
      const path = `/dying-${mode}`;
      fixtures.setPage(path, page(title, [`${title}: everything the harbour office publishes about it, kept here until the page goes away.`], '2026-03-01 06:00'));
      const message = post(w.a.bob, w.a.general, w.a.guild.id, `worth keeping ${fixtures.url(path)} #harbour`);
      await w.standIn.waitForCall(reactionCall(message.id, '📸'), 60_000);
      shared[mode] = { path, message };
    }
  });

  async function setRotAlerts(mode: 'thread' | 'channel' | 'off'): Promise<void> {
    const saved = await answerOf(slash('snapconfig', [opt.string('rot_alerts', mode)], { user: w.a.owner }));
    expect(saved.content).toContain('Settings saved');
  }

  /** The page answers 404 from now on; two checks in a row call it dead. Returns the alerts the death wrote. */
  async function kill(path: string): Promise<number> {
    fixtures.setPage(path, { status: 404, body: '<!doctype html><title>Not found</title><h1>Not found</h1>' });
    await w.app.service.checkLinks({ all: true });
    await w.app.service.checkLinks({ all: true });
    const link = await w.app.service.findLinkByUrl(ws(w.a.guild.id), fixtures.url(path));
    const died = w.app.logs.filter((event) => event.message === 'Link found dead' && (event.details as { linkId?: string })?.linkId === link!.id);
    return died.reduce((sum, event) => sum + Number((event.details as { alerts: number }).alerts), 0);
  }

  const deadPosts = (channelId: string) => w.standIn.postedIn(channelId).filter((m) => embedsOf(m)[0]?.title?.startsWith('This link is dead now'));

  it('is announced once in the thread of the message that shared it (rot_alerts: thread, the default)', async () => {
    await setRotAlerts('thread');
    const { path, message } = shared.thread;
    expect(await kill(path)).toBe(1);
    await w.standIn.waitUntil(() => deadPosts(message.id).length > 0, 30_000, 'the dead-link alert in the thread');
    await w.app.service.checkLinks({ all: true });
    await flushNotices();
    const alerts = deadPosts(message.id);
    expect(alerts).toHaveLength(1);
    expect(w.standIn.threadOf(message.id)).toMatchObject({ parent_id: w.a.general });
    const [embed] = embedsOf(alerts[0]);
    expect(embed.title).toBe('This link is dead now: Harbour notices');
    expect(embed.description).toContain(`${fixtures.url(path)} `);
    expect(embed.description).toContain('Here is the snapshot from');
    const link = await w.app.service.findLinkByUrl(ws(w.a.guild.id), fixtures.url(path));
    const [latest] = await w.app.service.listVersions(ws(w.a.guild.id), link!.id);
    expect(buttonsOf(alerts[0])).toEqual([expect.objectContaining({ label: 'Open the snapshot', url: w.snapshotUrl(latest) })]);
    expect(embed.url).toBe(w.snapshotUrl(latest));
    expect(embed.image.url).toMatch(/^attachment:\/\//);
    expect(deadPosts(w.a.general)).toEqual([]);
  });

  it('is announced in the channel with rot_alerts: channel, and not at all with off', async () => {
    await setRotAlerts('channel');
    expect(await kill(shared.channel.path)).toBe(1);
    await w.standIn.waitUntil(() => deadPosts(w.a.general).length > 0, 30_000, 'the dead-link alert in the channel');
    await flushNotices();
    const inChannel = deadPosts(w.a.general);
    expect(inChannel).toHaveLength(1);
    expect(embedsOf(inChannel[0])[0].title).toBe('This link is dead now: Quay repairs');
    expect(inChannel[0].message_reference).toBeUndefined();
    expect(w.standIn.threadOf(shared.channel.message.id)).toBeUndefined();

    await setRotAlerts('off');
    expect(await kill(shared.off.path)).toBe(0);
    await flushNotices();
    expect(deadPosts(w.a.general)).toHaveLength(1);
    expect(w.standIn.threadOf(shared.off.message.id)).toBeUndefined();
    await setRotAlerts('thread');
  });

  it('/find dead:true lists it, marked; ordinary results mark it too; dead links with text are refused privately', async () => {
    await kill(shared.thread.path);
    const url = fixtures.url(shared.thread.path);
    const dead = await answerOf(slash('find', [opt.boolean('dead', true)]));
    const listing = JSON.stringify(dead.body.embeds);
    expect(listing).toContain(url);
    expect(listing).toMatch(/dead since <t:\d+:f>: /);
    expect(listing).not.toContain(fixtures.url(alive));
    expect(dead.body.embeds[0].title).toContain('dead links');

    const byTag = await answerOf(slash('find', [opt.string('tag', 'harbour')]));
    const lines = (byTag.body.embeds[0].description as string).split('\n');
    expect(lines.find((line) => line.includes(url))).toMatch(/dead since/);
    expect(lines.find((line) => line.includes(fixtures.url(alive)))).not.toMatch(/dead since/);

    const refused = await answerOf(slash('find', [opt.boolean('dead', true), opt.string('text', 'harbour')]));
    expect(refused.ephemeral).toBe(true);
    expect(refused.content).toContain('dead:true lists dead links by tag; leave the text out');
  });
});

describe('digests', () => {
  it('posts one digest of the links captured in the channel, grouped by tag, in the server’s language; an empty channel gets nothing', async () => {
    const urls = ['/digest-weather', '/digest-news'].map((path) => {
      fixtures.setPage(path, page(path === '/digest-news' ? 'Harbour news' : 'Coast weather', ['Something worth reading about the coast, long enough to be a real page.'], '2026-03-01 06:00'));
      return fixtures.url(path);
    });
    const messages = [post(w.b.carol, w.b.lobby, w.b.guild.id, `${urls[0]} #coast`), post(w.b.carol, w.b.lobby, w.b.guild.id, `${urls[1]} #harbour`)];
    for (const message of messages) await w.standIn.waitForCall(reactionCall(message.id, '📸'), 60_000);

    const set = await answerOf(slash('snapconfig', [opt.string('digest', 'daily')], { guildId: w.b.guild.id, channelId: w.b.lobby, user: w.b.owner, locale: 'zh-CN' }));
    expect(set.content).toContain('本频道摘要:每天');
    await w.app.service.updateSettings(ws(w.a.guild.id), { digests: { [w.a.secret]: 'daily' } });

    const report = await w.app.service.postDigests(new Date(Date.now() + 1000));
    expect(report).toEqual({ posted: 1, empty: 1 });
    await w.standIn.waitUntil(() => w.standIn.postedIn(w.b.lobby).some((m) => embedsOf(m).length > 0), 30_000, 'the digest');
    await flushNotices();
    const digests = w.standIn.postedIn(w.b.lobby).filter((m) => embedsOf(m).length > 0);
    expect(digests).toHaveLength(1);
    const [embed] = embedsOf(digests[0]);
    expect(embed.title).toBe('今天在这里保存的链接(2)');
    expect(embed.fields.map((field: { name: string }) => field.name)).toEqual(['#coast', '#harbour']);
    expect(embed.fields[0].value).toContain(`[Coast weather](${urls[0]})`);
    expect(embed.fields[1].value).toContain(`[Harbour news](${urls[1]})`);
    expect(embed.fields[1].value).toMatch(/\[快照\]\(http:\/\/127\.0\.0\.1:9\/s\/[\w-]+\)/);
    const upload = w.standIn.calls.find((c) => c.method === 'POST' && c.path === `/channels/${w.b.lobby}/messages` && c.status === 200 && c.body.embeds?.length)!;
    expect(upload.files).toHaveLength(2);
    expect(w.standIn.postedIn(w.a.secret)).toEqual([]);
  });
});

describe('cards', () => {
  it('a link posted again after its page changed says "Changed since" with a link to the diff', async () => {
    const path = '/notice-board';
    fixtures.setPage(path, page('Notice board', Lighthouse.slice(0, 2), '2026-03-01 06:00'));
    const url = fixtures.url(path);
    const finalCard = async (handle: InteractionHandle) => {
      await w.standIn.waitForCall((c) => c.method === 'PATCH' && c.path.endsWith(`/${handle.token}/messages/@original`) && c.status === 200 && c.body.embeds?.length > 0, 60_000);
      return w.standIn.original(handle.token)!;
    };
    const first = await finalCard(slash('snap', [opt.string('url', url)]));
    expect(first.content).not.toContain('Changed since');
    expect(buttonsOf(first).map((b) => b.label)).toEqual(['View full snapshot']);

    fixtures.setPage(path, page('Notice board', [...Lighthouse.slice(0, 2), 'The harbour office is closed on Monday for the regatta.'], '2026-03-04 09:00'));
    const second = await finalCard(slash('snap', [opt.string('url', url)], { user: w.a.bob }));
    const link = await w.app.service.findLinkByUrl(ws(w.a.guild.id), url);
    const [newer, older] = await w.app.service.listVersions(ws(w.a.guild.id), link!.id);
    expect(second.content).toMatch(/Changed since \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC: 1 lines added, 0 removed\./);
    expect(buttonsOf(second)).toEqual([
      expect.objectContaining({ label: 'View full snapshot', url: w.snapshotUrl(newer) }),
      expect.objectContaining({ label: 'See what changed', url: w.diffUrl(newer as Snapshot, older.id) }),
    ]);
  });
});

describe('/snapconfig retention', () => {
  it('keeps N versions or all, drops full-page screenshots after N days or never, and refuses anything else', async () => {
    const config = (options: Option[]) => answerOf(slash('snapconfig', options, { user: w.a.owner }));
    const saved = await config([opt.string('keep_versions', '5'), opt.string('drop_fullpage_after', '30')]);
    expect(saved.content).toContain('versions kept: 5; full-page screenshots kept: 30 days');
    expect(await w.app.service.getSettings(ws(w.a.guild.id))).toMatchObject({ keepVersions: 5, dropFullPageAfterDays: 30 });

    const refused = await config([opt.string('keep_versions', 'zero')]);
    expect(refused.content).toContain('keep_versions is a whole number of at least 1, or "all"');
    expect((await config([opt.string('keep_versions', '0')])).content).toContain('keep_versions');
    expect((await w.app.service.getSettings(ws(w.a.guild.id))).keepVersions).toBe(5);

    const all = await config([opt.string('keep_versions', 'all'), opt.string('drop_fullpage_after', 'never')]);
    expect(all.content).toContain('versions kept: all; full-page screenshots kept: all');
    expect(await w.app.service.getSettings(ws(w.a.guild.id))).toMatchObject({ keepVersions: null, dropFullPageAfterDays: null });
  });
});

describe('posting notices', () => {
  // A notice belongs to a workspace the store knows.
  beforeAll(() => w.app.service.updateSettings(ws(w.a.guild.id), {}));

  const failing = (channelId: string, key: string) => ({
    workspaceId: ws(w.a.guild.id),
    platform: 'discord' as const,
    channelId,
    dedupKey: key,
    payload: { kind: 'watch-failing' as const, watchId: 'watch-1', linkId: 'link-1', url: 'https://example.org/status', failures: 3, error: 'net::ERR_CONNECTION_REFUSED', locale: null },
  });

  it('gives up at once on a channel the bot may no longer post in, and says so', async () => {
    w.standIn.failNext({ method: 'POST', path: new RegExp(`^/channels/${w.a.huddle}/messages$`), status: 403, times: 1 });
    await w.app.service.notices.add(failing(w.a.huddle, 'gives-up'));
    await w.standIn.waitUntil(() => w.app.logs.some((event) => event.message === 'Notice could not be posted; gave up on it'), 30_000, 'the notice given up');
    await flushNotices();
    expect(w.standIn.callsTo('POST', new RegExp(`^/channels/${w.a.huddle}/messages$`))).toHaveLength(1);
  });

  it('says a watch keeps failing in the channel, and answers a dead link whose message is gone in the channel instead of a thread', async () => {
    await w.app.service.notices.add(failing(w.a.random, 'failing-shown'));
    await w.standIn.waitUntil(() => w.standIn.postedIn(w.a.random).some((m) => embedsOf(m)[0]?.title?.includes('keeps failing')), 30_000, 'the failing watch told');
    const [told] = w.standIn.postedIn(w.a.random).filter((m) => embedsOf(m)[0]?.title?.includes('keeps failing'));
    expect(embedsOf(told)[0]).toMatchObject({ title: 'Watch of https://example.org/status keeps failing', url: 'https://example.org/status' });
    expect(embedsOf(told)[0].description).toContain('The last 3 captures failed (net::ERR_CONNECTION_REFUSED).');

    const goneMessage = '1234567890123456789';
    await w.app.service.notices.add({
      workspaceId: ws(w.a.guild.id),
      platform: 'discord',
      channelId: w.a.random,
      dedupKey: 'dead-message-gone',
      payload: { kind: 'dead', linkId: 'link-2', url: 'https://example.org/old', title: 'Old page', snapshot: null, reason: 'answers 404', deadSince: new Date().toISOString(), threadOf: { channelId: w.a.random, messageId: goneMessage }, locale: null },
    });
    await w.standIn.waitUntil(() => w.standIn.postedIn(w.a.random).some((m) => embedsOf(m)[0]?.title === 'This link is dead now: Old page'), 30_000, 'the dead link told');
    const [dead] = w.standIn.postedIn(w.a.random).filter((m) => embedsOf(m)[0]?.title === 'This link is dead now: Old page');
    expect(dead.message_reference).toMatchObject({ message_id: goneMessage, fail_if_not_exists: false });
    expect(embedsOf(dead)[0].description).toContain('It was never captured.');
    expect(dead.components).toEqual([]);
  });
});
