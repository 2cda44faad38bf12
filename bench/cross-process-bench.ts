// Worker result to chat reply across processes, on the embedded store (SQLite) and on Postgres: a
// `linksnap worker` child process captures; the serving process (what `serve --no-workers` starts) subscribes as a
// chat adapter does. Measured: from the moment the worker recorded the result (capturedAt) to the
// serving process's handler receiving it. Baseline: the same, with the capture in the serving
// process itself (plain `serve`), in this run.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { silentLogger } from '../src/core/logger.js';
import type { ShareEvent } from '../src/core/types.js';
import { corpusPages, startPageServers } from './chat-load-bench.js';
import { startTestPostgres } from '../test/helpers/postgres.js';

export interface CrossProcessResult {
  captures: number;
  inProcess: { p50Ms: number; p95Ms: number };
  acrossProcesses: { p50Ms: number; p95Ms: number };
  /** The same across processes on Postgres, where the worker's NOTIFY wakes the serving process. */
  acrossProcessesPostgres: { p50Ms: number; p95Ms: number };
}

const Env = { LINKSNAP_ALLOW_NETS: '127.0.0.1/32', LINKSNAP_ONLY_ALLOWED: '1', LINKSNAP_LOG_LEVEL: 'warn' };

export async function runCrossProcessBench(options: { corpusDir: string; captures?: number; log: (message: string) => void }): Promise<CrossProcessResult> {
  const captures = options.captures ?? 20;
  const servers = await startPageServers(options.corpusDir);
  const pages = corpusPages(options.corpusDir, captures).map((page) => `${servers.corpus}${page}`);
  try {
    const inProcess = await measure(pages, 'in-process', false, options.log);
    const acrossProcesses = await measure(pages, 'worker', true, options.log);
    const postgres = await startTestPostgres();
    try {
      const acrossProcessesPostgres = await measure(pages, 'worker-pg', true, options.log, { DATABASE_URL: await postgres.createDatabase('cross_bench') });
      return { captures, inProcess, acrossProcesses, acrossProcessesPostgres };
    } finally {
      await postgres.close();
    }
  } finally {
    servers.close();
  }
}

async function measure(pages: string[], label: string, separateWorker: boolean, log: (message: string) => void, extraEnv: Record<string, string> = {}): Promise<{ p50Ms: number; p95Ms: number }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `linksnap-cross-${label}-`));
  const config = loadConfig({ ...Env, ...extraEnv, LINKSNAP_DATA_DIR: dataDir }, process.cwd());
  const app = await createApp({ config, logger: silentLogger, captures: !separateWorker });
  const worker = separateWorker
    ? spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'worker'], { env: { ...process.env, ...Env, ...extraEnv, LINKSNAP_DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'inherit'] })
    : null;
  if (worker) {
    await new Promise<void>((resolve, reject) => {
      worker.stdout!.on('data', (chunk) => String(chunk).includes('capturing from') && resolve());
      worker.once('exit', (code) => reject(new Error(`worker exited (${code})`)));
    });
  }
  const latencies: number[] = [];
  const waiting = new Map<string, () => void>();
  const unsubscribe = app.service.subscribe('discord', async (event: ShareEvent) => {
    if (event.type !== 'done' && event.type !== 'failed') return;
    const snapshot = await app.service.getSnapshotById(event.snapshot.id);
    if (snapshot.capturedAt) latencies.push(Date.now() - Date.parse(snapshot.capturedAt));
    waiting.get(event.share.id)?.();
  });
  try {
    // One at a time, so each figure is the propagation, not a queue.
    for (const [i, url] of pages.entries()) {
      const accepted = await app.service.snap({ url: `${url}?${label}=${i}`, workspace: { id: 'discord:bench', platform: 'discord' }, requester: { id: 'b' }, source: { platform: 'discord', channelId: 'c', messageId: `m${i}`, auto: true, replyTo: { kind: 'bench' } } });
      await new Promise<void>((resolve) => waiting.set(accepted.share.id, resolve));
    }
  } finally {
    unsubscribe();
    worker?.kill('SIGTERM');
    if (worker) await new Promise((resolve) => worker.once('exit', resolve));
    await app.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  log(`cross-process ${label}: ${latencies.length} results, p50 ${at(0.5)} ms, p95 ${at(0.95)} ms`);
  return { p50Ms: at(0.5), p95Ms: at(0.95) };
}
