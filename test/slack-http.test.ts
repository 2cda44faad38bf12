// The real Bolt app in HTTP mode, mounted on a real web server, against the stand-in Slack and the
// real service (SQLite in a temp folder, real Chromium capturing local fixture pages).
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackAppHandle } from '../src/bots/slack/index.js';
import { FindActionIds } from '../src/bots/slack/blocks.js';
import { t } from '../src/core/i18n.js';
import type { TestApp } from './helpers/app.js';
import type { FixtureServer } from './helpers/fixture-server.js';
import { startSlackHttpTestBed, type SlackHttpTestBed } from './helpers/slack-http.js';
import type { MountServer } from './stand-ins/slack/mount-server.js';
import {
  messageEventBody,
  newTs,
  sendBlockAction,
  sendEvent,
  sendSlashCommand,
  type SlashCommandFields,
} from './stand-ins/slack/requests.js';
import type { SlackStandIn } from './stand-ins/slack/server.js';

const SigningSecret = 'test-signing-secret-8f2a';
const T1 = 'T0000TEAM1';
const T2 = 'T0000TEAM2';

let bed: SlackHttpTestBed | undefined;
let testApp: TestApp;
let fixtures: FixtureServer;
let slack: SlackStandIn;
let web: MountServer;
let handle: SlackAppHandle;
let eventsUrl: string;

const sign = { signingSecret: SigningSecret };

function command(fields: Partial<SlashCommandFields> & Pick<SlashCommandFields, 'command' | 'text'>): SlashCommandFields {
  return { teamId: T1, userId: 'UALICE', channelId: 'CPUBLIC', responseUrl: slack.responseUrl(), ...fields };
}

function responsesTo(url: string) {
  const id = url.split('/').pop();
  return slack.responses.filter((response) => response.id === id);
}

function blocksText(blocks: any[]): string {
  return JSON.stringify(blocks);
}

beforeAll(async () => {
  bed = await startSlackHttpTestBed({
    env: { SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: SigningSecret, LINKSNAP_SNAPS_PER_MINUTE: '3', LINKSNAP_JOB_ATTEMPTS: '1' },
    prepare(standIn) {
      standIn.addChannel({ id: 'CPUBLIC', name: 'general' });
      standIn.addChannel({ id: 'GSECRET', name: 'secret-room', is_private: true });
      standIn.setUser('UZH', { locale: 'zh-CN' });
    },
  });
  ({ testApp, fixtures, slack, web, handle, eventsUrl } = bed);
});

afterAll(async () => {
  await bed?.close();
});

describe('Slack app in HTTP mode', () => {
  it('starts in HTTP mode and verifies its token with auth.test', () => {
    expect(handle.mode).toBe('http');
    expect(slack.callsTo('auth.test').length).toBeGreaterThan(0);
    expect(slack.callsTo('auth.test')[0].token).toBe('xoxb-test');
  });

  it('/snap acks with an empty 200, posts progress, then replaces it with the card and an uploaded thumbnail', async () => {
    const url = fixtures.url('/article.html');
    const ack = await sendSlashCommand(eventsUrl, command({ command: '/snap', text: `${url} Lighthouses #Coast`, userId: 'USNAP' }), sign);
    expect(ack.status).toBe(200);
    expect(ack.body).toBe('');

    const progress = await slack.waitFor(() => slack.callsTo('chat.postMessage').find((call) => call.params.text?.includes(url)), 10_000, 'progress message');
    expect(progress.params.channel).toBe('CPUBLIC');
    expect(progress.params.text).toBe(t('en', 'snap.queued', { url }));
    const key = `CPUBLIC:${progress.response.ts}`;
    const message = await slack.waitFor(() => {
      const stored = slack.messages.get(key);
      return stored && blocksText(stored.blocks).includes('The Quiet Lighthouse of Vannamere') ? stored : null;
    }, 60_000, 'result card');
    const blocks = blocksText(message.blocks);
    expect(blocks).toContain('lighthouses');
    expect(blocks).toContain('coast');
    expect(blocks).toContain(t('en', 'snap.view'));
    expect(blocks).toMatch(/http:\/\/127\.0\.0\.1:1\/s\/[\w-]{16}\|/);
    const image = message.blocks.find((block: any) => block.type === 'image');
    expect(image?.slack_file?.id).toMatch(/^F/);
    const uploaded = slack.uploads.get(image.slack_file.id);
    expect(uploaded?.includes(Buffer.from('WEBP'))).toBe(true);
    expect(slack.callsTo('files.completeUploadExternal').some((call) => call.params.files?.[0]?.id === image.slack_file.id)).toBe(true);
  });

  it('answers through the response_url in a channel the app is not a member of', async () => {
    slack.setNotInChannel('COUTSIDE');
    const url = fixtures.url('/article.html?outside=1');
    const fields = command({ command: '/snap', text: url, userId: 'UOUT', channelId: 'COUTSIDE' });
    expect((await sendSlashCommand(eventsUrl, fields, sign)).status).toBe(200);
    const queued = await slack.waitFor(() => responsesTo(fields.responseUrl)[0], 10_000, 'queued via response_url');
    expect(queued.body.response_type).toBe('in_channel');
    expect(queued.body.text).toBe(t('en', 'snap.queued', { url }));
    const card = await slack.waitFor(() => responsesTo(fields.responseUrl).find((r) => blocksText(r.body.blocks ?? []).includes('The Quiet Lighthouse')), 60_000, 'card via response_url');
    expect(card.body.replace_original).toBe(true);
  });

  it('reports a failed capture: a warning reaction on the message and the reason in the card', async () => {
    const closed = http.createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const url = `http://127.0.0.1:${port}/gone`;

    const ts = newTs();
    await sendEvent(eventsUrl, messageEventBody({ teamId: T1, channel: 'CPUBLIC', user: 'UFAIL', ts, text: `<${url}>` }), sign);
    await slack.waitFor(() => slack.reactions.get(`CPUBLIC:${ts}`)?.has('warning'), 60_000, 'warning reaction');
    expect(slack.reactions.get(`CPUBLIC:${ts}`)?.has('hourglass')).toBe(false);

    await sendSlashCommand(eventsUrl, command({ command: '/snap', text: `${url}?again=1`, userId: 'UFAIL' }), sign);
    const progress = await slack.waitFor(() => slack.callsTo('chat.postMessage').find((call) => call.params.text?.includes('again=1')), 10_000, 'progress');
    const failed = await slack.waitFor(() => {
      const stored = slack.messages.get(`CPUBLIC:${progress.response.ts}`);
      return stored?.text.startsWith('Could not capture') ? stored : null;
    }, 60_000, 'failure card');
    expect(failed.text).toContain('The site could not be reached.');
    expect(blocksText(failed.blocks)).toContain(':warning:');
  });

  it('refuses a request with a missing, wrong or stale signature with 401 and captures nothing', async () => {
    const url = fixtures.url('/article.html?forged=1');
    const before = slack.calls.length;
    const fields = command({ command: '/snap', text: url, userId: 'UFORGER' });
    const missing = await sendSlashCommand(eventsUrl, fields, { ...sign, unsigned: true });
    const wrong = await sendSlashCommand(eventsUrl, fields, { signingSecret: 'not-the-secret' });
    const stale = await sendSlashCommand(eventsUrl, fields, { ...sign, timestamp: Math.floor(Date.now() / 1000) - 10 * 60 });
    const event = await sendEvent(eventsUrl, messageEventBody({ teamId: T1, channel: 'CPUBLIC', user: 'UFORGER', text: `<${url}>` }), { signingSecret: 'nope' });
    expect([missing.status, wrong.status, stale.status, event.status]).toEqual([401, 401, 401, 401]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(slack.calls.slice(before).filter((call) => call.method !== 'auth.test')).toEqual([]);
    const found = await testApp.service.find({ workspaceId: `slack:${T1}`, text: 'forged' });
    expect(found.items.filter((item) => item.link.url.includes('forged'))).toEqual([]);
  });

  it('auto-captures markup links with hashtags, shows progress with reactions, and ignores mentions and channel refs', async () => {
    const url = fixtures.url('/cjk.html');
    const ts = newTs();
    const body = messageEventBody({ teamId: T1, channel: 'CPUBLIC', user: 'UBOB', ts, text: `<@UALICE> look <${url}|日记> in <#CPUBLIC|general> #Diary #灯塔` });
    const response = await sendEvent(eventsUrl, body, sign);
    expect(response.status).toBe(200);
    await slack.waitFor(() => slack.reactions.get(`CPUBLIC:${ts}`)?.has('camera'), 60_000, 'camera reaction');
    expect(slack.reactions.get(`CPUBLIC:${ts}`)?.has('hourglass')).toBe(false);
    expect(slack.callsTo('reactions.add').some((call) => call.params.timestamp === ts && call.params.name === 'hourglass')).toBe(true);
    const found = await testApp.service.find({ workspaceId: `slack:${T1}`, tags: ['diary'] });
    expect(found.items.map((item) => item.link.url)).toEqual([url]);
    // The channel's name is a tag, as on Discord (the same rule for every platform).
    expect(found.items[0].link.tags.sort()).toEqual(['diary', 'general', '灯塔'].sort());
    expect(found.items[0].snapshot.title).toContain('灯塔守望者');
  });

  it('never captures twice when Slack retries an event', async () => {
    const url = fixtures.url('/article.html?retried=1');
    const ts = newTs();
    const body = messageEventBody({ teamId: T1, channel: 'CPUBLIC', user: 'UBOB', ts, text: `<${url}>` });
    expect((await sendEvent(eventsUrl, body, sign)).status).toBe(200);
    expect((await sendEvent(eventsUrl, body, { ...sign, retryNum: 1, retryReason: 'http_timeout' })).status).toBe(200);
    expect((await sendEvent(eventsUrl, body, { ...sign, retryNum: 2, retryReason: 'http_timeout' })).status).toBe(200);
    await slack.waitFor(() => slack.reactions.get(`CPUBLIC:${ts}`)?.has('camera'), 60_000, 'camera reaction');
    const found = await testApp.service.find({ workspaceId: `slack:${T1}`, text: 'retried' });
    const item = found.items.find((entry) => entry.link.url === url);
    expect(item).toBeDefined();
    expect(await testApp.service.listShares(`slack:${T1}`, item!.link.id)).toHaveLength(1);
    expect(await testApp.service.listVersions(`slack:${T1}`, item!.link.id)).toHaveLength(1);
    expect(slack.callsTo('reactions.add').filter((call) => call.params.timestamp === ts && call.params.name === 'hourglass')).toHaveLength(1);
  });

  it('does not capture edits, bot messages or its own messages', async () => {
    const url = fixtures.url('/article.html?ignored=1');
    const bodies = [
      messageEventBody({ teamId: T1, channel: 'CPUBLIC', subtype: 'message_changed', extra: { message: { text: `<${url}>`, user: 'UBOB', ts: newTs() } } }),
      messageEventBody({ teamId: T1, channel: 'CPUBLIC', subtype: 'bot_message', botId: 'BOTHER', text: `<${url}>` }),
      messageEventBody({ teamId: T1, channel: 'CPUBLIC', user: 'UOTHERBOT', botId: 'BOTHER', text: `<${url}>` }),
      messageEventBody({ teamId: T1, channel: 'CPUBLIC', user: slack.botUserId, botId: slack.botId, text: `<${url}>` }),
    ];
    for (const body of bodies) expect((await sendEvent(eventsUrl, body, sign)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const found = await testApp.service.find({ workspaceId: `slack:${T1}`, text: 'ignored' });
    expect(found.items).toEqual([]);
  });

  it('keeps teams apart: a link captured in one team is not found from another', async () => {
    const url = fixtures.url('/article.html?team=2');
    const ts = newTs();
    await sendEvent(eventsUrl, messageEventBody({ teamId: T2, channel: 'CT2', user: 'UCAROL', ts, text: `<${url}> #isolated` }), sign);
    await slack.waitFor(() => slack.reactions.get(`CT2:${ts}`)?.has('camera'), 60_000, 'camera reaction');

    const fromT1 = command({ command: '/find', text: 'isolated', teamId: T1 });
    expect((await sendSlashCommand(eventsUrl, fromT1, sign)).status).toBe(200);
    const t1Answer = await slack.waitFor(() => responsesTo(fromT1.responseUrl)[0], 10_000, '/find answer in T1');
    expect(t1Answer.body.text).toBe(t('en', 'find.none', { query: '#isolated' }));

    const fromT2 = command({ command: '/find', text: 'isolated', teamId: T2, userId: 'UCAROL', channelId: 'CT2' });
    await sendSlashCommand(eventsUrl, fromT2, sign);
    const t2Answer = await slack.waitFor(() => responsesTo(fromT2.responseUrl)[0], 10_000, '/find answer in T2');
    expect(t2Answer.body.response_type).toBe('ephemeral');
    expect(blocksText(t2Answer.body.blocks)).toContain(url.replace(/&/g, '&amp;'));
  });

  it('shows a link from a private channel only to its members', async () => {
    const url = fixtures.url('/article.html?private=1');
    const ts = newTs();
    slack.setMemberships('UINSIDER', ['CPUBLIC', 'GSECRET']);
    slack.setMemberships('UOUTSIDER', ['CPUBLIC']);
    await sendEvent(eventsUrl, messageEventBody({ teamId: T1, channel: 'GSECRET', channelType: 'group', user: 'UINSIDER', ts, text: `<${url}> #confidential` }), sign);
    await slack.waitFor(() => slack.reactions.get(`GSECRET:${ts}`)?.has('camera'), 60_000, 'camera reaction');

    const outsider = command({ command: '/find', text: 'confidential', userId: 'UOUTSIDER' });
    await sendSlashCommand(eventsUrl, outsider, sign);
    const hidden = await slack.waitFor(() => responsesTo(outsider.responseUrl)[0], 10_000, 'outsider answer');
    expect(hidden.body.text).toBe(t('en', 'find.none', { query: '#confidential' }));

    const insider = command({ command: '/find', text: 'confidential', userId: 'UINSIDER' });
    await sendSlashCommand(eventsUrl, insider, sign);
    const shown = await slack.waitFor(() => responsesTo(insider.responseUrl)[0], 10_000, 'insider answer');
    expect(blocksText(shown.body.blocks)).toContain('private=1');
  });

  it('/find pages with Previous/Next buttons that only the asker can turn', async () => {
    const workspace = { id: `slack:${T1}`, platform: 'slack' as const };
    const urls = Array.from({ length: 7 }, (_, i) => fixtures.url(`/article.html?page=${i}`));
    const accepted = [];
    for (const url of urls) {
      accepted.push(await testApp.service.snap({ url, tags: ['paged'], workspace, requester: { id: 'USEED' }, source: { platform: 'web' } }));
    }
    await Promise.all(accepted.map((entry) => testApp.service.waitFor(entry.snapshot.id)));

    const ask = command({ command: '/find', text: 'paged', userId: 'UPAGER' });
    await sendSlashCommand(eventsUrl, ask, sign);
    const first = await slack.waitFor(() => responsesTo(ask.responseUrl)[0], 10_000, 'first page');
    expect(first.body.text).toBe(t('en', 'find.header', { query: '#paged', from: 1, to: 5 }));
    const actions = first.body.blocks.find((block: any) => block.type === 'actions');
    expect(actions.elements.map((button: any) => button.action_id)).toEqual([FindActionIds.next]);
    const topImage = first.body.blocks[1].accessory;
    expect(topImage?.slack_file?.id).toMatch(/^F/);

    const nextUrl = slack.responseUrl();
    const click = { teamId: T1, userId: 'UPAGER', channelId: 'CPUBLIC', actionId: FindActionIds.next, value: actions.elements[0].value, responseUrl: nextUrl };
    expect((await sendBlockAction(eventsUrl, click, sign)).status).toBe(200);
    const second = await slack.waitFor(() => responsesTo(nextUrl)[0], 10_000, 'second page');
    expect(second.body.replace_original).toBe(true);
    expect(second.body.text).toBe(t('en', 'find.header', { query: '#paged', from: 6, to: 7 }));
    const secondActions = second.body.blocks.find((block: any) => block.type === 'actions');
    expect(secondActions.elements.map((button: any) => button.action_id)).toEqual([FindActionIds.previous]);
    const shownUrls = [...first.body.blocks, ...second.body.blocks].map((block: any) => block.text?.text ?? '').join('\n');
    for (const url of urls) expect(shownUrls).toContain(url);

    const strangerUrl = slack.responseUrl();
    await sendBlockAction(eventsUrl, { ...click, userId: 'USTRANGER', responseUrl: strangerUrl }, sign);
    const refused = await slack.waitFor(() => responsesTo(strangerUrl)[0], 10_000, 'refusal');
    expect(refused.body.text).toBe(t('en', 'find.notYours'));
    expect(refused.body.replace_original).toBe(false);
  });

  it('refuses private-network and non-http links with a clear, localised message', async () => {
    const blocked = command({ command: '/snap', text: 'http://10.1.2.3/admin', userId: 'UREFUSED' });
    await sendSlashCommand(eventsUrl, blocked, sign);
    const progress = await slack.waitFor(() => slack.callsTo('chat.postMessage').find((call) => call.params.text?.includes('10.1.2.3')), 10_000, 'progress');
    const updated = await slack.waitFor(() => slack.callsTo('chat.update').find((call) => call.params.ts === progress.response.ts), 10_000, 'refusal');
    expect(updated.params.text).toMatch(/^Could not capture http:\/\/10\.1\.2\.3\/admin: That address is on a private, reserved or otherwise refused network/);

    slack.setUser('UZH', { locale: 'zh-CN' });
    const scheme = command({ command: '/snap', text: 'ftp://example.com/file', userId: 'UZH' });
    await sendSlashCommand(eventsUrl, scheme, sign);
    const ephemeral = await slack.waitFor(() => slack.callsTo('chat.postEphemeral').find((call) => call.params.user === 'UZH'), 10_000, 'ephemeral');
    expect(ephemeral.params.text).toContain('只能保存 http 和 https 链接');
    const empty = command({ command: '/snap', text: '', userId: 'UZH' });
    await sendSlashCommand(eventsUrl, empty, sign);
    await slack.waitFor(() => slack.callsTo('chat.postEphemeral').find((call) => call.params.text === t('zh-CN', 'snap.noUrl')), 10_000, 'zh usage');
    const found = await testApp.service.find({ workspaceId: `slack:${T1}`, text: '10.1.2.3' });
    expect(found.items).toEqual([]);
  });

  it('rate-limits /snap per user with a polite answer', async () => {
    for (let i = 0; i < 4; i += 1) {
      await sendSlashCommand(eventsUrl, command({ command: '/snap', text: `gopher://example.com/${i}`, userId: 'URATE' }), sign);
    }
    const limited = await slack.waitFor(() => slack.callsTo('chat.postEphemeral').find((call) => call.params.user === 'URATE' && /faster than 3 a minute/.test(call.params.text)), 10_000, 'rate limit');
    expect(limited.params.text).toMatch(/Try again in \d+ s/);
    expect(slack.callsTo('chat.postEphemeral').filter((call) => call.params.user === 'URATE')).toHaveLength(4);
  });

  it('says a link first saved by an import from the command line was saved there, with no one to mention', async () => {
    const url = fixtures.url('/article.html?imported=1');
    const workspace = { id: `slack:${T1}`, platform: 'slack' as const, name: 'Team one' };
    await testApp.service.importLinks({ fileName: 'urls.txt', data: Buffer.from(`${url}\n`), capture: false, workspace, requester: { id: 'local', name: 'root' }, platform: 'cli' });
    await sendSlashCommand(eventsUrl, command({ command: '/snap', text: url, userId: 'UIMPORT' }), sign);
    const progress = await slack.waitFor(() => slack.callsTo('chat.postMessage').find((call) => call.params.text?.includes('imported=1')), 10_000, 'progress');
    const card = await slack.waitFor(() => {
      const stored = slack.messages.get(`CPUBLIC:${progress.response.ts}`);
      return stored && blocksText(stored.blocks).includes('First saved') ? stored : null;
    }, 60_000, 'card naming the import');
    expect(blocksText(card.blocks)).toMatch(/First saved from the linksnap command line (just now|\d+ (s|min) ago)/);
    expect(blocksText(card.blocks)).not.toContain('<@local>');
  });

  it('answers a re-posted link with who shared it first, and forgets a capture when its message is deleted', async () => {
    const url = fixtures.url('/article.html?repost=1');
    const firstTs = newTs();
    await sendEvent(eventsUrl, messageEventBody({ teamId: T1, channel: 'CPUBLIC', user: 'UFIRST', ts: firstTs, text: `<${url}>` }), sign);
    await slack.waitFor(() => slack.reactions.get(`CPUBLIC:${firstTs}`)?.has('camera'), 60_000, 'first capture');

    const again = command({ command: '/snap', text: url, userId: 'USECOND' });
    await sendSlashCommand(eventsUrl, again, sign);
    const progress = await slack.waitFor(() => slack.callsTo('chat.postMessage').find((call) => call.params.text?.includes('repost=1')), 10_000, 'progress');
    const card = await slack.waitFor(() => {
      const stored = slack.messages.get(`CPUBLIC:${progress.response.ts}`);
      return stored && blocksText(stored.blocks).includes('First shared by') ? stored : null;
    }, 30_000, 'repost card');
    expect(blocksText(card.blocks)).toContain('<@UFIRST>');
    expect(blocksText(card.blocks)).toContain('<#CPUBLIC>');

    const secondTs = newTs();
    await sendEvent(eventsUrl, messageEventBody({ teamId: T1, channel: 'CPUBLIC', user: 'UTHIRD', ts: secondTs, text: `again <${url}>` }), sign);
    await slack.waitFor(() => slack.reactions.get(`CPUBLIC:${secondTs}`)?.has('recycle'), 30_000, 'repost reaction');

    const deleteUrl = fixtures.url('/article.html?deleted=1');
    const deletedTs = newTs();
    await sendEvent(eventsUrl, messageEventBody({ teamId: T1, channel: 'CPUBLIC', user: 'UFIRST', ts: deletedTs, text: `<${deleteUrl}>` }), sign);
    await slack.waitFor(() => slack.reactions.get(`CPUBLIC:${deletedTs}`)?.has('camera'), 60_000, 'capture before delete');
    expect((await testApp.service.find({ workspaceId: `slack:${T1}`, text: 'deleted=1' })).items).toHaveLength(1);
    await sendEvent(eventsUrl, messageEventBody({ teamId: T1, channel: 'CPUBLIC', subtype: 'message_deleted', deletedTs }), sign);
    const gone = await (async () => {
      for (let i = 0; i < 100; i += 1) {
        const found = await testApp.service.find({ workspaceId: `slack:${T1}`, text: 'deleted=1' });
        if (!found.items.length) return true;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return false;
    })();
    expect(gone).toBe(true);
  });
});
