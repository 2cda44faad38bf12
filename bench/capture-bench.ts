// Capture throughput and latency over the shared corpus, against a baseline measured in the same
// run: a fresh Chromium launched per page taking one screenshot (what a naive archiver does). The
// baseline launches Debian's full `chromium` with Puppeteer's defaults; the pipeline runs the build
// the product picks (findChrome: the headless shell when installed). So that the gain from the
// build is not mistaken for the gain from the pipeline, a second baseline launches the product's
// build per page too, and CPU per capture is measured for every row.
// Pages are served on 127.0.0.1 and every browser request goes through the egress proxy with a
// loopback-only policy, so nothing leaves the machine. Returns numbers; writes no files.
import { readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import puppeteer from 'puppeteer-core';
import { DefaultCaptureLimits, type CaptureLimits } from '../src/config.js';
import { BaseChromiumArgs, BrowserPool } from '../src/core/capture/browser-pool.js';
import { captureUrl } from '../src/core/capture/capture-url.js';
import { findChrome, headlessModeFor } from '../src/core/capture/find-chrome.js';
import { chromiumEgressArgs, egressContextOptions } from '../src/core/egress/chromium.js';
import { createEgressPolicy, type EgressPolicy } from '../src/core/egress/policy.js';
import { startEgressProxy } from '../src/core/egress/proxy.js';
import { silentLogger } from '../src/core/logger.js';
import { startCpuMeter } from './process-cpu.js';

export interface CaptureBenchOptions {
  /** Folder of <name>/source.html pages. */
  corpusDir: string;
  /** Use only the first N pages (sorted by name); all by default. */
  pages?: number;
  concurrencies?: number[];
  /** The pipeline's browser; findChrome()'s choice by default. */
  chromePath?: string | null;
  /** The baseline's browser; the first full (not headless-shell) Chromium by default. */
  baselineChromePath?: string | null;
  blockAds?: boolean;
  limits?: Partial<CaptureLimits>;
}

export interface LatencyStats {
  pages: number;
  failures: number;
  wallMs: number;
  capturesPerMinute: number;
  p50Ms: number;
  p95Ms: number;
  /** CPU of this process and its children per successful capture; null off Linux. */
  cpuMsPerCapture: number | null;
}

export interface BaselineStats extends LatencyStats {
  executable: string;
  /** Its throughput against the main baseline's. */
  vsBaseline: number;
}

export interface CaptureBenchResult {
  pages: number;
  /** The baseline: Debian's full Chromium launched per page. */
  baseline: BaselineStats;
  /** The pipeline's own build launched per page, when that is another build (the headless shell). */
  sameBuildBaseline: BaselineStats | null;
  /** The same baselines with two pages launched at once, for a like-for-like look at concurrency 2. */
  baselineAt2: BaselineStats;
  sameBuildBaselineAt2: BaselineStats | null;
  pipelineExecutable: string;
  runs: Array<LatencyStats & { concurrency: number; speedupVsBaseline: number; speedupVsSameBuild: number | null; browserLaunches: number }>;
  /** At concurrency 1: the page's own load time (navigation to `load`) against the whole capture. */
  overhead: { pageLoadP50Ms: number; captureP50Ms: number; overheadP50Ms: number; captureToLoadRatio: number };
  /** Median time per capture spent in each pipeline step at concurrency 1. */
  stepsP50Ms: Record<string, number>;
}

export async function runCaptureBench(options: CaptureBenchOptions): Promise<CaptureBenchResult> {
  const names = readdirSync(options.corpusDir)
    .filter((name) => statSync(path.join(options.corpusDir, name)).isDirectory())
    .sort()
    .slice(0, options.pages ?? Infinity);
  const pipelineExecutable = findChrome(options.chromePath ?? null);
  const baselineExecutable = findChrome(options.baselineChromePath ?? null, '', { headlessShell: false });
  if (!pipelineExecutable || !baselineExecutable) throw new Error('No Chromium found for the benchmark');
  const server = await serveCorpus(options.corpusDir);
  const policy = createEgressPolicy({
    allowNets: ['127.0.0.1/32'],
    onlyAllowed: true,
    // The corpus pages name real hosts for their sub-resources; never ask DNS about them.
    resolve: async (host) => {
      throw new Error(`the benchmark resolves no names (${host})`);
    },
  });
  const limits: CaptureLimits = { ...DefaultCaptureLimits, navigationTimeoutMs: 15_000, captureTimeoutMs: 40_000, ...options.limits };
  const urls = names.map((name) => `${server.origin}/${encodeURIComponent(name)}/source.html`);
  try {
    // Warm the OS file cache and the font cache so neither side pays for it.
    await runBaseline(urls.slice(0, 2), baselineExecutable, policy, 1);
    const baseline: BaselineStats = { ...(await runBaseline(urls, baselineExecutable, policy, 1)), executable: baselineExecutable, vsBaseline: 1 };
    const relative = (stats: LatencyStats, executable: string): BaselineStats => ({ ...stats, executable, vsBaseline: round(stats.capturesPerMinute / baseline.capturesPerMinute, 2) });
    const baselineAt2 = relative(await runBaseline(urls, baselineExecutable, policy, 2), baselineExecutable);
    let sameBuildBaseline: BaselineStats | null = null;
    let sameBuildBaselineAt2: BaselineStats | null = null;
    if (pipelineExecutable !== baselineExecutable) {
      await runBaseline(urls.slice(0, 2), pipelineExecutable, policy, 1);
      sameBuildBaseline = relative(await runBaseline(urls, pipelineExecutable, policy, 1), pipelineExecutable);
      sameBuildBaselineAt2 = relative(await runBaseline(urls, pipelineExecutable, policy, 2), pipelineExecutable);
    }
    const runs: CaptureBenchResult['runs'] = [];
    let overhead: CaptureBenchResult['overhead'] = { pageLoadP50Ms: 0, captureP50Ms: 0, overheadP50Ms: 0, captureToLoadRatio: 0 };
    let stepsP50Ms: Record<string, number> = {};
    for (const concurrency of options.concurrencies ?? [1, 2]) {
      const pool = new BrowserPool({ chromePath: pipelineExecutable, concurrency, recycleAfter: 10_000, logger: silentLogger });
      try {
        await pool.browser();
        const timings: Array<Record<string, number>> = [];
        const stats = await runPool(urls, concurrency, async (url) => {
          const out = await captureUrl(url, { pool, policy, limits, blockAds: options.blockAds ?? true, logger: silentLogger });
          timings.push(out.timings);
        });
        runs.push({
          ...stats,
          concurrency,
          speedupVsBaseline: round(stats.capturesPerMinute / baseline.capturesPerMinute, 2),
          speedupVsSameBuild: sameBuildBaseline ? round(stats.capturesPerMinute / sameBuildBaseline.capturesPerMinute, 2) : null,
          browserLaunches: pool.stats.launches,
        });
        if (concurrency === 1 || Object.keys(stepsP50Ms).length === 0) {
          const load = percentile(timings.map((t) => t.navigate ?? 0), 50);
          const total = percentile(timings.map((t) => t.total ?? 0), 50);
          overhead = { pageLoadP50Ms: load, captureP50Ms: total, overheadP50Ms: round(total - load, 0), captureToLoadRatio: load > 0 ? round(total / load, 2) : 0 };
          const steps = new Set(timings.flatMap((t) => Object.keys(t)));
          stepsP50Ms = Object.fromEntries([...steps].map((s) => [s, percentile(timings.map((t) => t[s] ?? 0), 50)]));
        }
      } finally {
        await pool.close();
      }
    }
    return { pages: urls.length, baseline, sameBuildBaseline, baselineAt2, sameBuildBaselineAt2, pipelineExecutable, runs, overhead, stepsP50Ms };
  } finally {
    await server.close();
  }
}

/** A fresh browser per page, one viewport screenshot, closed again. */
async function runBaseline(urls: string[], executablePath: string, policy: EgressPolicy, concurrency: number): Promise<LatencyStats> {
  const proxy = await startEgressProxy({ policy, logger: silentLogger });
  try {
    return await runPool(urls, concurrency, async (url) => {
      const browser = await puppeteer.launch({
        executablePath,
        headless: headlessModeFor(executablePath),
        pipe: true,
        args: [...BaseChromiumArgs, ...chromiumEgressArgs(proxy.url)],
        defaultViewport: { width: 1280, height: 800 },
      });
      try {
        const page = await browser.newPage();
        await page.goto(url, { waitUntil: 'load', timeout: 15_000 });
        await page.screenshot({ type: 'png' });
      } finally {
        await browser.close();
      }
    });
  } finally {
    await proxy.close();
  }
}

async function runPool(urls: string[], concurrency: number, work: (url: string) => Promise<void>): Promise<LatencyStats> {
  const latencies: number[] = [];
  let failures = 0;
  let next = 0;
  const cpu = startCpuMeter();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < urls.length) {
        const url = urls[next++];
        const t0 = performance.now();
        try {
          await work(url);
          latencies.push(performance.now() - t0);
        } catch {
          failures += 1;
        }
      }
    }),
  );
  const wallMs = performance.now() - started;
  const cpuMs = cpu?.stop() ?? null;
  const succeeded = urls.length - failures;
  return {
    pages: urls.length,
    failures,
    wallMs: round(wallMs, 0),
    capturesPerMinute: round(((urls.length - failures) / wallMs) * 60_000, 1),
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    cpuMsPerCapture: cpuMs !== null && succeeded > 0 ? round(cpuMs / succeeded, 0) : null,
  };
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)], 0);
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

async function serveCorpus(dir: string): Promise<{ origin: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const parts = decodeURIComponent(new URL(req.url ?? '/', 'http://corpus').pathname).split('/').filter(Boolean);
    if (parts.length !== 2 || parts[1] !== 'source.html' || parts[0].includes('..')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not in the corpus');
      return;
    }
    readFile(path.join(dir, parts[0], 'source.html')).then(
      (body) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

// `npx tsx bench/capture-bench.ts [pages]` prints the result as JSON.
if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const pages = process.argv[2] ? Number(process.argv[2]) : undefined;
  const corpusDir = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../shared/corpus/pages');
  runCaptureBench({ corpusDir, pages, concurrencies: [1, 2] }).then(
    (result) => console.log(JSON.stringify(result, null, 2)),
    (error) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
