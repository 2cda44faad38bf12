// Discord latencies with real parts: the real discord.js bot against the stand-in Discord (REST and
// gateway on 127.0.0.1), the real service over a temp SQLite file, and real Chromium captures of the
// local fixture pages running in the background the whole time (links posted in a channel).
//  - defer: INTERACTION_CREATE sent on the gateway -> the defer callback received over REST
//    (Discord's deadline is 3 s), over many /snap commands from several users at once.
//  - final reply: /snap sent -> the deferred reply edited into the result with its thumbnail,
//    one command at a time, so it is the capture time plus the bot's overhead.
import { performance } from 'node:perf_hooks';
import { opt, startDiscordWorld } from '../test/stand-ins/discord/harness.js';
import { startFixtureServer } from '../test/helpers/fixture-server.js';

// Type aliases (not interfaces) so the result is a plain Record for bench/run.ts.
export type LatencySummary = {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
};

export type DiscordBenchResult = {
  defer: LatencySummary & { concurrency: number };
  finalReply: LatencySummary;
  /** Links captured in the background while the commands ran. */
  backgroundCaptures: number;
};

export async function runDiscordBench(options: { commands?: number; concurrency?: number; finalReplies?: number } = {}): Promise<DiscordBenchResult> {
  const commands = options.commands ?? 300;
  const concurrency = options.concurrency ?? 10;
  const finalReplies = options.finalReplies ?? 15;
  const fixtures = await startFixtureServer();
  const w = await startDiscordWorld({ env: { LINKSNAP_SNAPS_PER_MINUTE: '10000', LINKSNAP_LOG_LEVEL: 'warn' } });
  const users = [w.a.alice, w.a.bob, w.a.mod, w.a.owner];

  // Background load: a new link posted every 1.5 s keeps the capture workers busy throughout.
  let posted = 0;
  const background = setInterval(() => {
    w.standIn.postMessage({ channelId: w.a.random, guildId: w.a.guild.id, author: w.a.bob, content: fixtures.url(`/article.html?background=${posted++}`) });
  }, 1_500);

  const snapCommand = (i: number, url: string) => {
    const started = performance.now();
    const handle = w.standIn.slashCommand({ name: 'snap', guildId: w.a.guild.id, channelId: w.a.general, user: users[i % users.length], options: [opt.string('url', url)] });
    return { handle, started };
  };

  try {
    // The first capture also launches Chromium; that is start-up, not the steady state measured here.
    const warmUp = snapCommand(0, fixtures.url('/article.html?warm-up'));
    await w.standIn.waitForCall((call) => call.path.endsWith(`/${warmUp.handle.token}/messages/@original`) && call.body?.embeds?.length > 0, 120_000);

    const finals: number[] = [];
    for (let i = 0; i < finalReplies; i += 1) {
      const { handle, started } = snapCommand(i, fixtures.url(`/article.html?final=${i}`));
      const edit = await w.standIn.waitForCall(
        (call) => call.method === 'PATCH' && call.path.endsWith(`/${handle.token}/messages/@original`) && call.status === 200 && call.body?.embeds?.length > 0,
        120_000,
      );
      finals.push(edit.at - started);
    }

    const defers: number[] = [];
    let next = 0;
    const worker = async () => {
      while (next < commands) {
        const i = next++;
        const { handle, started } = snapCommand(i, fixtures.url(`/cjk.html?defer=${i}`));
        const callback = await w.standIn.waitForCall((call) => call.path === `/interactions/${handle.id}/${handle.token}/callback`, 30_000);
        defers.push(callback.at - started);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, () => worker()));
    return {
      defer: { ...summarise(defers), concurrency },
      finalReply: summarise(finals),
      backgroundCaptures: posted,
    };
  } finally {
    clearInterval(background);
    await w.close();
    await fixtures.close();
  }
}

function summarise(samples: number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] * 100) / 100;
  return { count: sorted.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: at(1) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runDiscordBench().then((result) => console.log(JSON.stringify(result, null, 2)));
}
