// Time from a signed /snap slash command to its 200 ack, under concurrent load: the real Bolt app in
// HTTP mode on a real socket, the real service over a temp SQLite file (captures off: the ack must
// not wait for them anyway), and the stand-in Slack receiving the progress messages.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createApp } from '../src/app.js';
import { startSlackApp } from '../src/bots/slack/index.js';
import { loadConfig } from '../src/config.js';
import { silentLogger } from '../src/core/logger.js';
import { startMountServer } from '../test/stand-ins/slack/mount-server.js';
import { sendSlashCommand } from '../test/stand-ins/slack/requests.js';
import { startSlackStandIn } from '../test/stand-ins/slack/server.js';

export interface SlackBenchResult {
  requests: number;
  concurrency: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Acks that were not HTTP 200. */
  failures: number;
}

export async function runSlackBench(options: { requests?: number; concurrency?: number } = {}): Promise<SlackBenchResult> {
  const requests = options.requests ?? 400;
  const concurrency = options.concurrency ?? 10;
  const signingSecret = 'bench-signing-secret';
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'linksnap-slack-bench-'));
  const slack = await startSlackStandIn();
  const web = await startMountServer();
  const config = loadConfig(
    {
      LINKSNAP_DATA_DIR: dataDir,
      LINKSNAP_ALLOW_NETS: '127.0.0.1/32',
      LINKSNAP_ONLY_ALLOWED: '1',
      LINKSNAP_SNAPS_PER_MINUTE: '10000',
      SLACK_BOT_TOKEN: 'xoxb-bench',
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_API_URL: slack.apiUrl,
    },
    process.cwd(),
  );
  const app = await createApp({ config, logger: silentLogger, captures: false });
  const handle = await startSlackApp({ service: app.service, config, logger: silentLogger, snapshotUrl: (s) => `http://127.0.0.1:1/s/${s.id}`, http: web, retries: 0 });
  const url = `${web.url}/slack/events`;
  const latencies: number[] = [];
  let failures = 0;
  let next = 0;
  try {
    const worker = async (w: number) => {
      while (next < requests) {
        const i = next++;
        const started = performance.now();
        const response = await sendSlashCommand(
          url,
          { command: '/snap', text: `http://127.0.0.1:5/page/${i} bench`, teamId: 'TBENCH', userId: `U${w}`, channelId: 'CBENCH', responseUrl: slack.responseUrl() },
          { signingSecret },
        );
        latencies.push(performance.now() - started);
        if (response.status !== 200) failures += 1;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  } finally {
    await handle.stop();
    await app.close();
    await Promise.all([slack.close(), web.close()]);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] * 100) / 100;
  return { requests, concurrency, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: at(1), failures };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runSlackBench().then((result) => console.log(JSON.stringify(result)));
}
