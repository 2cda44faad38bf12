// The queue as users run it, SQLite against Postgres, and Postgres with 1, 2 and 4 worker
// processes. The serving process (what `serve --no-workers` starts, in this process) accepts links
// through service.snap() as a chat adapter does and answers each share in its chat handler;
// `bench/queue-worker.ts` children are `linksnap worker` with the page load stubbed (see there), so
// what is measured is everything around the browser: accept, enqueue, NOTIFY or poll, lease,
// renewal, thumbnail, blob writes, the result's transaction, and the result's way back to chat.
// Baseline: one worker on SQLite (the embedded default), in this run.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { silentLogger } from '../src/core/logger.js';
import type { ShareEvent } from '../src/core/types.js';
import { startTestPostgres, type TestPostgres } from '../test/helpers/postgres.js';

export interface QueueRow {
  db: 'sqlite' | 'postgres';
  workers: number;
  pageMs: number;
  jobs: number;
  jobsPerSecond: number;
  /** How long snap() takes to accept a link (what a chat user waits for the first answer). */
  acceptP50Ms: number;
  acceptP95Ms: number;
  /** From snap() accepting the link to the chat handler receiving the result. */
  acceptToChatP50Ms: number;
  acceptToChatP95Ms: number;
  /** From the worker recording the result (capturedAt) to the chat handler receiving it. */
  resultToChatP50Ms: number;
  resultToChatP95Ms: number;
  failed: number;
}

const Env = { LINKSNAP_ALLOW_NETS: '127.0.0.1/32', LINKSNAP_ONLY_ALLOWED: '1', LINKSNAP_LOG_LEVEL: 'error', LINKSNAP_CONCURRENCY: '4', DATABASE_POOL_SIZE: '6' };

export async function runQueueBench(options: { jobs?: number; log: (message: string) => void }): Promise<{ rows: QueueRow[] }> {
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
        `queue ${entry.db} × ${entry.workers} (page ${entry.pageMs} ms): ${row.jobsPerSecond.toFixed(1)} jobs/s, accept p50 ${row.acceptP50Ms} p95 ${row.acceptP95Ms} ms, accept→chat p50 ${row.acceptToChatP50Ms} p95 ${row.acceptToChatP95Ms} ms, result→chat p50 ${row.resultToChatP50Ms} p95 ${row.resultToChatP95Ms} ms, ${row.failed} failed`,
      );
      rows.push(row);
    }
  } finally {
    await postgres.close();
  }
  return { rows };
}

async function measure(options: { db: 'sqlite' | 'postgres'; workers: number; pageMs: number; jobs: number; postgres: TestPostgres }): Promise<QueueRow> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'linksnap-queue-bench-'));
  const env: Record<string, string> = { ...Env, LINKSNAP_DATA_DIR: dataDir };
  if (options.db === 'postgres') env.DATABASE_URL = await options.postgres.createDatabase('queue_bench');
  const app = await createApp({ config: loadConfig(env, process.cwd()), logger: silentLogger, captures: false });
  const children: ChildProcess[] = [];
  try {
    for (let i = 0; i < options.workers; i += 1) {
      const child = spawn(process.execPath, ['--import', 'tsx', 'bench/queue-worker.ts'], {
        env: { ...process.env, ...env, QUEUE_BENCH_PAGE_MS: String(options.pageMs) },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      children.push(child);
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (chunk) => String(chunk).includes('queue-worker ready') && resolve());
        child.once('exit', (code) => reject(new Error(`queue worker exited (${code})`)));
      });
    }
    const acceptedAt = new Map<string, number>();
    const acceptToChat: number[] = [];
    const accepting: number[] = [];
    const resultToChat: number[] = [];
    let failed = 0;
    let answered = 0;
    let allAnswered: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (allAnswered = resolve));
    app.service.subscribe('discord', async (event: ShareEvent) => {
      if (event.type !== 'done' && event.type !== 'failed') return;
      const now = Date.now();
      const started = acceptedAt.get(event.share.id);
      if (started === undefined) return;
      acceptedAt.delete(event.share.id);
      acceptToChat.push(now - started);
      if (event.snapshot.capturedAt) resultToChat.push(now - Date.parse(event.snapshot.capturedAt));
      if (event.type === 'failed') failed += 1;
      answered += 1;
      if (answered === options.jobs) allAnswered();
    });
    const t0 = Date.now();
    for (let i = 0; i < options.jobs; i += 1) {
      const at = Date.now();
      const accepted = await app.service.snap({
        url: `http://127.0.0.1:65000/queue-bench/${options.db}-${options.workers}-${options.pageMs}/${i}`,
        workspace: { id: `discord:bench-${i % 5}`, platform: 'discord' },
        requester: { id: `u${i % 11}` },
        source: { platform: 'discord', channelId: 'c', messageId: `m${i}`, auto: true, replyTo: { kind: 'bench' } },
      });
      acceptedAt.set(accepted.share.id, at);
      accepting.push(Date.now() - at);
    }
    await Promise.race([finished, new Promise((_, reject) => setTimeout(() => reject(new Error(`queue bench: ${answered} of ${options.jobs} answered in 10 min`)), 600_000).unref())]);
    const seconds = (Date.now() - t0) / 1000;
    return {
      db: options.db,
      workers: options.workers,
      pageMs: options.pageMs,
      jobs: options.jobs,
      jobsPerSecond: options.jobs / seconds,
      acceptP50Ms: quantile(accepting, 0.5),
      acceptP95Ms: quantile(accepting, 0.95),
      acceptToChatP50Ms: quantile(acceptToChat, 0.5),
      acceptToChatP95Ms: quantile(acceptToChat, 0.95),
      resultToChatP50Ms: quantile(resultToChat, 0.5),
      resultToChatP95Ms: quantile(resultToChat, 0.95),
      failed,
    };
  } finally {
    for (const child of children) {
      child.kill('SIGTERM');
      if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
    }
    await app.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}
