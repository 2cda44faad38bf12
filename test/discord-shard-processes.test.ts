// Two `linksnap serve` processes split the Discord gateway for real: DISCORD_SHARD_COUNT=2 in both,
// DISCORD_SHARDS=0 in one and 1 in the other, on one store. The stand-in Discord routes each guild's
// events to the session of its shard, as Discord does; each guild's /snap is answered by the process
// that runs its shard, once, and the other process never answers it.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFixtureServer, type FixtureServer } from './helpers/fixture-server.js';
import { TestEnv } from './helpers/app.js';
import { guild, member, snowflakeOnShard, textChannel, user, type GuildPayload } from './stand-ins/discord/payloads.js';
import { opt } from './stand-ins/discord/harness.js';
import { startDiscordStandIn, type DiscordStandIn } from './stand-ins/discord/server.js';

let standIn: DiscordStandIn;
let fixtures: FixtureServer;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'linksnap-shard-processes-'));
const guilds: GuildPayload[] = [];
const processes: Array<{ child: ChildProcess; output: string }> = [];
const alice = user('alice');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  fixtures = await startFixtureServer();
  standIn = await startDiscordStandIn({ heartbeatIntervalMs: 500 });
  for (const shard of [0, 1]) {
    const g = guild({ id: snowflakeOnShard(shard), name: `Shard ${shard}`, owner: user(`owner-${shard}`), channels: () => [textChannel('general')], members: [member(alice)] });
    standIn.addGuild(g);
    guilds.push(g);
  }
  // Migrated once first, so the two starts do not race to create the same file.
  const migrate = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'migrate', '--quiet'], { env: { ...process.env, ...TestEnv, LINKSNAP_DATA_DIR: dataDir }, stdio: 'ignore' });
  await new Promise((resolve) => migrate.once('exit', resolve));
  for (const shard of [0, 1]) {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
      env: {
        ...process.env,
        ...TestEnv,
        LINKSNAP_DATA_DIR: dataDir,
        LINKSNAP_PORT: '0',
        LINKSNAP_LOG_LEVEL: 'info',
        LINKSNAP_CONCURRENCY: '1',
        DISCORD_TOKEN: standIn.token,
        DISCORD_API_URL: standIn.apiUrl,
        DISCORD_SHARD_COUNT: '2',
        DISCORD_SHARDS: String(shard),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const entry = { child, output: '' };
    child.stdout!.on('data', (chunk) => (entry.output += String(chunk)));
    child.stderr!.on('data', (chunk) => (entry.output += String(chunk)));
    processes.push(entry);
  }
  const ready = (entry: { output: string }) => entry.output.includes('linksnap is running at') && entry.output.includes('Discord bot started');
  for (let i = 0; i < 1_200 && !(processes.every(ready) && standIn.connectedSockets === 2); i += 1) await sleep(50);
  for (const entry of processes) expect(entry.output).toContain('Discord bot started');
  expect(standIn.connectedSockets).toBe(2);
}, 120_000);

afterAll(async () => {
  for (const { child } of processes) {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }
  await standIn?.close();
  await fixtures?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it('answers each guild from the process that runs its shard, once', { timeout: 120_000 }, async () => {
  for (const [shard, g] of guilds.entries()) {
    const handle = standIn.slashCommand({ name: 'snap', guildId: g.id, channelId: g.channels[0].id, user: alice, options: [opt.string('url', fixtures.url(`/article.html?shard-process=${shard}`))] });
    await standIn.waitForCall((call) => call.method === 'PATCH' && call.path.endsWith(`/${handle.token}/messages/@original`) && call.body.embeds?.length > 0, 90_000);
    expect(standIn.calls.filter((call) => call.path === `/interactions/${handle.id}/${handle.token}/callback`)).toHaveLength(1);
  }
  const answered = (output: string) =>
    output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { message: string; workspace?: string })
      .filter((entry) => entry.message === 'Answered /snap with the done snapshot')
      .map((entry) => entry.workspace);
  // The log line follows the reply; give the child's stderr a moment to arrive.
  for (let i = 0; i < 200 && answered(processes[0].output).length + answered(processes[1].output).length < 2; i += 1) await sleep(25);
  expect(answered(processes[0].output)).toEqual([`discord:${guilds[0].id}`]);
  expect(answered(processes[1].output)).toEqual([`discord:${guilds[1].id}`]);
});
