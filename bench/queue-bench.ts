// The queue as users run it, SQLite against Postgres, and Postgres with 1, 2 and 4 worker
// processes at the same total concurrency. The serving process (what `serve --no-workers` starts,
// in this process) accepts links through service.snap() as a chat adapter does and answers each
// share in its chat handler; `bench/queue-worker.ts` children are `linksnap worker` with the page
// load stubbed by a sleep (see there), so what is measured is the queue and everything around the
// browser: accept, enqueue, NOTIFY or poll, lease, renewal, thumbnail, blob writes, the result's
// transaction, and the result's way back to chat. Baseline: one worker on SQLite, in this run.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { silentLogger } from '../src/core/logger.js';
import type { ShareEvent } from '../src/core/types.js';
import { openStoreDatabase } from '../src/storage/open-database.js';
import { startTestPostgres, type TestPostgres } from '../test/helpers/postgres.js';

export interface QueueRow {
  db: 'sqlite' | 'postgres';
  workers: number;
  /** Captures at once in each worker (LINKSNAP_CONCURRENCY). */
  perWorker: number;
  pageMs: number;
  jobs: number;
  jobsPerSecond: number;
  /** How long snap() takes to accept a link (what a chat user waits for the first answer). */
  acceptP50Ms: number;
  acceptP95Ms: number;
  /** From the job being queued (snapshot created) to a worker starting it. */
  enqueueToLeaseP50Ms: number;
  enqueueToLeaseP95Ms: number;
  /** From the worker recording the result (capturedAt) to the chat handler receiving it. */
  resultToChatP50Ms: number;
  resultToChatP95Ms: number;
  /** Pages captured more than once (captures counted by the workers, minus jobs), and jobs leased more than once. */
  duplicateCaptures: number;
  releasedJobs: number;
  failed: number;
}

export interface TakeoverResult {
  leaseMs: number;
  /** Jobs the killed worker held. */
  orphaned: number;
  /** From the kill to each orphaned job being leased by the other worker. */
  takeoverP50Ms: number;
  takeoverMaxMs: number;
  allDone: boolean;
  /** Jobs leased more than once: must equal `orphaned`. */
  releasedJobs: number;
}

const Env = { LINKSNAP_ALLOW_NETS: '127.0.0.1/32', LINKSNAP_ONLY_ALLOWED: '1', LINKSNAP_LOG_LEVEL: 'error', DATABASE_POOL_SIZE: '6' };
const TotalConcurrency = 8;

export async function runQueueBench(options: { jobs?: number; log: (message: string) => void }): Promise<{ rows: QueueRow[]; takeover: TakeoverResult }> {
  const jobs = options.jobs ?? 300;
  const postgres = await startTestPostgres();
  const rows: QueueRow[] = [];
  try {
    const plan: Array<{ db: 'sqlite' | 'postgres'; workers: number; pageMs: number }> = [
      { db: 'sqlite', workers: 1, pageMs: 0 },
      { db: 'postgres', workers: 1, pageMs: 0 },
      { db: 'sqlite', workers: 1, pageMs: 250 },
      { db: 'postgres', workers: 1, pageMs: 250 },
      { db: 'postgres', workers: 2, pageMs: 250 },
      { db: 'postgres', workers: 4, pageMs: 250 },
    ];
    for (const entry of plan) {
      const row = await measure({ ...entry, jobs, postgres });
      options.log(
        `queue ${entry.db} ${entry.workers}×${row.perWorker} (page ${entry.pageMs} ms): ${row.jobsPerSecond.toFixed(1)} jobs/s, accept p95 ${row.acceptP95Ms} ms, enqueue→lease p50 ${row.enqueueToLeaseP50Ms} p95 ${row.enqueueToLeaseP95Ms} ms, result→chat p95 ${row.resultToChatP95Ms} ms, duplicates ${row.duplicateCaptures}/${row.releasedJobs}, ${row.failed} failed`,
      );
      rows.push(row);
    }
    const takeover = await measureTakeover(postgres);
    options.log(`queue takeover after kill -9 (lease ${takeover.leaseMs} ms): ${takeover.orphaned} orphaned jobs, p50 ${takeover.takeoverP50Ms} ms, max ${takeover.takeoverMaxMs} ms, all done ${takeover.allDone}`);
    return { rows, takeover };
  } finally {
    await postgres.close();
  }
}

interface Worker {
  child: ChildProcess;
  captured: Promise<number>;
}

async function startWorkers(count: number, env: Record<string, string>): Promise<Worker[]> {
  const workers: Worker[] = [];
  for (let i = 0; i < count; i += 1) {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/queue-worker.ts'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    const captured = new Promise<number>((resolve) => {
      child.once('exit', () => resolve(Number(/queue-worker captured (\d+)/.exec(output)?.[1] ?? 0)));
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk) => {
        output += String(chunk);
        if (output.includes('queue-worker ready')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`queue worker exited (${code})`)));
    });
    workers.push({ child, captured });
  }
  return workers;
}

async function stopWorkers(workers: Worker[]): Promise<number> {
  let total = 0;
  for (const worker of workers) {
    if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGTERM');
    total += await worker.captured;
  }
  return total;
}

/** The serving process and a subscriber that resolves once `jobs` shares were answered. */
function answering(app: App, jobs: number) {
  const acceptedAt = new Map<string, number>();
  const resultToChat: number[] = [];
  let failed = 0;
  let answered = 0;
  let allAnswered: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (allAnswered = resolve));
  app.service.subscribe('discord', async (event: ShareEvent) => {
    if (event.type !== 'done' && event.type !== 'failed') return;
    if (!acceptedAt.delete(event.share.id)) return;
    if (event.snapshot.capturedAt) resultToChat.push(Date.now() - Date.parse(event.snapshot.capturedAt));
    if (event.type === 'failed') failed += 1;
    answered += 1;
    if (answered === jobs) allAnswered();
  });
  return { acceptedAt, resultToChat, finished, failedCount: () => failed, answeredCount: () => answered };
}

async function snapMany(app: App, label: string, jobs: number, acceptedAt: Map<string, number>): Promise<number[]> {
  const accepting: number[] = [];
  for (let i = 0; i < jobs; i += 1) {
    const at = Date.now();
    const accepted = await app.service.snap({
      url: `http://127.0.0.1:65000/queue-bench/${label}/${i}`,
      workspace: { id: `discord:bench-${i % 5}`, platform: 'discord' },
      requester: { id: `u${i % 11}` },
      source: { platform: 'discord', channelId: 'c', messageId: `m${i}`, auto: true, replyTo: { kind: 'bench' } },
    });
    acceptedAt.set(accepted.share.id, at);
    accepting.push(Date.now() - at);
  }
  return accepting;
}

async function measure(options: { db: 'sqlite' | 'postgres'; workers: number; pageMs: number; jobs: number; postgres: TestPostgres }): Promise<QueueRow> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'linksnap-queue-bench-'));
  const perWorker = TotalConcurrency / options.workers;
  const env: Record<string, string> = { ...Env, LINKSNAP_DATA_DIR: dataDir, LINKSNAP_CONCURRENCY: String(perWorker), QUEUE_BENCH_PAGE_MS: String(options.pageMs) };
  if (options.db === 'postgres') env.DATABASE_URL = await options.postgres.createDatabase('queue_bench');
  const config = loadConfig(env, process.cwd());
  const app = await createApp({ config, logger: silentLogger, captures: false });
  let workers: Worker[] = [];
  try {
    workers = await startWorkers(options.workers, env);
    const answers = answering(app, options.jobs);
    const t0 = Date.now();
    const accepting = await snapMany(app, `${options.db}-${options.workers}-${options.pageMs}`, options.jobs, answers.acceptedAt);
    await Promise.race([answers.finished, new Promise((_, reject) => setTimeout(() => reject(new Error(`queue bench: ${answers.answeredCount()} of ${options.jobs} answered in 10 min`)), 600_000).unref())]);
    const seconds = (Date.now() - t0) / 1000;
    const captured = await stopWorkers(workers);
    workers = [];
    const database = openStoreDatabase(config);
    const rows = await database.db.selectFrom('snapshots').innerJoin('jobs', 'jobs.snapshot_id', 'snapshots.id').select(['snapshots.created_at', 'snapshots.started_at', 'jobs.attempts']).execute();
    await database.close();
    const toLease = rows.filter((row) => row.started_at).map((row) => Date.parse(row.started_at!) - Date.parse(row.created_at));
    return {
      db: options.db,
      workers: options.workers,
      perWorker,
      pageMs: options.pageMs,
      jobs: options.jobs,
      jobsPerSecond: options.jobs / seconds,
      acceptP50Ms: quantile(accepting, 0.5),
      acceptP95Ms: quantile(accepting, 0.95),
      enqueueToLeaseP50Ms: quantile(toLease, 0.5),
      enqueueToLeaseP95Ms: quantile(toLease, 0.95),
      resultToChatP50Ms: quantile(answers.resultToChat, 0.5),
      resultToChatP95Ms: quantile(answers.resultToChat, 0.95),
      duplicateCaptures: captured - options.jobs,
      releasedJobs: rows.filter((row) => Number(row.attempts) > 1).length,
      failed: answers.failedCount(),
    };
  } finally {
    await stopWorkers(workers);
    await app.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Two workers on Postgres; one is killed with SIGKILL while it holds jobs; how long until the other holds them. */
async function measureTakeover(postgres: TestPostgres): Promise<TakeoverResult> {
  const leaseMs = 5_000;
  const jobs = 40;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'linksnap-queue-takeover-'));
  const env: Record<string, string> = { ...Env, LINKSNAP_DATA_DIR: dataDir, LINKSNAP_CONCURRENCY: '4', LINKSNAP_JOB_LEASE: `${leaseMs}ms`, QUEUE_BENCH_PAGE_MS: '1500', DATABASE_URL: await postgres.createDatabase('queue_takeover') };
  const config = loadConfig(env, process.cwd());
  const app = await createApp({ config, logger: silentLogger, captures: false });
  const database = openStoreDatabase(config);
  let workers: Worker[] = [];
  try {
    workers = await startWorkers(2, env);
    const answers = answering(app, jobs);
    await snapMany(app, 'takeover', jobs, answers.acceptedAt);
    const victim = workers[0];
    const owner = `${victim.child.pid}-%`;
    let held: string[] = [];
    for (let i = 0; i < 400 && held.length === 0; i += 1) {
      held = (await database.db.selectFrom('jobs').select('id').where('status', '=', 'leased').where('lease_owner', 'like', owner).execute()).map((row) => row.id);
      if (!held.length) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    victim.child.kill('SIGKILL');
    const killedAt = Date.now();
    const takenAt = new Map<string, number>();
    while (takenAt.size < held.length && Date.now() - killedAt < 4 * leaseMs) {
      const rows = await database.db.selectFrom('jobs').select(['id', 'lease_owner', 'status']).where('id', 'in', held).execute();
      for (const row of rows) if (!takenAt.has(row.id) && (row.status === 'done' || (row.lease_owner && !row.lease_owner.startsWith(`${victim.child.pid}-`)))) takenAt.set(row.id, Date.now() - killedAt);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const allDone = await Promise.race([answers.finished.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 120_000).unref())]);
    await stopWorkers(workers);
    workers = [];
    const times = [...takenAt.values()];
    const released = await database.db.selectFrom('jobs').select('id').where('attempts', '>', 1).execute();
    return { leaseMs, orphaned: held.length, takeoverP50Ms: quantile(times, 0.5), takeoverMaxMs: Math.max(0, ...times), allDone, releasedJobs: released.length };
  } finally {
    await stopWorkers(workers);
    await database.close();
    await app.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}
