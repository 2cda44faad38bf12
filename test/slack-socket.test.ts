// The real Bolt app in Socket Mode: apps.connections.open hands out the stand-in's websocket, which
// delivers envelopes (slash_commands, events_api with retries, interactive) and receives the acks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FindActionIds } from '../src/bots/slack/blocks.js';
import { startSlackApp, type SlackAppHandle } from '../src/bots/slack/index.js';
import { t } from '../src/core/i18n.js';
import type { Snapshot } from '../src/core/types.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { startFixtureServer, type FixtureServer } from './helpers/fixture-server.js';
import { blockActionPayload, messageEventBody, newTs, slashCommandPayload } from './stand-ins/slack/requests.js';
import { startSlackStandIn, type SlackStandIn } from './stand-ins/slack/server.js';

const Team = 'T0SOCKET';
let testApp: TestApp;
let fixtures: FixtureServer;
let slack: SlackStandIn;
let handle: SlackAppHandle;

beforeAll(async () => {
  // Both modes' settings are present: Socket Mode wins.
  testApp = await startTestApp({ env: { SLACK_BOT_TOKEN: 'xoxb-socket', SLACK_APP_TOKEN: 'xapp-socket', SLACK_SIGNING_SECRET: 'unused' } });
  fixtures = await startFixtureServer();
  slack = await startSlackStandIn();
  slack.addChannel({ id: 'CSOCK', name: 'socket' });
  const config = { ...testApp.config, slack: { ...testApp.config.slack, apiUrl: slack.apiUrl } };
  handle = await startSlackApp({ service: testApp.service, config, logger: testApp.logger, snapshotUrl: (s: Pick<Snapshot, 'id'>) => `http://127.0.0.1:1/s/${s.id}`, retries: 0 });
  await slack.socketConnected();
});

afterAll(async () => {
  await handle?.stop();
  await testApp?.close();
  await Promise.all([fixtures?.close(), slack?.close()]);
});

describe('Slack app in Socket Mode', () => {
  it('opens the connection with the app-level token', () => {
    expect(handle.mode).toBe('socket');
    const open = slack.callsTo('apps.connections.open');
    expect(open.length).toBeGreaterThan(0);
    expect(open[0].token).toBe('xapp-socket');
    expect(slack.socketConnections()).toBe(1);
  });

  it('acks a /snap envelope and turns the progress message into the card', async () => {
    const url = fixtures.url('/article.html?socket=1');
    const ack = await slack.sendEnvelope('slash_commands', slashCommandPayload({ command: '/snap', text: `${url} sockets`, teamId: Team, userId: 'USOCK', channelId: 'CSOCK', responseUrl: slack.responseUrl() }));
    expect(ack.envelope_id).toMatch(/\w+/);
    const progress = await slack.waitFor(() => slack.callsTo('chat.postMessage').find((call) => call.params.text?.includes('socket=1')), 10_000, 'progress');
    await slack.waitFor(() => JSON.stringify(slack.messages.get(`CSOCK:${progress.response.ts}`)?.blocks ?? []).includes('The Quiet Lighthouse of Vannamere'), 60_000, 'card');
    const found = await testApp.service.find({ workspaceId: `slack:${Team}`, tags: ['sockets'] });
    expect(found.items.map((item) => item.link.url)).toEqual([url]);
  });

  it('auto-captures from events_api envelopes once, even when Slack redelivers them', async () => {
    const url = fixtures.url('/article.html?socket=2');
    const ts = newTs();
    const body = messageEventBody({ teamId: Team, channel: 'CSOCK', user: 'USOCK', ts, text: `<${url}|here> #viaSocket` });
    await slack.sendEnvelope('events_api', body);
    await slack.sendEnvelope('events_api', body, { retryAttempt: 1, retryReason: 'timeout' });
    await slack.waitFor(() => slack.reactions.get(`CSOCK:${ts}`)?.has('camera'), 60_000, 'camera');
    const found = await testApp.service.find({ workspaceId: `slack:${Team}`, tags: ['viasocket'] });
    expect(found.items).toHaveLength(1);
    expect(await testApp.service.listShares(`slack:${Team}`, found.items[0].link.id)).toHaveLength(1);
  });

  it('pages /find results through interactive envelopes', async () => {
    const workspace = { id: `slack:${Team}`, platform: 'slack' as const };
    const accepted = [];
    for (let i = 0; i < 6; i += 1) {
      accepted.push(await testApp.service.snap({ url: fixtures.url(`/article.html?sockpage=${i}`), tags: ['sockpaged'], workspace, requester: { id: 'USEED' }, source: { platform: 'web' } }));
    }
    await Promise.all(accepted.map((entry) => testApp.service.waitFor(entry.snapshot.id)));
    const responseUrl = slack.responseUrl();
    await slack.sendEnvelope('slash_commands', slashCommandPayload({ command: '/find', text: 'sockpaged', teamId: Team, userId: 'USOCK', channelId: 'CSOCK', responseUrl }));
    const first = await slack.waitFor(() => slack.responses.find((r) => responseUrl.endsWith(r.id)), 10_000, 'first page');
    const next = first.body.blocks.find((block: any) => block.type === 'actions').elements[0];
    const nextUrl = slack.responseUrl();
    await slack.sendEnvelope('interactive', blockActionPayload({ teamId: Team, userId: 'USOCK', channelId: 'CSOCK', actionId: FindActionIds.next, value: next.value, responseUrl: nextUrl }));
    const second = await slack.waitFor(() => slack.responses.find((r) => nextUrl.endsWith(r.id)), 10_000, 'second page');
    expect(second.body.text).toBe(t('en', 'find.header', { query: '#sockpaged', from: 6, to: 6 }));
  });

  it('disconnects on stop', async () => {
    await handle.stop();
    await slack.waitFor(() => slack.socketConnections() === 0, 10_000, 'disconnect');
  });
});
