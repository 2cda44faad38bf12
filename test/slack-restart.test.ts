// A /snap answered across a restart: the first process accepts the command and posts progress but
// never captures (captures off); a second process over the same data folder captures, and its Slack
// app replaces the first process's progress message from the reply context stored with the share.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSlackApp } from '../src/bots/slack/index.js';
import type { Snapshot } from '../src/core/types.js';
import { startTestApp } from './helpers/app.js';
import { startFixtureServer, type FixtureServer } from './helpers/fixture-server.js';
import { startMountServer, type MountServer } from './stand-ins/slack/mount-server.js';
import { sendSlashCommand } from './stand-ins/slack/requests.js';
import { startSlackStandIn, type SlackStandIn } from './stand-ins/slack/server.js';

const SigningSecret = 'restart-secret';
let dataDir: string;
let fixtures: FixtureServer;
let slack: SlackStandIn;
const snapshotUrl = (s: Pick<Snapshot, 'id'>) => `http://127.0.0.1:1/s/${s.id}`;
const env = { SLACK_BOT_TOKEN: 'xoxb-restart', SLACK_SIGNING_SECRET: SigningSecret };

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'linksnap-slack-restart-'));
  fixtures = await startFixtureServer();
  slack = await startSlackStandIn();
});

afterAll(async () => {
  await Promise.all([fixtures?.close(), slack?.close()]);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it('replaces the progress message after a restart, exactly once', async () => {
  const url = fixtures.url('/article.html?restart=1');
  let web: MountServer = await startMountServer();
  const first = await startTestApp({ env, dataDir, captures: false });
  const config = { ...first.config, slack: { ...first.config.slack, apiUrl: slack.apiUrl } };
  const slackA = await startSlackApp({ service: first.service, config, logger: first.logger, snapshotUrl, http: web, retries: 0 });
  const fields = { command: '/snap', text: url, teamId: 'TRESTART', userId: 'URESTART', channelId: 'CRESTART', responseUrl: slack.responseUrl() };
  expect((await sendSlashCommand(`${web.url}/slack/events`, fields, { signingSecret: SigningSecret })).status).toBe(200);
  const progress = await slack.waitFor(() => slack.callsTo('chat.postMessage').find((call) => call.params.text?.includes('restart=1')), 10_000, 'progress');
  // Wait until the share is stored, then "crash" before any capture ran.
  await slack.waitFor(() => first.logs.find((event) => event.message === 'Link accepted'), 10_000, 'share stored');
  await slackA.stop();
  await first.close();
  await web.close();
  expect(slack.callsTo('chat.update')).toHaveLength(0);

  web = await startMountServer();
  const second = await startTestApp({ env, dataDir, captures: true });
  const slackB = await startSlackApp({ service: second.service, config: { ...second.config, slack: config.slack }, logger: second.logger, snapshotUrl, http: web, retries: 0 });
  try {
    const key = `CRESTART:${progress.response.ts}`;
    await slack.waitFor(() => JSON.stringify(slack.messages.get(key)?.blocks ?? []).includes('The Quiet Lighthouse of Vannamere'), 60_000, 'card after restart');
    // Redelivery stops once the handler resolved: one more sweep must not update the message again.
    await second.service.events.redeliverAll();
    const updatesWithCard = slack.callsTo('chat.update').filter((call) => call.params.ts === progress.response.ts && JSON.stringify(call.params.blocks).includes('Vannamere'));
    expect(updatesWithCard).toHaveLength(1);
  } finally {
    await slackB.stop();
    await second.close();
    await web.close();
  }
});
