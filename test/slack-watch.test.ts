// Issue 12 on Slack, through the real Bolt app in HTTP mode against the stand-in Slack, the real
// service (SQLite) and real Chromium captures of fixture pages that change or die between captures:
// /watch, /unwatch, /watches; change, dead-link and digest posts; /find dead:true; "changed since"
// on a re-posted link's card. Watches and link checks are driven by calling the service's own steps
// (runWatches, tickWatches, checkLinks, postDigests) instead of waiting for their schedules.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { st } from '../src/bots/slack/messages.js';
import { chatText } from '../src/core/chat/wording.js';
import { t } from '../src/core/i18n.js';
import type { Snapshot } from '../src/core/types.js';
import type { TestApp } from './helpers/app.js';
import { Added, changingPage as page, Paragraphs } from './helpers/changing-page.js';
import type { FixtureServer } from './helpers/fixture-server.js';
import { startSlackHttpTestBed, type SlackHttpTestBed } from './helpers/slack-http.js';
import { messageEventBody, newTs, sendEvent, sendSlashCommand } from './stand-ins/slack/requests.js';
import type { ApiCall, SlackStandIn } from './stand-ins/slack/server.js';

const SigningSecret = 'watch-signing-secret-41c';
const sign = { signingSecret: SigningSecret };
const T = 'T0WATCH';
const W = `slack:${T}`;
const snapshotUrl = (snapshot: Pick<Snapshot, 'id'>) => `http://127.0.0.1:1/s/${snapshot.id}`;
const diffUrl = (snapshot: Pick<Snapshot, 'id'>, againstId: string) => `http://127.0.0.1:1/diff/${snapshot.id}?from=${againstId}`;

let bed: SlackHttpTestBed | undefined;
let testApp: TestApp;
let fixtures: FixtureServer;
let slack: SlackStandIn;
let eventsUrl: string;

beforeAll(async () => {
  bed = await startSlackHttpTestBed({
    // No dedup window: a link posted again is captured again, as it is once the window has passed.
    env: { SLACK_BOT_TOKEN: 'xoxb-watch', SLACK_SIGNING_SECRET: SigningSecret, LINKSNAP_JOB_ATTEMPTS: '1', LINKSNAP_DEDUP_WINDOW: '0' },
    prepare(standIn) {
      for (const id of ['CCMD', 'CCHANGE', 'CROT', 'CEMPTY']) standIn.addChannel({ id, name: id.toLowerCase() });
      // A channel's name is one of its links' tags; this one sorts after the tags the digest test groups by.
      standIn.addChannel({ id: 'CDIGEST', name: 'reading' });
      standIn.setUser('UADMIN', { is_admin: true });
      standIn.setUser('UZH', { locale: 'zh-CN' });
    },
    snapshotUrl,
    diffUrl,
  });
  ({ testApp, fixtures, slack, eventsUrl } = bed);
});

afterAll(async () => {
  await bed?.close();
});

/** Sends a slash command over HTTP and resolves with what the app answered through its response_url. */
async function ask(command: string, text: string, channelId: string, userId = 'UALICE'): Promise<{ text: string; response_type: string; blocks: any[] }> {
  const responseUrl = slack.responseUrl();
  const ack = await sendSlashCommand(eventsUrl, { command, text, teamId: T, userId, channelId, responseUrl }, sign);
  expect(ack.status).toBe(200);
  const id = responseUrl.split('/').pop();
  const response = await slack.waitFor(() => slack.responses.find((entry) => entry.id === id), 30_000, `the answer to ${command} ${text}`);
  return response.body as { text: string; response_type: string; blocks: any[] };
}

async function post(channel: string, user: string, text: string): Promise<string> {
  const ts = newTs();
  slack.rememberUserMessage(channel, ts, { user, text });
  expect((await sendEvent(eventsUrl, messageEventBody({ teamId: T, channel, user, ts, text }), sign)).status).toBe(200);
  return ts;
}

/** What the app posted in a channel (or its threads) that Slack accepted. */
const postsIn = (channel: string): ApiCall[] => slack.callsTo('chat.postMessage').filter((call) => call.params.channel === channel && call.response.ok);
const captured = (channel: string, ts: string) => slack.reactions.get(`${channel}:${ts}`)?.has('camera') ?? false;
const sectionTexts = (blocks: any[]): string[] => blocks.filter((block) => block.type === 'section' && block.text).map((block) => block.text.text as string);

describe('/watch, /watches, /unwatch', () => {
  it('sets a watch for the channel, refuses bad schedules to the asker, reads a cron expression with spaces, lists and removes it', async () => {
    const url = fixtures.url('/article.html?slack-watch=commands');
    const set = await ask('/watch', `url:${url} every:daily`, 'CCMD');
    expect(set.response_type).toBe('in_channel');
    expect(set.text).toContain(`Watching ${url} every day in this channel.`);
    expect(await testApp.service.listWatches(W, 'CCMD')).toEqual([expect.objectContaining({ url, every: 'daily', platform: 'slack', channelId: 'CCMD' })]);
    // Never captured before: the first version, the one later ones are compared with, is under way.
    const link = await testApp.service.findLinkByUrl(W, url);
    expect(await testApp.service.listVersions(W, link!.id)).toHaveLength(1);

    const bad = await ask('/watch', `${url} sometimes`, 'CCMD');
    expect(bad.response_type).toBe('ephemeral');
    expect(bad.text).toMatch(/Not a schedule: "sometimes"/);
    const often = await ask('/watch', `url:${url} every:*/5 * * * *`, 'CCMD');
    expect(often.response_type).toBe('ephemeral');
    expect(often.text).toMatch(/runs more often than this server allows/);
    const noSchedule = await ask('/watch', url, 'CCMD');
    expect(noSchedule).toMatchObject({ response_type: 'ephemeral', text: st('en', 'watch.usage') });
    const zh = await ask('/watch', '', 'CCMD', 'UZH');
    expect(zh.text).toBe(st('zh-CN', 'watch.usage'));
    expect((await testApp.service.listWatches(W, 'CCMD')).map((watch) => watch.every)).toEqual(['daily']);

    // Slack sends a link typed after `url:` as <…> markup; the schedule is everything after the link.
    const cron = await ask('/watch', `url:<${url}> 0 9 * * 1`, 'CCMD');
    expect(cron.response_type).toBe('in_channel');
    expect(cron.text).toContain(`Now watching ${url} on "0 9 * * 1" (was every day).`);
    const natural = await ask('/watch', `${url} every:30 8 * * 1-5`, 'CCMD');
    expect(natural.text).toContain('on "30 8 * * 1-5"');
    expect((await testApp.service.listWatches(W, 'CCMD')).map((watch) => watch.every)).toEqual(['30 8 * * 1-5']);

    const listed = await ask('/watches', '', 'CCMD');
    expect(listed.response_type).toBe('ephemeral');
    expect(listed.text.split('\n')[0]).toBe(chatText('en', 'watch.list.header', { count: 1 }));
    expect(listed.text).toContain(`${url}: on "30 8 * * 1-5", next `);
    expect((await ask('/watches', '', 'CROT')).text).toBe(chatText('en', 'watch.list.empty'));
    expect((await ask('/unwatch', url, 'CROT')).text).toBe(chatText('en', 'watch.none', { url }));

    const removed = await ask('/unwatch', `url:${url}`, 'CCMD');
    expect(removed).toMatchObject({ response_type: 'in_channel', text: chatText('en', 'watch.removed', { url }) });
    expect(await testApp.service.listWatches(W, 'CCMD')).toEqual([]);
    expect((await ask('/unwatch', '', 'CCMD')).text).toBe(st('en', 'unwatch.usage'));
  });
});

describe('change posts', () => {
  it('posts one change with the added line, its links and both thumbnails; nothing again, nothing for a new time stamp; once when it keeps failing', async () => {
    const path = '/slack-tides.html';
    const url = fixtures.url(path);
    fixtures.setPage(path, page('Tide tables', '2026-01-05 10:00', Paragraphs));
    expect((await ask('/watch', `${url} daily`, 'CCHANGE')).response_type).toBe('in_channel');
    const link = await testApp.service.findLinkByUrl(W, url);
    const [first] = await testApp.service.listVersions(W, link!.id);
    expect((await testApp.service.waitFor(first.id)).status).toBe('done');
    // The first run has nothing to compare with.
    await testApp.service.tickWatches();

    fixtures.setPage(path, page('Tide tables', '2026-01-05 10:00', [...Paragraphs, Added]));
    const run = await testApp.service.runWatches({ all: true });
    const started = run.started.find((entry) => entry.watch.url === url)!;
    expect((await testApp.service.waitFor(started.snapshotId)).status).toBe('done');
    expect((await testApp.service.tickWatches()).changed).toBe(1);

    const notice = await slack.waitFor(() => postsIn('CCHANGE')[0], 30_000, 'the change post');
    expect(notice.params.thread_ts).toBeUndefined();
    expect(notice.params.text).toContain(chatText('en', 'notice.change.title', { title: 'Tide tables' }));
    const texts = sectionTexts(notice.params.blocks);
    expect(texts.some((text) => text.startsWith('1 lines added, 0 removed since '))).toBe(true);
    const code = texts.find((text) => text.startsWith('```'));
    expect(code).toBe(`\`\`\`\n+${Added}\n\`\`\``);
    const buttons = notice.params.blocks.find((block: any) => block.type === 'actions').elements;
    expect(buttons.map((button: any) => [button.text.text, button.url])).toEqual([
      ['See what changed', diffUrl({ id: started.snapshotId }, first.id)],
      ['Before', snapshotUrl(first)],
      ['After', snapshotUrl({ id: started.snapshotId })],
    ]);
    const images = notice.params.blocks.filter((block: any) => block.type === 'image');
    expect(images.map((image: any) => image.title.text)).toEqual(['Before', 'After']);
    for (const image of images) expect(slack.uploads.get(image.slack_file.id)?.length).toBeGreaterThan(0);

    // Judged once: another tick finds nothing to post, and the outbox has nothing left.
    expect(await testApp.service.tickWatches()).toMatchObject({ changed: 0, unchanged: 0, failed: 0 });
    await testApp.service.notices.deliverDue();
    expect(postsIn('CCHANGE')).toHaveLength(1);

    // Only the time on the page moved: captured again, but not a change.
    fixtures.setPage(path, page('Tide tables', '2026-02-07 11:30', [...Paragraphs, Added]));
    const stamped = (await testApp.service.runWatches({ all: true })).started.find((entry) => entry.watch.url === url)!;
    expect((await testApp.service.waitFor(stamped.snapshotId)).status).toBe('done');
    expect(await testApp.service.tickWatches()).toMatchObject({ changed: 0, unchanged: 1 });
    await testApp.service.notices.deliverDue();
    expect(postsIn('CCHANGE')).toHaveLength(1);

    // The page now sends the browser somewhere it may not go: after three failed runs in a row the
    // channel hears it once.
    fixtures.setPage(path, { status: 302, headers: { location: 'http://10.1.2.3/' } });
    for (let run = 1; run <= 3; run += 1) {
      const failing = (await testApp.service.runWatches({ all: true })).started.find((entry) => entry.watch.url === url)!;
      expect((await testApp.service.waitFor(failing.snapshotId)).status).toBe('failed');
      expect(await testApp.service.tickWatches()).toMatchObject({ failed: 1 });
      if (run < 3) {
        await testApp.service.notices.deliverDue();
        expect(postsIn('CCHANGE')).toHaveLength(1);
      }
    }
    const failingPost = await slack.waitFor(() => postsIn('CCHANGE')[1], 30_000, 'the watch-failing post');
    expect(sectionTexts(failingPost.params.blocks)[0]).toContain(chatText('en', 'notice.failing.title', { url }));
    expect(sectionTexts(failingPost.params.blocks)[1]).toMatch(/^The last 3 captures failed \(.*10\.1\.2\.3/);
  });
});

describe('dead links', () => {
  it('alerts once per death where the link was shared: in its thread, then in the channel, then not at all; /find dead:true lists it', async () => {
    const path = '/slack-lighthouse-hours.html';
    const url = fixtures.url(path);
    const alive = page('Lighthouse opening hours', '2026-01-05', Paragraphs);
    fixtures.setPage(path, alive);
    const shared = await post('CROT', 'UALICE', `opening hours <${url}> #lighthouses`);
    await slack.waitFor(() => captured('CROT', shared), 60_000, 'the shared link captured');
    const link = (await testApp.service.findLinkByUrl(W, url))!;
    const [snapshot] = await testApp.service.listVersions(W, link.id);
    const die = async () => {
      fixtures.setPage(path, { status: 404, body: 'Not found' });
      await testApp.service.checkLinks({ all: true });
      await testApp.service.checkLinks({ all: true });
    };
    const revive = async () => {
      fixtures.setPage(path, alive);
      await testApp.service.checkLinks({ all: true });
      expect((await testApp.service.getLink(W, link.id)).lastCheck?.deadSince).toBeNull();
    };

    // rot_alerts thread (the default): in the thread of the message that shared it.
    await die();
    const inThread = await slack.waitFor(() => postsIn('CROT')[0], 30_000, 'the dead-link alert');
    expect(inThread.params.thread_ts).toBe(shared);
    expect(sectionTexts(inThread.params.blocks)[0]).toContain(chatText('en', 'notice.dead.title', { title: 'Lighthouse opening hours' }));
    expect(sectionTexts(inThread.params.blocks)[1]).toMatch(/HTTP 404 \(checked twice, since .* UTC\)\. Here is the snapshot from /);
    const button = inThread.params.blocks.find((block: any) => block.type === 'actions').elements[0];
    expect([button.text.text, button.url]).toEqual([chatText('en', 'notice.dead.view'), snapshotUrl(snapshot)]);
    expect(inThread.params.blocks.some((block: any) => block.type === 'image' && block.slack_file.id)).toBe(true);
    await testApp.service.checkLinks({ all: true });
    await testApp.service.notices.deliverDue();
    expect(postsIn('CROT')).toHaveLength(1);

    // /find marks it, in results and in the dead-links list; text with dead:true is refused.
    const deadNote = (text: string) => /dead since \d{4}-\d\d-\d\d \d\d:\d\d UTC: HTTP 404/.test(text);
    const found = await ask('/find', 'lighthouses', 'CROT');
    expect(deadNote(JSON.stringify(found.blocks))).toBe(true);
    const dead = await ask('/find', 'dead:true', 'CROT');
    expect(dead.text).toContain('dead:true');
    expect(JSON.stringify(dead.blocks)).toContain(url);
    expect(deadNote(JSON.stringify(dead.blocks))).toBe(true);
    expect(JSON.stringify((await ask('/find', 'dead:true lighthouses', 'CROT')).blocks)).toContain(url);
    expect((await ask('/find', 'dead:true harbours', 'CROT')).text).toBe(t('en', 'find.none', { query: 'dead:true #harbours' }));
    const withText = await ask('/find', 'lighthouses hours dead:true', 'CROT');
    expect(withText.text).toContain('dead:true lists dead links by tag; leave the text out');
    expect((await ask('/find', 'dead:maybe', 'CROT')).text).toBe(st('en', 'find.usage'));

    // rot_alerts channel, set from Slack: the next death is told in the channel itself.
    const channelMode = await ask('/snapconfig', 'rot_alerts channel', 'CROT', 'UADMIN');
    expect(channelMode.text).toContain('dead-link alerts: in the channel');
    await revive();
    await die();
    const inChannel = await slack.waitFor(() => postsIn('CROT')[1], 30_000, 'the second alert');
    expect(inChannel.params.thread_ts).toBeUndefined();

    // rot_alerts off: the link dies again, silently.
    expect((await ask('/snapconfig', 'rot-alerts off', 'CROT', 'UADMIN')).text).toContain('dead-link alerts: off');
    await revive();
    await die();
    expect((await testApp.service.getLink(W, link.id)).lastCheck?.deadSince).not.toBeNull();
    await testApp.service.notices.deliverDue();
    expect(postsIn('CROT')).toHaveLength(2);
  });
});

describe('digests and changed re-posts', () => {
  it('posts one digest grouped by tag for a channel with links, none for an empty one; a re-post of a changed page says so', async () => {
    const harbour = fixtures.url('/slack-digest-harbour.html');
    const ferry = fixtures.url('/slack-digest-ferry.html');
    fixtures.setPage('/slack-digest-harbour.html', page('Harbour works', '2026-03-01', Paragraphs));
    fixtures.setPage('/slack-digest-ferry.html', page('Ferry timetable', '2026-03-01', Paragraphs.slice(1)));

    const set = await ask('/snapconfig', 'digest daily', 'CDIGEST', 'UADMIN');
    expect(set.text).toContain('digest here: daily');
    const settings = await testApp.service.getSettings(W);
    expect(settings.digests).toEqual({ CDIGEST: 'daily' });
    await testApp.service.updateSettings(W, { digests: { ...settings.digests, CEMPTY: 'daily' } });

    const a = await post('CDIGEST', 'UALICE', `<${harbour}> #docks`);
    const b = await post('CDIGEST', 'UALICE', `<${ferry}> #boats`);
    await slack.waitFor(() => captured('CDIGEST', a) && captured('CDIGEST', b), 60_000, 'both links captured');

    expect(await testApp.service.postDigests(new Date())).toEqual({ posted: 1, empty: 1 });
    const digest = await slack.waitFor(() => postsIn('CDIGEST')[0], 30_000, 'the digest');
    const texts = sectionTexts(digest.params.blocks);
    expect(texts[0]).toContain(chatText('en', 'notice.digest.daily', { count: 2 }));
    const boats = texts.find((text) => text.startsWith('*boats*\n'));
    const docks = texts.find((text) => text.startsWith('*docks*\n'));
    expect(boats).toContain(`<${ferry}|Ferry timetable>`);
    expect(docks).toContain(`<${harbour}|Harbour works>`);
    expect(docks).not.toContain(ferry);
    expect(texts.indexOf(boats!)).toBeLessThan(texts.indexOf(docks!));
    const strip = digest.params.blocks.find((block: any) => block.type === 'context');
    expect(strip.elements.filter((element: any) => element.type === 'image')).toHaveLength(2);
    await testApp.service.notices.deliverDue();
    expect(postsIn('CDIGEST')).toHaveLength(1);
    expect(postsIn('CEMPTY')).toEqual([]);

    // The harbour page changed; posted again (past the dedup window), its card says since when.
    expect((await ask('/snapconfig', 'thread on', 'CDIGEST', 'UADMIN')).text).toContain('replies in thread: yes');
    fixtures.setPage('/slack-digest-harbour.html', page('Harbour works', '2026-03-01', [...Paragraphs, Added]));
    const again = await post('CDIGEST', 'UBOB', `again: <${harbour}>`);
    const card = await slack.waitFor(() => postsIn('CDIGEST').find((call) => call.params.thread_ts === again), 60_000, 'the re-post card');
    const link = (await testApp.service.findLinkByUrl(W, harbour))!;
    const [latest, previous] = await testApp.service.listVersions(W, link.id);
    const note = sectionTexts(card.params.blocks).find((text) => text.includes('Changed since'));
    expect(note).toMatch(/Changed since \d{4}-\d\d-\d\d \d\d:\d\d UTC: 1 lines added, 0 removed\./);
    expect(note).toContain(`<${diffUrl(latest, previous.id)}|${chatText('en', 'card.viewChanges')}>`);
  });
});

describe('a channel the app is not in', () => {
  it('refuses /watch and a digest there, asking to invite the app, in the asker’s language; asks again once invited; a DM with the app is fine', async () => {
    // The manifest has chat:write without chat:write.public: the app posts only where it is a member.
    slack.addChannel({ id: 'COUTSIDE', name: 'outside' });
    slack.setNotInChannel('COUTSIDE');
    slack.addChannel({ id: 'GSECRET', name: 'secret', is_private: true });
    slack.setNotInChannel('GSECRET');
    const url = fixtures.url('/article.html?slack-watch=outside');
    for (const channel of ['COUTSIDE', 'GSECRET']) {
      const refused = await ask('/watch', `${url} daily`, channel);
      expect(refused, channel).toMatchObject({ response_type: 'ephemeral', text: st('en', 'watch.notMember') });
    }
    const zh = await ask('/watch', `url:${url} every:weekly`, 'COUTSIDE', 'UZH');
    expect(zh).toMatchObject({ response_type: 'ephemeral', text: st('zh-CN', 'watch.notMember') });
    expect(st('zh-CN', 'watch.notMember')).toContain('/invite @linksnap');
    expect(await testApp.service.listWatches(W, 'COUTSIDE')).toEqual([]);
    expect(await testApp.service.listWatches(W, 'GSECRET')).toEqual([]);
    // Refused before anything was set: not even the first capture started.
    expect(await testApp.service.findLinkByUrl(W, url)).toBeFalsy();

    // Invited: the next /watch is let through (membership is asked again, not remembered).
    slack.setInChannel('COUTSIDE');
    const set = await ask('/watch', `${url} daily`, 'COUTSIDE');
    expect(set.response_type).toBe('in_channel');
    expect(await testApp.service.listWatches(W, 'COUTSIDE')).toEqual([expect.objectContaining({ url, channelId: 'COUTSIDE' })]);
    const link = await testApp.service.findLinkByUrl(W, url);
    const [firstCapture] = await testApp.service.listVersions(W, link!.id);
    expect((await testApp.service.waitFor(firstCapture.id)).status).toBe('done');
    expect((await ask('/unwatch', url, 'COUTSIDE')).response_type).toBe('in_channel');

    // A digest: refused with the rest of the command, nothing saved.
    slack.setNotInChannel('COUTSIDE');
    const before = await testApp.service.getSettings(W);
    const digest = await ask('/snapconfig', 'digest weekly rot_alerts off', 'COUTSIDE', 'UADMIN');
    expect(digest).toMatchObject({ response_type: 'ephemeral', text: st('en', 'config.digestNotMember') });
    expect((await ask('/snapconfig', 'digest daily', 'GSECRET', 'UADMIN')).text).toBe(st('en', 'config.digestNotMember'));
    expect(await testApp.service.getSettings(W)).toEqual(before);
    // Turning a digest off there needs no post, so it is not refused.
    expect((await ask('/snapconfig', 'digest off', 'COUTSIDE', 'UADMIN')).text).not.toBe(st('en', 'config.digestNotMember'));

    // A DM with the app: conversations.info has no is_member for it, and the app can post there.
    slack.addChannel({ id: 'DAPP', name: 'dm', is_im: true });
    const dm = await ask('/snapconfig', 'digest weekly', 'DAPP', 'UADMIN');
    expect(dm.text).toContain('digest here: weekly');
    expect((await testApp.service.getSettings(W)).digests.DAPP).toBe('weekly');
    await ask('/snapconfig', 'digest off', 'DAPP', 'UADMIN');
  });
});
