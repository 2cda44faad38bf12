// Fair leasing, measured on the product path: the real service, queue and Chromium capturing corpus
// pages. Workspace A floods the queue with links posted in messages (what core/chat hands the
// service); workspace B then asks for one page with /snap. B's time to a finished snapshot is
// compared with the same page asked for on an idle service in this process (the baseline). The
// issue's bar: a flood delays another workspace's /snap by at most one capture.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { silentLogger } from '../src/core/logger.js';
import { corpusPages, startPageServers } from './chat-load-bench.js';

export interface FairLeaseResult {
  floodLinks: number;
  concurrency: string;
  aloneMs: number[];
  duringFloodMs: number[];
  /** Captures of the flood that ended before B's snapshot did, per run. */
  floodDoneBeforeB: number[];
  /** Median capture time of one flood page, for "at most one capture". */
  floodCaptureP50Ms: number;
  ratio: number;
}

export async function runFairLeaseBench(options: { corpusDir: string; floodLinks?: number; runs?: number; log: (message: string) => void }): Promise<FairLeaseResult> {
  const floodLinks = options.floodLinks ?? 40;
  const runs = options.runs ?? 3;
  const servers = await startPageServers(options.corpusDir);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'linksnap-fair-lease-'));
  const config = loadConfig({ LINKSNAP_DATA_DIR: dataDir, LINKSNAP_ALLOW_NETS: '127.0.0.1/32', LINKSNAP_ONLY_ALLOWED: '1', LINKSNAP_LOG_LEVEL: 'warn' }, process.cwd());
  const app = await createApp({ config, logger: silentLogger });
  const pages = corpusPages(options.corpusDir, floodLinks + runs * 2 + 2).map((page) => `${servers.corpus}${page}`);
  const service = app.service;
  const flooder = { id: 'discord:flood', platform: 'discord' as const };
  const asker = { id: 'discord:asker', platform: 'discord' as const };
  const snapOnce = async (url: string) => {
    const started = performance.now();
    const accepted = await service.snap({ url, force: true, workspace: asker, requester: { id: 'b' }, source: { platform: 'discord', channelId: 'c-b' } });
    const done = await service.waitFor(accepted.snapshot.id);
    if (done.status !== 'done') options.log(`fair lease: ${url} ${done.status}: ${done.error}`);
    return performance.now() - started;
  };
  try {
    // Warm the browser so the first baseline does not pay its launch.
    await snapOnce(pages[pages.length - 1]);
    const aloneMs: number[] = [];
    const duringFloodMs: number[] = [];
    const floodDoneBeforeB: number[] = [];
    const floodDurations: number[] = [];
    for (let run = 0; run < runs; run += 1) {
      const askPage = pages[floodLinks + run];
      aloneMs.push(await snapOnce(askPage));
      let floodDone = 0;
      const flood = pages.slice(0, floodLinks).map(async (url, i) => {
        const accepted = await service.snap({ url: `${url}?flood=${run}-${i}`, workspace: flooder, requester: { id: 'a' }, source: { platform: 'discord', channelId: 'c-a', messageId: `m${run}-${i}`, auto: true } });
        const done = await service.waitFor(accepted.snapshot.id);
        floodDone += 1;
        if (done.startedAt && done.capturedAt) floodDurations.push(Date.parse(done.capturedAt) - Date.parse(done.startedAt));
      });
      // The flood is queued and its first captures are running when B asks.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      duringFloodMs.push(await snapOnce(askPage));
      floodDoneBeforeB.push(floodDone);
      options.log(`fair lease run ${run + 1}: alone ${Math.round(aloneMs[run])} ms, during a ${floodLinks}-link flood ${Math.round(duringFloodMs[run])} ms (${floodDone} flood captures ended first)`);
      await Promise.all(flood);
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
    return {
      floodLinks,
      concurrency: String(config.concurrency),
      aloneMs,
      duringFloodMs,
      floodDoneBeforeB,
      floodCaptureP50Ms: median(floodDurations),
      ratio: median(duringFloodMs) / median(aloneMs),
    };
  } finally {
    await app.close();
    servers.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
