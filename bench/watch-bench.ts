// Watches as a `linksnap serve` process runs them: the real service, store, job runner, blob store
// and change detection, with the browser's page load replaced by a stub that returns the readable
// text of a real corpus page (Readability over the saved page), so every capture writes a real text
// artifact and every re-capture reads the previous one and diffs it. Per database:
// - baseline: N captures asked for with `snap --force` (first versions, nothing to compare);
// - watch run, nothing changed but the clock: N watches due at once, started by one tick, captured,
//   compared with the previous version, judged (no post);
// - watch run, half the pages edited: the same, and a change notice written for each edited page.
// Reported: runs per second against the baseline's captures per second, the judging step, notices
// written, and what the comparison alone costs per page (compareTexts on the corpus texts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import sharp from 'sharp';
import { createApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { compareTexts } from '../src/core/change.js';
import type { CaptureOutput } from '../src/core/capture/types.js';
import { silentLogger } from '../src/core/logger.js';
import { startTestPostgres } from '../test/helpers/postgres.js';

export interface WatchBenchRow {
  db: 'sqlite' | 'postgres';
  watches: number;
  baselinePerSecond: number;
  unchanged: { runsPerSecond: number; tickMs: number; judgeMs: number; changed: number; notices: number };
  edited: { runsPerSecond: number; tickMs: number; judgeMs: number; changed: number; notices: number };
}

export interface WatchBenchResult {
  rows: WatchBenchRow[];
  pages: number;
  meanTextChars: number;
  compare: { p50Ms: number; p95Ms: number; maxMs: number };
}

const Env = { LINKSNAP_ALLOW_NETS: '127.0.0.1/32', LINKSNAP_ONLY_ALLOWED: '1', LINKSNAP_LOG_LEVEL: 'error', LINKSNAP_CONCURRENCY: '8', DATABASE_POOL_SIZE: '6', LINKSNAP_WATCHES_PER_WORKSPACE: '100000' };

export async function runWatchBench(options: { corpusDir: string; watches?: number; log: (message: string) => void }): Promise<WatchBenchResult> {
  const watches = options.watches ?? 300;
  const texts = readCorpusTexts(options.corpusDir);
  options.log(`watch: ${texts.length} corpus texts, mean ${Math.round(mean(texts.map((t) => t.length)))} characters`);
  const compare = compareCost(texts);
  const postgres = await startTestPostgres();
  const rows: WatchBenchRow[] = [];
  try {
    for (const db of ['sqlite', 'postgres'] as const) {
      const env: Record<string, string> = db === 'postgres' ? { DATABASE_URL: await postgres.createDatabase('watch_bench') } : {};
      rows.push(await measure(db, watches, texts, env, options.log));
    }
  } finally {
    await postgres.close();
  }
  return { rows, pages: texts.length, meanTextChars: Math.round(mean(texts.map((t) => t.length))), compare };
}

async function measure(db: 'sqlite' | 'postgres', count: number, texts: string[], env: Record<string, string>, log: (message: string) => void): Promise<WatchBenchRow> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'linksnap-watch-bench-'));
  // Which pages the stub serves edited (round 2), by page number.
  let edited = new Set<number>();
  let stamp = 'Dec 6, 2026 08:00';
  const png = await sharp({ create: { width: 320, height: 200, channels: 3, background: { r: 40, g: 90, b: 160 } } }).png().toBuffer();
  const app = await createApp({
    config: loadConfig({ ...Env, ...env, LINKSNAP_DATA_DIR: dataDir }, process.cwd()),
    logger: silentLogger,
    captureUrl: async (url: string) => {
      const n = Number(new URL(url).searchParams.get('n'));
      const body = texts[n % texts.length];
      const text = `Updated ${stamp}\n${body}${edited.has(n) ? `\nCorrection (page ${n}): an earlier version of this article misstated the date of the vote.` : ''}`;
      return {
        kind: 'html',
        finalUrl: url,
        httpStatus: 200,
        contentType: 'text/html',
        metadata: { title: `Page ${n}` },
        degraded: false,
        degradedReason: null,
        partial: false,
        blockedRequests: [],
        artifacts: { screenshot: { data: png, mime: 'image/png' }, text: { data: Buffer.from(text), mime: 'text/plain; charset=utf-8' } },
        text,
        consent: null,
        timings: {},
        dropped: [],
      } as unknown as CaptureOutput;
    },
  });
  try {
    const workspace = { id: 'discord:bench', platform: 'discord' as const };
    const urls = Array.from({ length: count }, (_, n) => `http://127.0.0.1:65000/watch-bench/page?n=${n}`);
    const place = { platform: 'discord' as const, channelId: 'c-watch', channelName: 'watch', private: false };
    // Warm-up (not counted): the first captures of a process pay for connections, JIT and caches.
    const warm = await Promise.all(Array.from({ length: 16 }, (_, n) => app.service.snap({ url: `http://127.0.0.1:65000/watch-bench/warm?n=${n}`, force: true, workspace, requester: { id: 'u' }, source: { platform: 'web' } })));
    await Promise.all(warm.map((accepted) => app.service.waitFor(accepted.snapshot.id)));
    const started = performance.now();
    const firsts = await Promise.all(urls.map((url) => app.service.snap({ url, force: true, workspace, requester: { id: 'u' }, source: { platform: 'web' } })));
    await Promise.all(firsts.map((accepted) => app.service.waitFor(accepted.snapshot.id)));
    const baselinePerSecond = count / ((performance.now() - started) / 1000);
    for (const url of urls) await app.service.watch({ url, every: 'hourly', workspace, requester: { id: 'u' }, place });

    const round = async (at: Date) => {
      const begin = performance.now();
      const runs = await app.service.watches.startDue(at);
      const tickMs = performance.now() - begin;
      await Promise.all(runs.map((run) => app.service.waitFor(run.snapshotId)));
      const judgeStart = performance.now();
      const judged = await app.service.watches.tick(at);
      const judgeMs = performance.now() - judgeStart;
      const elapsed = (performance.now() - begin) / 1000;
      return { runs: runs.length, runsPerSecond: runs.length / elapsed, tickMs, judgeMs, changed: judged.changed };
    };
    const notices = async () => (await import('../src/storage/notices.js')).listNotices;
    const noticeCount = async () => {
      const list = await notices();
      const handle = (await import('../src/storage/open-database.js')).openStoreDatabase(app.config);
      try {
        return (await list(handle.db, workspace.id, 100_000)).length;
      } finally {
        await handle.close();
      }
    };
    stamp = 'Dec 7, 2026 09:15';
    const unchanged = await round(new Date(Date.now() + 2 * 3_600_000));
    const afterUnchanged = await noticeCount();
    stamp = 'Dec 8, 2026 07:40';
    edited = new Set(Array.from({ length: count }, (_, n) => n).filter((n) => n % 2 === 0));
    const editedRound = await round(new Date(Date.now() + 4 * 3_600_000));
    const afterEdited = await noticeCount();
    const row: WatchBenchRow = {
      db,
      watches: count,
      baselinePerSecond: round2(baselinePerSecond),
      unchanged: { runsPerSecond: round2(unchanged.runsPerSecond), tickMs: round2(unchanged.tickMs), judgeMs: round2(unchanged.judgeMs), changed: unchanged.changed, notices: afterUnchanged },
      edited: { runsPerSecond: round2(editedRound.runsPerSecond), tickMs: round2(editedRound.tickMs), judgeMs: round2(editedRound.judgeMs), changed: editedRound.changed, notices: afterEdited - afterUnchanged },
    };
    log(
      `watch ${db}: baseline ${row.baselinePerSecond}/s; unchanged round ${row.unchanged.runsPerSecond}/s (start ${row.unchanged.tickMs} ms, judge ${row.unchanged.judgeMs} ms, ${row.unchanged.changed} changed); edited round ${row.edited.runsPerSecond}/s (${row.edited.changed} changed, ${row.edited.notices} notices)`,
    );
    return row;
  } finally {
    await closeQuietly(app);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function closeQuietly(app: App): Promise<void> {
  await app.close().catch(() => undefined);
}

/** The readable text of every corpus page, as Readability gives it (the product runs the same in the page). */
function readCorpusTexts(corpusDir: string): string[] {
  const texts: string[] = [];
  for (const name of fs.readdirSync(corpusDir).sort()) {
    const file = path.join(corpusDir, name, 'source.html');
    if (!fs.existsSync(file)) continue;
    const { document } = parseHTML(fs.readFileSync(file, 'utf8'));
    const article = new Readability(document as unknown as Document).parse();
    const text = (article?.textContent ?? document.body?.textContent ?? '').replace(/[ \t]+/g, ' ').replace(/\n\s*\n+/g, '\n').trim();
    if (text) texts.push(text);
  }
  return texts;
}

/** compareTexts alone on each corpus text against itself with its clock moved and one paragraph added. */
function compareCost(texts: string[]): { p50Ms: number; p95Ms: number; maxMs: number } {
  const times: number[] = [];
  for (const text of texts) {
    const before = `Updated Dec 6, 2026 08:00 · 1,204 views\n${text}`;
    const after = `Updated Dec 7, 2026 09:15 · 1,391 views\n${text}\nCorrection: an earlier version misstated the date.`;
    const start = performance.now();
    compareTexts(before, after);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => round2(times[Math.min(times.length - 1, Math.floor(q * times.length))]);
  return { p50Ms: at(0.5), p95Ms: at(0.95), maxMs: round2(times[times.length - 1]) };
}

function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
