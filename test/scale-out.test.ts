// The scale-out deployment for real: one PostgreSQL, one S3 bucket, two `linksnap worker`
// processes and a separate serving process (what `serve --no-workers` starts). 200 links are
// posted; one worker is killed with SIGKILL in the middle of a capture. Every job is captured
// exactly once, the killed worker's job is finished by the other, every blob a snapshot names is
// in the bucket with the bytes its hash says, and each posted link is answered once in Discord (the
// real discord.js bot against the stand-in) by the serving process, from results the workers wrote.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDiscordBot, type DiscordBot } from '../src/bots/discord/index.js';
import { createMemoryLogger } from '../src/core/logger.js';
import { openStoreDatabase, type StoreDatabase } from '../src/storage/open-database.js';
import { startFixtureServer, type FixtureServer } from './helpers/fixture-server.js';
import { startTestApp, TestEnv, type TestApp } from './helpers/app.js';
import { backendFixture } from './helpers/databases.js';
import { startS3StandIn, type S3StandIn } from './stand-ins/s3/s3-server.js';
import { guild, member, textChannel, user, type GuildPayload, type UserPayload } from './stand-ins/discord/payloads.js';
import { startDiscordStandIn, type DiscordStandIn } from './stand-ins/discord/server.js';

const Links = 200;
const databases = backendFixture('postgres');
let fixtures: FixtureServer;
let s3: S3StandIn;
let env: Record<string, string>;
let serving: TestApp;
let reader: StoreDatabase;
let discord: DiscordStandIn;
let bot: DiscordBot;
let place: GuildPayload;
// Ten people post the links, within the per-user budget for links captured from messages.
const people: UserPayload[] = Array.from({ length: 10 }, (_, i) => user(`poster-${i}`));
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'linksnap-scale-'));

interface Worker {
  child: ChildProcess;
  output: string;
}
const workers: Worker[] = [];

function startWorker(): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'worker'], {
    env: {
      ...process.env,
      ...TestEnv,
      ...env,
      // Short leases, so the killed worker's job is taken over within seconds.
      LINKSNAP_JOB_LEASE: '6s',
      LINKSNAP_LOG_LEVEL: 'info',
      LINKSNAP_DATA_DIR: dataDir,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const worker: Worker = { child, output: '' };
  child.stdout!.on('data', (chunk) => (worker.output += String(chunk)));
  child.stderr!.on('data', (chunk) => (worker.output += String(chunk)));
  workers.push(worker);
  return worker;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  fixtures = await startFixtureServer();
  s3 = await startS3StandIn();
  env = { ...(await databases.env()), ...s3.env('scale/blobs') };
  discord = await startDiscordStandIn({ heartbeatIntervalMs: 1_000 });
  place = discord.addGuild(guild({ name: 'Scale', owner: user('owner'), channels: () => [textChannel('general')], members: people.map((person) => member(person)) }));
  // What `serve --no-workers` starts: the store, the service without a capture runner, and the bot.
  serving = await startTestApp({ captures: false, dataDir, env: { ...env, DISCORD_TOKEN: discord.token, DISCORD_API_URL: discord.apiUrl, LINKSNAP_PUBLIC_URL: 'http://127.0.0.1:9' } });
  bot = await startDiscordBot({
    service: serving.service,
    config: serving.config,
    logger: createMemoryLogger(),
    snapshotUrl: (snapshot) => `http://127.0.0.1:9/s/${snapshot.id}`,
    tuning: { restRetries: 1, replyRetry: { attempts: 3, firstDelayMs: 100 }, readyTimeoutMs: 15_000 },
  });
  reader = openStoreDatabase(serving.config);
}, 120_000);

afterAll(async () => {
  for (const { child } of workers) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }
  await reader?.close();
  await bot?.stop();
  await serving?.close();
  await discord?.close();
  await s3?.close();
  await fixtures?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it('captures 200 posted links exactly once across two workers, one killed mid-capture, and answers each in Discord once', { timeout: 600_000 }, async () => {
  const [a, b] = [startWorker(), startWorker()];
  for (let i = 0; i < 1_200 && !workers.every((worker) => worker.output.includes('linksnap worker is capturing')); i += 1) await sleep(50);
  for (const worker of workers) expect(worker.output).toContain('linksnap worker is capturing');

  const channelId = place.channels[0].id;
  const messages: string[] = [];
  for (let i = 0; i < Links; i += 1) {
    // A few slow pages first, so a capture is surely in flight when the worker is killed.
    const url = i < 6 ? fixtures.url(`/slow?ms=4000&n=${i}`) : fixtures.url(`/article.html?n=${i}`);
    messages.push(discord.postMessage({ channelId, guildId: place.id, author: people[i % people.length], content: `have a look ${url}` }).id);
  }
  for (let i = 0; i < 1_200 && Number((await reader.db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n) < Links; i += 1) await sleep(50);

  // Kill worker A while it holds the lease of a job whose page is being captured.
  const ownerOf = (worker: Worker) => `${worker.child.pid}-%`;
  let victim: string | null = null;
  for (let i = 0; i < 1_200 && !victim; i += 1) {
    const row = await reader.db
      .selectFrom('jobs')
      .innerJoin('snapshots', 'snapshots.id', 'jobs.snapshot_id')
      .select('jobs.id')
      .where('jobs.status', '=', 'leased')
      .where('jobs.lease_owner', 'like', ownerOf(a))
      .where('snapshots.status', '=', 'capturing')
      .executeTakeFirst();
    victim = row?.id ?? null;
    if (!victim) await sleep(25);
  }
  expect(victim).not.toBeNull();
  a.child.kill('SIGKILL');
  await new Promise((resolve) => a.child.once('exit', resolve));

  const deadline = Date.now() + 480_000;
  let done = 0;
  while (Date.now() < deadline) {
    const rows = await reader.db.selectFrom('jobs').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
    done = Number(rows.find((row) => row.status === 'done')?.n ?? 0);
    if (done + Number(rows.find((row) => row.status === 'failed')?.n ?? 0) >= Links) break;
    await sleep(250);
  }
  expect(done).toBe(Links);

  // The killed worker's job was leased again and finished by B.
  const taken = await reader.db.selectFrom('jobs').selectAll().where('id', '=', victim!).executeTakeFirstOrThrow();
  expect(taken.status).toBe('done');
  expect(Number(taken.attempts)).toBeGreaterThanOrEqual(2);
  const doneLog = (worker: Worker) =>
    worker.output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { message: string; jobId?: string })
      .filter((entry) => entry.message === 'Capture done')
      .map((entry) => entry.jobId!);
  expect(doneLog(b)).toContain(victim);
  expect(doneLog(a)).not.toContain(victim);
  // Exactly once: no job's capture is recorded twice, by either worker.
  const all = [...doneLog(a), ...doneLog(b)];
  expect(new Set(all).size).toBe(all.length);
  expect(all.length).toBeGreaterThanOrEqual(Links - 1); // A may die between its commit and its log line

  // One snapshot per link, done, and every blob it names is in the bucket with the right bytes.
  const snapshots = await reader.db.selectFrom('snapshots').select(['id', 'status', 'link_id']).execute();
  expect(snapshots).toHaveLength(Links);
  expect(new Set(snapshots.map((row) => row.link_id)).size).toBe(Links);
  expect(snapshots.every((row) => row.status === 'done')).toBe(true);
  const hashes = [...new Set((await reader.db.selectFrom('artifacts').select('sha256').execute()).map((row) => row.sha256))];
  expect(hashes.length).toBeGreaterThan(Links);
  for (const sha256 of hashes) {
    const bytes = await serving.app.blobs.read(sha256);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(sha256);
  }
  // Nothing was kept on the local disk.
  expect(fs.existsSync(path.join(dataDir, 'blobs'))).toBe(false);

  // Each posted message answered once (its 📸 reaction), by the bot of the serving process.
  const answers = (id: string) => discord.calls.filter((call) => call.method === 'PUT' && call.path === `/channels/${channelId}/messages/${id}/reactions/📸/@me`).length;
  for (let i = 0; i < 800 && messages.some((id) => answers(id) < 1); i += 1) await sleep(25);
  expect(messages.filter((id) => answers(id) !== 1)).toEqual([]);
  await sleep(1_500); // one more poll of the outbox: nothing is answered twice
  expect(messages.filter((id) => answers(id) !== 1)).toEqual([]);
  const pending = await reader.db.selectFrom('shares').select('id').where('notified_at', 'is', null).execute();
  expect(pending).toEqual([]);
});
