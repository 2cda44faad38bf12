// Chat acks while the captures are at their heaviest: a 300 MB page and 10 corpus pages captured
// in the same process as the bots. Slack: signed /snap → HTTP 200 ack (Bolt in HTTP mode on a real
// socket). Discord: INTERACTION_CREATE on the gateway → the defer callback over REST (discord.js
// against the stand-in). Target: p99 under 100 ms for both. The big and corpus pages are served
// from a child process, so serving them costs this process nothing; every /snap names one
// already-captured link, so the commands add acks, not captures.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createApp, type App } from '../src/app.js';
import { startSlackApp } from '../src/bots/slack/index.js';
import { loadConfig } from '../src/config.js';
import type { LinksnapService } from '../src/core/service.js';
import { silentLogger } from '../src/core/logger.js';
import { opt, startDiscordWorld } from '../test/stand-ins/discord/harness.js';
import { startMountServer } from '../test/stand-ins/slack/mount-server.js';
import { sendSlashCommand } from '../test/stand-ins/slack/requests.js';
import { startSlackStandIn } from '../test/stand-ins/slack/server.js';

/** Three people sending a command every 50 ms each: far busier than any real channel. */
const PaceMs = 50;
const Senders = 3;

export type AckSummary = { count: number; p50Ms: number; p99Ms: number; maxMs: number; failures: number };
export type ChatLoadResult = {
  hugeMb: number;
  corpusPages: number;
  slack: AckSummary & { captures: Record<string, number> };
  discord: AckSummary & { captures: Record<string, number> };
};

export interface PageServers {
  huge: string;
  corpus: string;
  close(): void;
}

/** The huge-page fixture and a static server of the corpus, in a child process. */
export async function startPageServers(corpusDir: string): Promise<PageServers> {
  const script = `
    import http from 'node:http'; import fs from 'node:fs'; import path from 'node:path';
    import { startHugePageServer } from './test/helpers/huge-page-server.ts';
    const huge = await startHugePageServer();
    const dir = ${JSON.stringify(corpusDir)};
    const corpus = http.createServer((req, res) => {
      const file = path.join(dir, decodeURIComponent(new URL(req.url, 'http://x').pathname));
      if (!file.startsWith(dir) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) return res.writeHead(404).end();
      res.writeHead(200, { 'content-type': file.endsWith('.html') ? 'text/html; charset=utf-8' : 'application/octet-stream' });
      fs.createReadStream(file).pipe(res);
    });
    corpus.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ huge: huge.origin, corpus: 'http://127.0.0.1:' + corpus.address().port })));
  `;
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
  const origins = await new Promise<{ huge: string; corpus: string }>((resolve, reject) => {
    child.stdout!.once('data', (chunk) => resolve(JSON.parse(String(chunk))));
    child.once('exit', (code) => reject(new Error(`page server exited (${code})`)));
  });
  return { ...origins, close: () => child.kill('SIGKILL') };
}

export function corpusPages(corpusDir: string, count: number): string[] {
  return fs
    .readdirSync(corpusDir)
    .filter((name) => fs.existsSync(path.join(corpusDir, name, 'source.html')))
    .sort()
    .slice(0, count)
    .map((name) => `/${name}/source.html`);
}

/** Enqueues the heavy captures; resolves with their final statuses once all have ended. */
function heavyCaptures(service: LinksnapService, workspace: { id: string; platform: 'slack' | 'discord' }, urls: string[]): Promise<Record<string, number>> {
  return Promise.all(
    urls.map(async (url) => {
      const accepted = await service.snap({ url, workspace, requester: { id: 'load' }, source: { platform: workspace.platform } });
      const snapshot = await service.waitFor(accepted.snapshot.id);
      if (snapshot.status !== 'done') process.stderr.write(`[bench] chat load: ${url} ${snapshot.status}: ${snapshot.error}\n`);
      return snapshot.status;
    }),
  ).then((statuses) => statuses.reduce<Record<string, number>>((counts, s) => ({ ...counts, [s]: (counts[s] ?? 0) + 1 }), {}));
}

function summarise(samples: number[], failures: number): AckSummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] * 100) / 100;
  return { count: sorted.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: at(1), failures };
}

/**
 * Runs `command` from `concurrency` workers, each pausing `gapMs` between commands, until `until`
 * settles (and at least minCount ran). Paced, as people use chat: this measures whether the
 * process answers at once while it captures, not how many commands per second it can take.
 */
async function whileRunning(until: Promise<unknown>, concurrency: number, minCount: number, command: (i: number) => Promise<{ ms: number; ok: boolean }>, gapMs = PaceMs) {
  let done = false;
  void until.finally(() => (done = true));
  const samples: number[] = [];
  let failures = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (!done || next < minCount) {
        const started = performance.now();
        // A reset connection (the server stalled past a keep-alive timeout) is a failed ack.
        const result = await command(next++).catch(() => ({ ms: performance.now() - started, ok: false }));
        samples.push(result.ms);
        if (!result.ok) failures += 1;
        await new Promise((resolve) => setTimeout(resolve, gapMs));
      }
    }),
  );
  return summarise(samples, failures);
}

export async function runChatLoadBench(options: { corpusDir: string; hugeMb?: number; corpusPages?: number }): Promise<ChatLoadResult> {
  const hugeMb = options.hugeMb ?? 300;
  const pageCount = options.corpusPages ?? 10;
  const servers = await startPageServers(options.corpusDir);
  const heavy = [`${servers.huge}/huge-text?mb=${hugeMb}`, ...corpusPages(options.corpusDir, pageCount).map((p) => `${servers.corpus}${p}`)];
  try {
    return { hugeMb, corpusPages: pageCount, slack: await slackAcks(heavy, servers), discord: await discordDefers(heavy, servers) };
  } finally {
    servers.close();
  }
}

async function slackAcks(heavy: string[], servers: PageServers) {
  const signingSecret = 'bench-signing-secret';
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'linksnap-chat-load-'));
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
  const app: App = await createApp({ config, logger: silentLogger });
  const handle = await startSlackApp({ service: app.service, config, logger: silentLogger, snapshotUrl: (s) => `http://127.0.0.1:1/s/${s.id}`, http: web, retries: 0 });
  const commandUrl = `${servers.corpus}${heavy[1].slice(servers.corpus.length)}`;
  try {
    const captures = heavyCaptures(app.service, { id: 'slack:TLOAD', platform: 'slack' }, heavy);
    const acks = await whileRunning(captures, Senders, 100, async (i) => {
      const started = performance.now();
      const response = await sendSlashCommand(
        `${web.url}/slack/events`,
        { command: '/snap', text: `${commandUrl} load`, teamId: 'TLOAD', userId: `U${i % 10}`, channelId: 'CLOAD', responseUrl: slack.responseUrl() },
        { signingSecret },
      );
      return { ms: performance.now() - started, ok: response.status === 200 };
    });
    return { ...acks, captures: await captures };
  } finally {
    await handle.stop();
    await app.close();
    await Promise.all([slack.close(), web.close()]);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function discordDefers(heavy: string[], servers: PageServers) {
  const w = await startDiscordWorld({ env: { LINKSNAP_SNAPS_PER_MINUTE: '10000', LINKSNAP_LOG_LEVEL: 'warn', LINKSNAP_CONCURRENCY: 'auto' } });
  const users = [w.a.alice, w.a.bob, w.a.mod, w.a.owner];
  const commandUrl = heavy[1];
  try {
    // Launch the browser and join the guild before measuring: start-up is not the steady state.
    const warm = w.standIn.slashCommand({ name: 'snap', guildId: w.a.guild.id, channelId: w.a.general, user: w.a.alice, options: [opt.string('url', commandUrl)] });
    await w.standIn.waitForCall((call) => call.path.endsWith(`/${warm.token}/messages/@original`) && call.body?.embeds?.length > 0, 120_000);
    const captures = heavyCaptures(w.app.service, { id: `discord:${w.a.guild.id}`, platform: 'discord' }, heavy.filter((url) => url !== commandUrl));
    const defers = await whileRunning(captures, Senders, 100, async (i) => {
      const started = performance.now();
      const handle = w.standIn.slashCommand({ name: 'snap', guildId: w.a.guild.id, channelId: w.a.general, user: users[i % users.length], options: [opt.string('url', commandUrl)] });
      const callback = await w.standIn.waitForCall((call) => call.path === `/interactions/${handle.id}/${handle.token}/callback`, 30_000);
      return { ms: callback.at - started, ok: (callback.status ?? 200) < 300 };
    });
    return { ...defers, captures: await captures };
  } finally {
    await w.close();
  }
}


if (import.meta.url === `file://${process.argv[1]}`) {
  runChatLoadBench({ corpusDir: path.resolve('..', 'shared', 'corpus', 'pages'), hugeMb: Number(process.argv[2] ?? 300) }).then((result) => console.log(JSON.stringify(result, null, 2)));
}
