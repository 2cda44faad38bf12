// The shared conversation's rules on Slack, through the real Bolt app in HTTP mode against the
// stand-in Slack: the same scenarios as on Discord (test/discord-conversation.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatPolicy } from '../src/core/chat/policy.js';
import type { TestApp } from './helpers/app.js';
import type { FixtureServer } from './helpers/fixture-server.js';
import { startSlackHttpTestBed, type SlackHttpTestBed } from './helpers/slack-http.js';
import { eventCallbackBody, messageEventBody, newTs, sendEvent, sendSlashCommand } from './stand-ins/slack/requests.js';
import type { SlackStandIn } from './stand-ins/slack/server.js';

const SigningSecret = 'conversation-signing-secret-7d2';
const sign = { signingSecret: SigningSecret };
const T = 'T0CONV';
const W = `slack:${T}`;

let bed: SlackHttpTestBed | undefined;
let testApp: TestApp;
let fixtures: FixtureServer;
let slack: SlackStandIn;
let eventsUrl: string;

beforeAll(async () => {
  bed = await startSlackHttpTestBed({
    env: { SLACK_BOT_TOKEN: 'xoxb-conversation', SLACK_SIGNING_SECRET: SigningSecret, LINKSNAP_JOB_ATTEMPTS: '1' },
    prepare(standIn) {
      standIn.addChannel({ id: 'CGEN', name: 'general' });
      standIn.addChannel({ id: 'GFALCON', name: 'acquisition-falcon', is_private: true });
      standIn.setMemberships('UALICE', ['CGEN']);
      standIn.setMemberships('UBOB', ['CGEN', 'GFALCON']);
    },
  });
  ({ testApp, fixtures, slack, eventsUrl } = bed);
});

afterAll(async () => {
  await bed?.close();
});

async function post(channel: string, user: string, text: string, team = T): Promise<string> {
  const ts = newTs();
  slack.rememberUserMessage(channel, ts, { user, text });
  const channelType = channel.startsWith('G') ? 'group' : 'channel';
  expect((await sendEvent(eventsUrl, messageEventBody({ teamId: team, channel, channelType, user, ts, text }), sign)).status).toBe(200);
  return ts;
}

/** Polls an async condition (the stand-in's waitFor takes synchronous checks only). */
async function eventually(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const has = (channel: string, ts: string, name: string) => slack.reactions.get(`${channel}:${ts}`)?.has(name) ?? false;
const added = (ts: string, name: string) => slack.callsTo('reactions.add').some((call) => call.params.timestamp === ts && call.params.name === name);

describe('privacy', () => {
  it('keeps tags given in a private channel away from non-members', async () => {
    const url = fixtures.url('/article.html?slack-deal');
    const first = await post('CGEN', 'UALICE', `<${url}> #news`);
    await slack.waitFor(() => has('CGEN', first, 'camera'), 60_000, 'first capture');
    const secret = await post('GFALCON', 'UBOB', `<${url}> #falconplans`);
    await slack.waitFor(() => has('GFALCON', secret, 'camera'), 60_000, 'private share');

    const outsider = { channelIds: ['CGEN'] };
    const tags = (await testApp.service.listTags(W, outsider)).map((entry) => entry.tag);
    expect(tags).toContain('news');
    expect(tags).not.toContain('falconplans');
    expect(tags).not.toContain('acquisition-falcon');
    const [item] = (await testApp.service.find({ workspaceId: W, tags: ['news'], viewer: outsider })).items;
    expect(item.link.tags.sort()).toEqual(['general', 'news']);
    expect((await testApp.service.find({ workspaceId: W, tags: ['falconplans'], viewer: outsider })).items).toEqual([]);
    // The conversation is kept with each share, as people read it.
    const shares = await testApp.service.listShares(W, item.link.id);
    expect(shares.map((share) => share.messageText)).toEqual([`${url} #news`, `${url} #falconplans`]);
  });

  it('shows the repost reaction only when the poster can see an earlier share', async () => {
    const url = fixtures.url('/article.html?slack-repost');
    const secret = await post('GFALCON', 'UBOB', `<${url}>`);
    await slack.waitFor(() => has('GFALCON', secret, 'camera'), 60_000, 'private share');
    const byAlice = await post('CGEN', 'UALICE', `<${url}>`);
    await slack.waitFor(() => has('CGEN', byAlice, 'camera'), 60_000, 'alice share');
    expect(added(byAlice, 'recycle')).toBe(false);
    const byBob = await post('CGEN', 'UBOB', `<${url}>`);
    await slack.waitFor(() => added(byBob, 'recycle'), 30_000, 'repost reaction for bob');
  });

  it('hides a channel converted to private from everyone outside it', async () => {
    slack.addChannel({ id: 'CLATER', name: 'later' });
    slack.setMemberships('UCAROL', ['CLATER']);
    const url = fixtures.url('/article.html?slack-later');
    const ts = await post('CLATER', 'UCAROL', `<${url}> #laterprivate`);
    await slack.waitFor(() => has('CLATER', ts, 'camera'), 60_000, 'capture');
    const outsider = { channelIds: ['CGEN'] };
    expect((await testApp.service.find({ workspaceId: W, tags: ['laterprivate'], viewer: outsider })).items).toHaveLength(1);
    await sendEvent(eventsUrl, messageEventBody({ teamId: T, channel: 'CLATER', channelType: 'group', user: 'UCAROL', subtype: 'channel_convert_to_private', text: 'made this channel *private*.' }), sign);
    await eventually(async () => (await testApp.service.find({ workspaceId: W, tags: ['laterprivate'], viewer: outsider })).items.length === 0, 5_000, 'the channel hidden');
    expect((await testApp.service.find({ workspaceId: W, tags: ['laterprivate'], viewer: outsider })).items).toEqual([]);
    expect((await testApp.service.find({ workspaceId: W, tags: ['laterprivate'], viewer: { channelIds: ['CLATER'] } })).items).toHaveLength(1);
  });
});

describe('progress and failures', () => {
  it('keeps the hourglass on a message with two links until both ended', async () => {
    const quick = fixtures.url('/article.html?slack-two=quick');
    const slow = fixtures.url('/slow?ms=4000&slack-two=slow');
    const ts = await post('CGEN', 'UALICE', `<${quick}> and <${slow}>`);
    await eventually(async () => {
      const link = await testApp.service.findLinkByUrl(W, quick);
      return link ? (await testApp.service.listVersions(W, link.id))[0]?.status === 'done' : false;
    }, 60_000, 'quick capture done');
    await slack.waitFor(() => has('CGEN', ts, 'camera'), 10_000, 'camera for the quick link');
    // The quick link is done; the slow one still runs, so the hourglass stays.
    const slowLink = await testApp.service.findLinkByUrl(W, slow);
    expect((await testApp.service.listVersions(W, slowLink!.id))[0].status).not.toBe('done');
    expect(has('CGEN', ts, 'hourglass')).toBe(true);
    await slack.waitFor(() => !has('CGEN', ts, 'hourglass'), 60_000, 'hourglass gone after the slow link');
    expect((await testApp.service.listVersions(W, slowLink!.id))[0].status).toBe('done');
  });

  it('answers a refused link with a warning and tells the poster why', async () => {
    const ts = await post('CGEN', 'UALICE', 'see <http://[::1]:8080/admin>');
    await slack.waitFor(() => has('CGEN', ts, 'warning'), 10_000, 'warning');
    const notice = await slack.waitFor(() => slack.callsTo('chat.postEphemeral').find((call) => call.params.user === 'UALICE' && String(call.params.text).includes('[::1]')), 10_000, 'ephemeral reason');
    expect(notice.params.channel).toBe('CGEN');
    expect(has('CGEN', ts, 'hourglass')).toBe(false);
  });

  it('bounds a flood from one user with one notice, while another workspace’s /snap is served first', async () => {
    const budget = ChatPolicy.budgets.autoCapture.perUser;
    slack.setMemberships('UFLOOD', ['CGEN']);
    const stamps: string[] = [];
    for (let i = 0; i < budget + 5; i += 1) stamps.push(await post('CGEN', 'UFLOOD', `<${fixtures.url(`/article.html?slack-flood=${i}`)}>`));
    const floodLinks = async () => (await testApp.service.listWorkspaces()).find((entry) => entry.id === W)!.links;
    const before = await floodLinks();
    await sendSlashCommand(eventsUrl, { command: '/snap', teamId: 'T0OTHER', userId: 'UOTHER', channelId: 'CGEN', text: fixtures.url('/cjk.html?slack-other'), responseUrl: slack.responseUrl() }, sign);
    const progress = await slack.waitFor(() => slack.callsTo('chat.postMessage').find((call) => call.params.text?.includes('slack-other')), 10_000, 'progress');
    await slack.waitFor(() => JSON.stringify(slack.messages.get(`CGEN:${progress.response.ts}`)?.blocks ?? []).includes('127.0.0.1:1/s/'), 120_000, 'the other workspace’s card');
    const floodDone = stamps.filter((ts) => has('CGEN', ts, 'camera')).length;
    expect(floodDone).toBeLessThan(budget / 2);
    const notices = slack.callsTo('chat.postEphemeral').filter((call) => call.params.user === 'UFLOOD' && /faster than/.test(String(call.params.text)));
    expect(notices).toHaveLength(1);
    expect(stamps.slice(budget).filter((ts) => added(ts, 'hourglass'))).toEqual([]);
    expect(before).toBeGreaterThanOrEqual(budget);
  });
});

describe('curation from chat', () => {
  const react = (channel: string, ts: string, user: string, reaction: string, itemUser?: string) =>
    sendEvent(eventsUrl, eventCallbackBody(T, { type: 'reaction_added', user, reaction, item: { type: 'message', channel, ts }, ...(itemUser ? { item_user: itemUser } : {}) }), sign);

  it('captures only messages someone reacts to with the pushpin in reaction mode', async () => {
    await testApp.service.updateSettings(W, { captureTrigger: 'reaction' });
    try {
      const url = fixtures.url('/article.html?slack-pinned=1');
      const ts = await post('CGEN', 'UALICE', `keep <${url}> #pinned`);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(added(ts, 'hourglass')).toBe(false);
      await react('CGEN', ts, 'UBOB', 'thumbsup', 'UALICE');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(added(ts, 'hourglass')).toBe(false);
      await react('CGEN', ts, 'UBOB', 'pushpin', 'UALICE');
      await slack.waitFor(() => has('CGEN', ts, 'camera'), 60_000, 'capture after the pushpin');
      const link = await testApp.service.findLinkByUrl(W, url);
      expect(link!.tags).toContain('pinned');
      const [share] = await testApp.service.listShares(W, link!.id);
      expect(share.userId).toBe('UALICE');
      expect(share.messageText).toBe(`keep ${url} #pinned`);
    } finally {
      await testApp.service.updateSettings(W, { captureTrigger: 'auto' });
    }
  });

  it('captures the page again when someone reacts with arrows_counterclockwise on a card', async () => {
    const url = fixtures.url('/article.html?slack-again=1');
    await sendSlashCommand(eventsUrl, { command: '/snap', teamId: T, userId: 'UALICE', channelId: 'CGEN', text: url, responseUrl: slack.responseUrl() }, sign);
    const progress = await slack.waitFor(() => slack.callsTo('chat.postMessage').find((call) => call.params.text?.includes('slack-again')), 10_000, 'progress');
    const cardTs = progress.response.ts as string;
    await eventually(async () => Boolean(await testApp.service.cardAt('slack', 'CGEN', cardTs)), 60_000, 'card remembered');
    await react('CGEN', cardTs, 'UBOB', 'arrows_counterclockwise');
    await slack.waitFor(() => has('CGEN', cardTs, 'camera'), 60_000, 'new version done');
    const link = await testApp.service.findLinkByUrl(W, url);
    const versions = await testApp.service.listVersions(W, link!.id);
    expect(versions).toHaveLength(2);
    expect(added(cardTs, 'hourglass')).toBe(true);
  });
});
