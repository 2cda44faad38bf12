// /tags, /snapconfig (and auto-capture obeying it), the Retag and Forget buttons with their
// permission rules, Grid's users.conversations and the uninstall events: the real Bolt app in HTTP
// mode against the stand-in Slack, with the real service capturing local fixture pages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManageActionIds, RetagInput } from '../src/bots/slack/blocks.js';
import { st } from '../src/bots/slack/messages.js';
import { t } from '../src/core/i18n.js';
import type { TestApp } from './helpers/app.js';
import type { FixtureServer } from './helpers/fixture-server.js';
import { startSlackHttpTestBed, type SlackHttpTestBed } from './helpers/slack-http.js';
import {
  eventCallbackBody,
  messageEventBody,
  newTs,
  sendBlockAction,
  sendEvent,
  sendSlashCommand,
  sendViewSubmission,
  type SlashCommandFields,
} from './stand-ins/slack/requests.js';
import type { SlackStandIn, StoredMessage } from './stand-ins/slack/server.js';

const SigningSecret = 'manage-signing-secret-41c';
const sign = { signingSecret: SigningSecret };

let bed: SlackHttpTestBed | undefined;
let testApp: TestApp;
let fixtures: FixtureServer;
let slack: SlackStandIn;
let eventsUrl: string;

beforeAll(async () => {
  bed = await startSlackHttpTestBed({
    env: { SLACK_BOT_TOKEN: 'xoxb-manage', SLACK_SIGNING_SECRET: SigningSecret, LINKSNAP_JOB_ATTEMPTS: '1' },
    prepare(standIn) {
      for (const id of ['CPUB', 'CINC', 'COUT', 'CX']) standIn.addChannel({ id, name: id.toLowerCase() });
      standIn.addChannel({ id: 'GPRIV', name: 'private-room', is_private: true });
      standIn.setUser('UADMIN', { is_admin: true });
      standIn.setUser('UOWNER', { is_owner: true });
      standIn.setUser('UZHSTRANGER', { locale: 'zh-CN' });
    },
  });
  ({ testApp, fixtures, slack, eventsUrl } = bed);
});

afterAll(async () => {
  await bed?.close();
});

function command(fields: Partial<SlashCommandFields> & Pick<SlashCommandFields, 'command' | 'teamId'>): SlashCommandFields {
  return { text: '', userId: 'UALICE', channelId: 'CPUB', responseUrl: slack.responseUrl(), ...fields };
}

function responsesTo(url: string) {
  const id = url.split('/').pop();
  return slack.responses.filter((response) => response.id === id);
}

/** Runs a slash command and resolves with the body of its first response_url answer. */
async function ask(fields: SlashCommandFields): Promise<Record<string, any>> {
  const ack = await sendSlashCommand(eventsUrl, fields, sign);
  expect(ack.status).toBe(200);
  return (await slack.waitFor(() => responsesTo(fields.responseUrl)[0], 10_000, `${fields.command} answer`)).body;
}

/** Presses a button on a message and resolves with the stand-in's response_url for that press. */
async function press(teamId: string, userId: string, actionId: string, value: string, channelId: string, messageTs: string): Promise<string> {
  const responseUrl = slack.responseUrl();
  const result = await sendBlockAction(eventsUrl, { teamId, userId, channelId, actionId, value, responseUrl, messageTs }, sign);
  expect(result.status).toBe(200);
  return responseUrl;
}

/** /snap a fixture page and resolve with the finished card message and the button value it carries. */
async function snapCard(teamId: string, userId: string, url: string, tags = ''): Promise<{ message: StoredMessage; linkId: string }> {
  await sendSlashCommand(eventsUrl, command({ command: '/snap', teamId, userId, text: `${url} ${tags}`.trim() }), sign);
  const progress = await slack.waitFor(() => slack.callsTo('chat.postMessage').find((call) => call.params.text?.includes(url)), 10_000, 'progress');
  const message = await slack.waitFor(() => {
    const stored = slack.messages.get(`CPUB:${progress.response.ts}`);
    return stored?.blocks.some((block: any) => block.block_id === 'linksnap_manage') ? stored : null;
  }, 60_000, 'card with manage buttons');
  const actions = message.blocks.find((block: any) => block.block_id === 'linksnap_manage');
  return { message, linkId: actions.elements[0].value };
}

async function autoCapture(teamId: string, channel: string, user: string, text: string, channelType: 'channel' | 'group' = 'channel'): Promise<string> {
  const ts = newTs();
  expect((await sendEvent(eventsUrl, messageEventBody({ teamId, channel, channelType, user, ts, text }), sign)).status).toBe(200);
  return ts;
}

async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 600));
}

describe('/tags', () => {
  it('lists the tags with counts, most used first, and hides tags only used in private channels the asker is not in', async () => {
    const team = 'T0TAGS';
    const empty = await ask(command({ command: '/tags', teamId: team }));
    expect(empty.response_type).toBe('ephemeral');
    expect(empty.text).toBe(t('en', 'tags.none'));

    const a = await autoCapture(team, 'CPUB', 'UALICE', `<${fixtures.url('/article.html?tags=1')}> #coast #Lighthouse`);
    const b = await autoCapture(team, 'CPUB', 'UALICE', `<${fixtures.url('/article.html?tags=2')}> #coast`);
    const c = await autoCapture(team, 'GPRIV', 'UINSIDE', `<${fixtures.url('/article.html?tags=3')}> #secret-plan`, 'group');
    for (const [channel, ts] of [['CPUB', a], ['CPUB', b], ['GPRIV', c]]) {
      await slack.waitFor(() => slack.reactions.get(`${channel}:${ts}`)?.has('camera'), 60_000, 'capture');
    }
    slack.setMemberships('UINSIDE', ['CPUB', 'GPRIV']);
    slack.setMemberships('UOUTSIDE', ['CPUB']);

    const outsider = await ask(command({ command: '/tags', teamId: team, userId: 'UOUTSIDE' }));
    const outsiderText = JSON.stringify(outsider.blocks);
    expect(outsiderText).toContain(t('en', 'tags.header'));
    expect(outsiderText).toContain('`coast` (2)');
    expect(outsiderText).toContain('`lighthouse` (1)');
    expect(outsiderText.indexOf('coast')).toBeLessThan(outsiderText.indexOf('lighthouse'));
    expect(outsiderText).not.toContain('secret-plan');

    const insider = await ask(command({ command: '/tags', teamId: team, userId: 'UINSIDE' }));
    expect(JSON.stringify(insider.blocks)).toContain('`secret-plan` (1)');
  });

  it('names the team to users.conversations on an Enterprise Grid org install', async () => {
    const before = slack.callsTo('users.conversations').length;
    await ask(command({ command: '/tags', teamId: 'T0GRIDTEAM', enterpriseId: 'E0GRID', userId: 'UGRID' }));
    const call = slack.callsTo('users.conversations').slice(before).find((entry) => entry.params.user === 'UGRID');
    expect(call?.params.team_id).toBe('T0GRIDTEAM');
    await ask(command({ command: '/tags', teamId: 'T0PLAIN', userId: 'UPLAIN' }));
    const plain = slack.callsTo('users.conversations').find((entry) => entry.params.user === 'UPLAIN');
    expect(plain?.params.team_id).toBeUndefined();
  });
});

describe('/snapconfig', () => {
  const team = 'T0CONF';

  it('refuses members who are not admins or owners and changes nothing', async () => {
    const refused = await ask(command({ command: '/snapconfig', teamId: team, userId: 'UMEMBER', text: 'autocapture off' }));
    expect(refused.text).toBe(st('en', 'config.denied'));
    expect((await testApp.service.getSettings(`slack:${team}`)).autoCapture).toBe(true);
    const zh = await ask(command({ command: '/snapconfig', teamId: team, userId: 'UZHSTRANGER', text: 'show' }));
    expect(zh.text).toBe(st('zh-CN', 'config.denied'));
  });

  it('shows the settings to an admin, saves several at once for an owner, and explains bad input', async () => {
    // Settings live on the workspace, which its first capture creates.
    const first = await autoCapture(team, 'CPUB', 'UALICE', `<${fixtures.url('/article.html?conf=first')}>`);
    await slack.waitFor(() => slack.reactions.get(`CPUB:${first}`)?.has('camera'), 60_000, 'first capture');
    const shown = await ask(command({ command: '/snapconfig', teamId: team, userId: 'UADMIN' }));
    expect(shown.text).toContain('Auto-capture: yes; channels: all; replies in thread: no; on repost: reaction; forget when the message is deleted: yes');

    const saved = await ask(command({ command: '/snapconfig', teamId: team, userId: 'UOWNER', text: 'thread on repost reply forget-on-delete off exclude <#CX|cx>' }));
    expect(saved.text).toContain(t('en', 'config.saved'));
    expect(saved.text).toContain('channels: all − <#CX>');
    expect(saved.text).toContain('replies in thread: yes; on repost: short reply; forget when the message is deleted: no');
    const settings = await testApp.service.getSettings(`slack:${team}`);
    expect(settings).toMatchObject({ replyInThread: true, duplicateNotice: 'reply', forgetOnDelete: false, autoCaptureExcluded: ['CX'], autoCapture: true });

    const badChannel = await ask(command({ command: '/snapconfig', teamId: team, userId: 'UADMIN', text: 'channels #general' }));
    expect(badChannel.text).toBe(st('en', 'config.badChannel', { word: '#general' }));
    const usage = await ask(command({ command: '/snapconfig', teamId: team, userId: 'UADMIN', text: 'repost loudly' }));
    expect(usage.text).toBe(st('en', 'config.usage'));
    expect((await testApp.service.getSettings(`slack:${team}`)).duplicateNotice).toBe('reply');
  });

  it('auto-capture follows the settings: thread card, repost reply, excluded channel, kept on delete', async () => {
    // Set by the previous test: thread on, repost reply, forget-on-delete off, CX excluded.
    const url = fixtures.url('/article.html?conf=thread');
    const ts = await autoCapture(team, 'CPUB', 'UFIRST', `<${url}>`);
    await slack.waitFor(() => slack.reactions.get(`CPUB:${ts}`)?.has('camera'), 60_000, 'capture');
    const threadCard = await slack.waitFor(() => slack.callsTo('chat.postMessage').find((call) => call.params.thread_ts === ts && call.params.blocks), 10_000, 'thread card');
    expect(JSON.stringify(threadCard.params.blocks)).toContain('The Quiet Lighthouse');
    expect(JSON.stringify(threadCard.params.blocks)).toContain(ManageActionIds.retag);

    // The duplicate notice in reply mode: a short threaded reply naming the first sharer and channel.
    const repostTs = await autoCapture(team, 'CINC', 'USECOND', `again <${url}>`);
    const reply = await slack.waitFor(() => slack.callsTo('chat.postMessage').find((call) => call.params.thread_ts === repostTs && !call.params.blocks), 30_000, 'repost reply');
    expect(reply.params.channel).toBe('CINC');
    // The reply links the snapshot, as on Discord, not the page itself.
    const [kept] = (await testApp.service.find({ workspaceId: `slack:${team}`, text: 'conf=thread' })).items;
    expect(reply.params.text).toBe(t('en', 'repost.notice', { user: '<@UFIRST>', channel: '<#CPUB>', when: 'just now', link: `http://127.0.0.1:1/s/${kept.snapshot.id}` }));
    expect(slack.reactions.get(`CINC:${repostTs}`)?.has('recycle')).toBeFalsy();

    const excluded = await autoCapture(team, 'CX', 'UALICE', `<${fixtures.url('/article.html?conf=excluded')}>`);
    await settle();
    expect(slack.reactions.get(`CX:${excluded}`)).toBeUndefined();
    expect((await testApp.service.find({ workspaceId: `slack:${team}`, text: 'conf=excluded' })).items).toEqual([]);

    await sendEvent(eventsUrl, messageEventBody({ teamId: team, channel: 'CPUB', subtype: 'message_deleted', deletedTs: ts }), sign);
    await settle();
    expect((await testApp.service.find({ workspaceId: `slack:${team}`, text: 'conf=thread' })).items).toHaveLength(1);
  });

  it('captures only in the listed channels, and nowhere once auto-capture is off', async () => {
    await ask(command({ command: '/snapconfig', teamId: team, userId: 'UADMIN', text: 'channels <#CINC|cinc> thread off repost reaction' }));
    const outside = await autoCapture(team, 'COUT', 'UALICE', `<${fixtures.url('/article.html?conf=outside')}>`);
    const inside = await autoCapture(team, 'CINC', 'UALICE', `<${fixtures.url('/article.html?conf=inside')}>`);
    await slack.waitFor(() => slack.reactions.get(`CINC:${inside}`)?.has('camera'), 60_000, 'capture in listed channel');
    expect(slack.reactions.get(`COUT:${outside}`)).toBeUndefined();
    expect(slack.callsTo('chat.postMessage').some((call) => call.params.thread_ts === inside)).toBe(false);

    const off = await ask(command({ command: '/snapconfig', teamId: team, userId: 'UADMIN', text: 'autocapture off channels all' }));
    expect(off.text).toContain('Auto-capture: no; channels: all');
    const none = await autoCapture(team, 'CINC', 'UALICE', `<${fixtures.url('/article.html?conf=off')}>`);
    await settle();
    expect(slack.reactions.get(`CINC:${none}`)).toBeUndefined();
    expect((await testApp.service.find({ workspaceId: `slack:${team}`, text: 'conf=off' })).items).toEqual([]);
  });
});

describe('Retag and Forget buttons', () => {
  const team = 'T0MANAGE';

  it('refuses Retag to someone who neither captured the link nor administers the workspace', async () => {
    const { message, linkId } = await snapCard(team, 'UCAPTURER', fixtures.url('/article.html?manage=refused'), 'first');
    const opened = slack.views.length;
    const responseUrl = await press(team, 'UZHSTRANGER', ManageActionIds.retag, linkId, 'CPUB', message.ts);
    const refusal = await slack.waitFor(() => responsesTo(responseUrl)[0], 10_000, 'refusal');
    expect(refusal.body.text).toBe(st('zh-CN', 'perm.denied'));
    expect(refusal.body.replace_original).toBe(false);
    expect(refusal.body.response_type).toBe('ephemeral');
    expect(slack.views.length).toBe(opened);

    const forgetUrl = await press(team, 'USTRANGER', ManageActionIds.forget, linkId, 'CPUB', message.ts);
    expect((await slack.waitFor(() => responsesTo(forgetUrl)[0], 10_000, 'refusal')).body.text).toBe(st('en', 'perm.denied'));
    expect((await testApp.service.getLink(`slack:${team}`, linkId)).tags).toEqual(['first']);
  });

  it('lets the capturer retag through a modal, then redraws the card with the new tags', async () => {
    const { message, linkId } = await snapCard(team, 'UCAPTURER', fixtures.url('/article.html?manage=retag'), 'old-tag');
    await press(team, 'UCAPTURER', ManageActionIds.retag, linkId, 'CPUB', message.ts);
    const opened = await slack.waitFor(() => slack.views.find((view) => JSON.parse(view.view.private_metadata).linkId === linkId), 10_000, 'views.open');
    const input = opened.view.blocks.find((block: any) => block.block_id === RetagInput.block);
    expect(input.element.initial_value).toBe('old-tag');

    const submitted = await sendViewSubmission(eventsUrl, { teamId: team, userId: 'UCAPTURER', view: opened.view, viewId: opened.id, values: { [RetagInput.block]: { [RetagInput.action]: 'Harbour, #北海  boats' } } }, sign);
    expect(submitted.status).toBe(200);
    expect(submitted.body).toBe('');
    expect((await testApp.service.getLink(`slack:${team}`, linkId)).tags.sort()).toEqual(['boats', 'harbour', '北海']);
    const done = await slack.waitFor(() => slack.callsTo('chat.postEphemeral').find((call) => call.params.user === 'UCAPTURER' && call.params.text?.includes('#harbour')), 10_000, 'retag.done');
    expect(done.params.text).toBe(t('en', 'retag.done', { url: fixtures.url('/article.html?manage=retag'), tags: '#boats #harbour #北海' }));
    await slack.waitFor(() => JSON.stringify(slack.messages.get(`CPUB:${message.ts}`)?.blocks).includes('`北海`'), 10_000, 'redrawn card');
    const redrawn = JSON.stringify(slack.messages.get(`CPUB:${message.ts}`)!.blocks);
    expect(redrawn).not.toContain('old-tag');
    expect(redrawn).toContain('Requested by <@UCAPTURER>');
  });

  it('lets an admin retag someone else’s link, and refuses a forged submission from anyone else or another team', async () => {
    const { message, linkId } = await snapCard(team, 'UCAPTURER', fixtures.url('/article.html?manage=admin'), 'mine');
    await press(team, 'UADMIN', ManageActionIds.retag, linkId, 'CPUB', message.ts);
    const opened = await slack.waitFor(() => slack.views.find((view) => JSON.parse(view.view.private_metadata).linkId === linkId), 10_000, 'views.open');
    const values = { [RetagInput.block]: { [RetagInput.action]: 'moderated' } };

    const stranger = await sendViewSubmission(eventsUrl, { teamId: team, userId: 'USTRANGER', view: opened.view, viewId: opened.id, values }, sign);
    expect(stranger.json()).toEqual({ response_action: 'errors', errors: { [RetagInput.block]: st('en', 'perm.denied') } });
    const otherTeam = await sendViewSubmission(eventsUrl, { teamId: 'T0ELSEWHERE', userId: 'UADMIN', view: opened.view, viewId: opened.id, values }, sign);
    expect(otherTeam.json().response_action).toBe('errors');
    expect((await testApp.service.getLink(`slack:${team}`, linkId)).tags).toEqual(['mine']);

    const admin = await sendViewSubmission(eventsUrl, { teamId: team, userId: 'UADMIN', view: opened.view, viewId: opened.id, values }, sign);
    expect(admin.body).toBe('');
    expect((await testApp.service.getLink(`slack:${team}`, linkId)).tags).toEqual(['moderated']);
  });

  it('lets the capturer forget a link: the card becomes the note and the link is gone', async () => {
    const url = fixtures.url('/article.html?manage=forget');
    const { message, linkId } = await snapCard(team, 'UCAPTURER', url);
    const responseUrl = await press(team, 'UCAPTURER', ManageActionIds.forget, linkId, 'CPUB', message.ts);
    const replaced = await slack.waitFor(() => responsesTo(responseUrl)[0], 10_000, 'forget answer');
    expect(replaced.body.replace_original).toBe(true);
    expect(replaced.body.text).toBe(t('en', 'forget.done', { url }));
    await expect(testApp.service.getLink(`slack:${team}`, linkId)).rejects.toMatchObject({ code: 'not_found' });

    // A second press on the old card says the snapshot no longer exists.
    const again = await press(team, 'UCAPTURER', ManageActionIds.forget, linkId, 'CPUB', message.ts);
    expect((await slack.waitFor(() => responsesTo(again)[0], 10_000, 'second press')).body.text).toMatch(/^That snapshot does not exist/);
  });

  it('lets a workspace owner forget someone else’s link', async () => {
    const { message, linkId } = await snapCard(team, 'UCAPTURER', fixtures.url('/article.html?manage=owner'));
    const responseUrl = await press(team, 'UOWNER', ManageActionIds.forget, linkId, 'CPUB', message.ts);
    expect((await slack.waitFor(() => responsesTo(responseUrl)[0], 10_000, 'forget answer')).body.replace_original).toBe(true);
    await expect(testApp.service.getLink(`slack:${team}`, linkId)).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('losing a workspace', () => {
  it('logs app_uninstalled and tokens_revoked clearly', async () => {
    await sendEvent(eventsUrl, eventCallbackBody('T0GONE', { type: 'app_uninstalled' }), sign);
    await sendEvent(eventsUrl, eventCallbackBody('T0GONE', { type: 'tokens_revoked', tokens: { oauth: [], bot: ['UBOTLINKSNAP'] } }), sign);
    const uninstalled = await slack.waitFor(() => testApp.logs.find((event) => event.level === 'error' && /uninstalled from team T0GONE/.test(event.message)), 10_000, 'uninstall log');
    expect(uninstalled.message).toContain('reinstall');
    const revoked = await slack.waitFor(() => testApp.logs.find((event) => event.level === 'error' && /revoked tokens of the app in team T0GONE/.test(event.message)), 10_000, 'revoke log');
    expect(revoked.message).toContain('UBOTLINKSNAP');
  });
});
