// Artifacts served by `linksnap serve --no-workers` (a child process, as users run it) from the file
// store (the baseline) and from an S3 bucket (LINKSNAP_BLOBS=s3://…, an S3 wire-protocol stand-in,
// s3rver, on loopback in this process), in this run. The same corpus pages are captured into each
// store first by real Chromium; then clients GET whole artifacts (screenshot, full-page, archive) and
// 64 KiB byte ranges of them, 8 at a time, over HTTP. Measured: MB/s and latency per request.
// Loopback has no network latency: a real bucket adds its round trips to every figure of the S3 row.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { silentLogger } from '../src/core/logger.js';
import type { Snapshot } from '../src/core/types.js';
import { startS3StandIn } from '../test/stand-ins/s3/s3-server.js';
import { corpusPages, startPageServers } from './chat-load-bench.js';

export interface ArtifactRow {
  store: 'file' | 's3';
  requests: number;
  wholeMBps: number;
  wholeP50Ms: number;
  wholeP95Ms: number;
  rangeP50Ms: number;
  rangeP95Ms: number;
  errors: number;
}

export interface ArtifactResult {
  pages: number;
  artifacts: number;
  totalBytes: number;
  rows: ArtifactRow[];
}

const Env = { LINKSNAP_ALLOW_NETS: '127.0.0.1/32', LINKSNAP_ONLY_ALLOWED: '1', LINKSNAP_LOG_LEVEL: 'warn', LINKSNAP_CONCURRENCY: '2', LINKSNAP_LINKCHECK_CRON: '', LINKSNAP_GC_CRON: '' };
const Kinds = ['screenshot', 'fullpage', 'archive'] as const;
const Rounds = 6;
const Parallel = 8;

export async function runArtifactBench(options: { corpusDir: string; pages?: number; log: (message: string) => void }): Promise<ArtifactResult> {
  const pageCount = options.pages ?? 8;
  const servers = await startPageServers(options.corpusDir);
  const s3 = await startS3StandIn('linksnap-bench');
  try {
    const urls = corpusPages(options.corpusDir, pageCount).map((page) => `${servers.corpus}${page}`);
    const stores = { file: {}, s3: s3.env('bench/blobs') } as const;
    const rows: ArtifactRow[] = [];
    let targets: Array<{ path: string; size: number }> = [];
    for (const store of ['file', 's3'] as const) {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `linksnap-artifacts-${store}-`));
      const env = { ...Env, ...stores[store], LINKSNAP_DATA_DIR: dataDir };
      options.log(`artifacts: capturing ${urls.length} corpus pages into the ${store} store …`);
      const snapshots = await captureAll(env, urls);
      targets = snapshots.flatMap((snapshot) =>
        Kinds.filter((kind) => snapshot.artifacts[kind]).map((kind) => ({ path: `/api/snapshots/${snapshot.id}/${kind}`, size: snapshot.artifacts[kind]!.size })),
      );
      const server = await startServe(env);
      try {
        options.log(`artifacts: ${targets.length} artifacts served by linksnap serve --no-workers from the ${store} store …`);
        await fetchAll(server.baseUrl, targets.slice(0, Parallel), false); // warm-up
        rows.push({ store, ...(await measure(server.baseUrl, targets)) });
      } finally {
        await stop(server.child);
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    }
    return { pages: urls.length, artifacts: targets.length, totalBytes: targets.reduce((sum, t) => sum + t.size, 0), rows };
  } finally {
    await s3.close();
    servers.close();
  }
}

async function captureAll(env: Record<string, string>, urls: string[]): Promise<Snapshot[]> {
  const app = await createApp({ config: loadConfig(env, process.cwd()), logger: silentLogger });
  try {
    const done: Snapshot[] = [];
    for (const url of urls) {
      const accepted = await app.service.snap({ url, tags: ['bench'], workspace: { id: 'local', platform: 'web' }, requester: { id: 'bench' }, source: { platform: 'web' } });
      const snapshot = await app.service.waitFor(accepted.snapshot.id);
      if (snapshot.status === 'done') done.push(snapshot);
    }
    return done;
  } finally {
    await app.close();
  }
}

async function startServe(env: Record<string, string>): Promise<{ child: ChildProcess; baseUrl: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', '--no-workers'], {
    env: { ...process.env, ...env, LINKSNAP_PORT: '0', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const baseUrl = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      const match = /running at (\S+)/.exec(String(chunk));
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`linksnap serve exited (${code})`)));
  });
  return { child, baseUrl };
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function measure(baseUrl: string, targets: Array<{ path: string; size: number }>): Promise<Omit<ArtifactRow, 'store'>> {
  const whole: number[] = [];
  const ranges: number[] = [];
  let bytes = 0;
  let errors = 0;
  let wallMs = 0;
  for (let round = 0; round < Rounds; round += 1) {
    const started = performance.now();
    const results = await fetchAll(baseUrl, targets, false);
    wallMs += performance.now() - started;
    for (const result of results) {
      if (result.ok) {
        whole.push(result.ms);
        bytes += result.bytes;
      } else errors += 1;
    }
    for (const result of await fetchAll(baseUrl, targets, true)) {
      if (result.ok) ranges.push(result.ms);
      else errors += 1;
    }
  }
  return {
    requests: whole.length + ranges.length + errors,
    wholeMBps: bytes / 1024 / 1024 / (wallMs / 1000),
    wholeP50Ms: quantile(whole, 0.5),
    wholeP95Ms: quantile(whole, 0.95),
    rangeP50Ms: quantile(ranges, 0.5),
    rangeP95Ms: quantile(ranges, 0.95),
    errors,
  };
}

/** Every target once, `Parallel` at a time; a range request asks for 64 KiB from the middle. */
async function fetchAll(baseUrl: string, targets: Array<{ path: string; size: number }>, range: boolean) {
  const results: Array<{ ok: boolean; ms: number; bytes: number }> = [];
  let next = 0;
  const lane = async () => {
    while (next < targets.length) {
      const target = targets[next++];
      const start = Math.floor(target.size / 2);
      const headers: Record<string, string> = range ? { range: `bytes=${start}-${Math.min(target.size - 1, start + 65_535)}` } : {};
      const began = performance.now();
      const reply = await fetch(`${baseUrl}${target.path}`, { headers });
      const body = Buffer.from(await reply.arrayBuffer());
      const expected = range ? Math.min(target.size - 1, start + 65_535) - start + 1 : target.size;
      results.push({ ok: reply.status === (range ? 206 : 200) && body.length === expected, ms: performance.now() - began, bytes: body.length });
    }
  };
  await Promise.all(Array.from({ length: Parallel }, lane));
  return results;
}

function quantile(values: number[], q: number): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
