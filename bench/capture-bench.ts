// Capture throughput and latency along the path users take, against a baseline measured in the
// same run. Returns numbers; writes no files (bench/run.ts writes BENCHMARKS.md).
//
// The product: what `linksnap serve` starts (createApp with the real resolver, the real job queue
// and the web server; no chat bots), in a fresh process per row (capture-server.ts) on a fresh data
// folder, with LINKSNAP_ALLOW_NETS set to loopback and LINKSNAP_ONLY_ALLOWED=1. Every page is posted
// at once with `POST /api/snapshots`, as a team's burst would arrive, and each result is awaited on
// the snapshot's event stream (`GET /api/snapshots/:id/events`, which ends at done/failed) and read
// back with `GET /api/snapshots/:id`. Latency runs from the POST to the terminal status.
//
// The baseline: Debian's `chromium` launched per page with its own headless screenshot command
// (how ArchiveBox takes screenshots), one page at a time, behind the project's egress proxy
// (capture-baseline.ts): in scenario 1 it refuses every name without asking DNS, in scenario 2 it
// has the product's allow list and simulated resolver.
//
// Scenario 1: the corpus as it is, from 127.0.0.1 at loopback speed; every external name goes to the
// system resolver (NXDOMAIN here) and the allow list would refuse any public address anyway.
// Scenario 2: a simulated internet. The corpus is served with `latencyMs` before each response and
// `mbit` per connection, and every external name resolves (through the injected resolver and the
// allow list) to a loopback fixture serving stand-ins with the same latency and cap
// (capture-internet.ts). Both sides go through identical proxies and latencies.
// Dead hosts: a page with 40 images on 4 hosts that do not exist against its twin without them,
// one capture at a time through the product, alternating, p50 of each.
//
// CPU and memory are those of the measured process tree only (the server or the baseline runner
// and every Chromium process below it), sampled from /proc (process-cpu.ts); the network and this
// load generator run in other processes and are reported apart.
import { fork, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { findChrome } from '../src/core/capture/find-chrome.js';
import type { BaselineChildOptions, BaselinePageResult } from './capture-baseline.js';
import type { InternetOptions, InternetReady, InternetStats } from './capture-internet.js';
import type { LogSummary, ServerChildOptions } from './capture-server.js';
import { machineBusyMs, startTreeMeter, type TreeUsage } from './process-cpu.js';

export type Scenario = '1' | '2' | 'dead';

export interface CaptureBenchOptions {
  /** Folder of <name>/source.html pages. */
  corpusDir: string;
  /** Use only the first N pages (sorted by name); all by default. */
  pages?: number;
  /** Which parts to run; all by default. */
  scenarios?: Scenario[];
  /** LINKSNAP_CONCURRENCY of each product row; 'default' leaves it unset; a `/no-wacz` suffix sets LINKSNAP_WACZ=0. */
  concurrencies?: string[];
  /** Simulated internet: delay before each response, and bandwidth per connection. */
  latencyMs?: number;
  mbit?: number;
  /** Captures of each of the dead-host page and its twin. */
  deadRuns?: number;
  /** The baseline's browser: Debian's launcher by default. */
  baselineExecutable?: string;
  log?: (message: string) => void;
}

export interface RowResult {
  scenario: '1' | '2';
  kind: 'baseline' | 'product';
  /** LINKSNAP_CONCURRENCY as set ('default': unset), or 'one at a time' for the baseline. */
  setting: string;
  /** Captures the product actually runs at once (config.concurrency), 1 for the baseline. */
  concurrency: number;
  /** Each limit the adaptive concurrency set, in order (default setting only). */
  concurrencyLimits?: number[];
  pages: number;
  succeeded: number;
  failures: number;
  /** Done but marked degraded (bot wall, empty page, …) by the product; 0 for the baseline. */
  degraded: number;
  wallMs: number;
  capturesPerMinute: number;
  p50Ms: number;
  p95Ms: number;
  cpuMsPerCapture: number | null;
  /** The tree's CPU over the row, as a share of every core of the machine. */
  cpuBusyPct: number | null;
  peakRssMb: number | null;
  peakPssMb: number | null;
  /** CPU used meanwhile by processes outside the measured tree and the harness (others' tests), in cores. */
  otherLoadCores: number | null;
  /** CPU of the harness (load generator and simulated network) per capture. */
  harnessCpuMsPerCapture: number | null;
  ratioVsBaseline: number | null;
  /** Requests the corpus server and the simulated internet answered, per page. */
  requestsPerPage: number | null;
  /** Median ms per pipeline step (product only). */
  stepsP50Ms: Record<string, number> | null;
  failureSamples: string[];
  log: LogSummary | null;
  notes: string[];
}

export interface DeadHostResult {
  runs: number;
  concurrency: number;
  deadP50Ms: number;
  twinP50Ms: number;
  differenceMs: number;
  /** Median of each run's dead-minus-twin difference (the pair captured back to back): steadier under drifting load. */
  pairedDifferenceP50Ms: number;
  deadMs: number[];
  twinMs: number[];
  deadFailures: number;
  twinFailures: number;
  deadStepsP50Ms: Record<string, number>;
  twinStepsP50Ms: Record<string, number>;
  failureSamples: string[];
}

export interface CaptureBenchResult {
  pages: number;
  cores: number;
  latencyMs: number;
  mbit: number;
  productExecutable: string | null;
  baselineExecutable: string;
  /** How Chromium was made to accept the simulated internet's certificate in the product. */
  certificateHook: 'browserArgs' | 'CHROME_PATH wrapper (browserArgs missing in src/app.ts)' | 'not needed';
  rows: RowResult[];
  deadHost: DeadHostResult | null;
  notes: string[];
}

const BenchDir = path.dirname(fileURLToPath(import.meta.url));
const ProjectDir = path.resolve(BenchDir, '..');
const Cores = os.availableParallelism?.() ?? os.cpus().length;
const BatchTimeoutMs = 45 * 60_000;
const WarmupQuery = 'bench-warmup=1';

// A connection to a child that resets (a socket hang-up on a request this harness made) is logged
// with its stack and counted where it happened; it must not end a 40-minute run.
process.on('uncaughtException', (error) => process.stderr.write(`[bench] capture harness: ${error.stack ?? error}\n`));

export async function runCaptureBench(options: CaptureBenchOptions): Promise<CaptureBenchResult> {
  const log = options.log ?? (() => {});
  const scenarios = new Set(options.scenarios ?? ['1', '2', 'dead']);
  const concurrencies = options.concurrencies ?? ['default', String(Cores * 2), String(Cores * 4)];
  const latencyMs = options.latencyMs ?? 80;
  const mbit = options.mbit ?? 20;
  const baselineExecutable = options.baselineExecutable ?? '/usr/bin/chromium';
  const productExecutable = findChrome(null);
  const result: CaptureBenchResult = {
    pages: 0,
    cores: Cores,
    latencyMs,
    mbit,
    productExecutable,
    baselineExecutable,
    certificateHook: 'not needed',
    rows: [],
    deadHost: null,
    notes: [],
  };

  const internet = await startChild<InternetReady>('capture-internet.ts', {
    corpusDir: options.corpusDir,
    latencyMs,
    mbit,
    fixture: scenarios.has('2'),
  } satisfies InternetOptions);
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'linksnap-bench-'));
  try {
    const names = internet.ready.pages.slice(0, options.pages ?? Infinity);
    result.pages = names.length;
    const pageUrls = (origin: string) => names.map((name) => `${origin}/${encodeURIComponent(name)}/source.html`);
    const warmups = (origin: string) => names.slice(0, 2).map((name) => `${origin}/${encodeURIComponent(name)}/source.html?${WarmupQuery}`);
    const internetStats = () => request<InternetStats>(internet.child, { type: 'stats' }, 'stats');

    const setups: Array<{ scenario: '1' | '2'; origin: string; allowNets: string[]; resolveTo: string | null; browserArgs: string[] }> = [];
    if (scenarios.has('1')) setups.push({ scenario: '1', origin: internet.ready.corpusOrigin, allowNets: ['127.0.0.1/32'], resolveTo: null, browserArgs: [] });
    if (scenarios.has('2')) {
      const fixture = internet.ready.fixtureAddress!;
      setups.push({ scenario: '2', origin: internet.ready.shapedCorpusOrigin, allowNets: ['127.0.0.1/32', `${fixture}/32`], resolveTo: fixture, browserArgs: ['--ignore-certificate-errors'] });
    }

    let wrapper: string | null = null;
    for (const setup of setups) {
      const urls = pageUrls(setup.origin);
      const meter = new RowMeter(internet.child.pid!, internetStats);

      // The baseline first, one page at a time.
      log(`capture: scenario ${setup.scenario}, baseline (Debian chromium per page) on ${urls.length} pages …`);
      const baselineOptions: BaselineChildOptions = {
        executable: baselineExecutable,
        allowNets: setup.allowNets,
        resolveTo: setup.resolveTo,
        ignoreCertificateErrors: setup.scenario === '2',
        pageTimeoutMs: 30_000,
        killAfterMs: 60_000,
      };
      const baseline = await startChild<{ type: 'ready'; proxyUrl: string }>('capture-baseline.ts', baselineOptions);
      let baselineRow: RowResult;
      try {
        await request(baseline.child, { type: 'run', urls: warmups(setup.origin) }, 'result');
        await meter.start(baseline.child.pid!);
        const { results } = await request<{ results: BaselinePageResult[] }>(baseline.child, { type: 'run', urls }, 'result', urls.length * (baselineOptions.killAfterMs + 5_000));
        const usage = await meter.stop();
        const ok = results.filter((r) => r.ok);
        baselineRow = row(setup.scenario, 'baseline', 'one at a time', 1, urls.length, ok.length, 0, ok.map((r) => r.ms), usage, null, distinct(results.filter((r) => !r.ok).map((r) => r.error ?? 'failed')), null);
      } finally {
        await stopChild(baseline.child, { type: 'stop' });
      }
      result.rows.push(baselineRow);
      log(`capture:   baseline ${baselineRow.capturesPerMinute.toFixed(1)}/min, p50 ${baselineRow.p50Ms} ms, ${baselineRow.failures} failed`);

      for (const setting of concurrencies) {
        log(`capture: scenario ${setup.scenario}, linksnap serve with LINKSNAP_CONCURRENCY=${setting === 'default' ? '(unset)' : setting} …`);
        const start = async () => {
          const server = await startServer(scratch, setup, setting, wrapper);
          for (const url of [...warmups(setup.origin), ...(setup.scenario === '2' ? [`${setup.origin}/_bench/tls-probe.html`] : [])]) {
            await snapAndWait(server.ready.baseUrl, url);
          }
          return server;
        };
        let before = setup.scenario === '2' ? await internetStats() : null;
        let server = await start();
        if (setup.scenario === '2' && !wrapper) {
          const after = await internetStats();
          if (after.tlsHandshakes === before!.tlsHandshakes) {
            // Chromium refused the certificate: src/app.ts does not pass browserArgs on yet.
            log('capture:   the product browser refused the simulated internet\'s certificate (no browserArgs hook); using a CHROME_PATH wrapper');
            await stopServer(server);
            wrapper = chromeWrapper(scratch, productExecutable, setup.browserArgs);
            before = await internetStats();
            server = await start();
            const again = await internetStats();
            if (again.tlsHandshakes === before.tlsHandshakes) throw new Error('The product browser still refuses the simulated internet\'s certificate');
            result.certificateHook = 'CHROME_PATH wrapper (browserArgs missing in src/app.ts)';
          } else {
            result.certificateHook = 'browserArgs';
          }
        }
        let productRow: RowResult;
        try {
          await request(server.child, { type: 'timings' }, 'timings'); // drop the warm-up's
          await meter.start(server.child.pid!);
          const outcomes = await Promise.all(urls.map((url) => snapAndWait(server.ready.baseUrl, url)));
          const usage = await meter.stop();
          const stopped = await stopServer(server);
          const done = outcomes.filter((o) => o.status === 'done');
          productRow = row(
            setup.scenario,
            'product',
            setting,
            server.ready.concurrency,
            urls.length,
            done.length,
            done.filter((o) => o.degraded).length,
            done.map((o) => o.ms),
            usage,
            stepsP50(stopped.timings),
            distinct(outcomes.filter((o) => o.status !== 'done').map((o) => `${o.errorCode ?? o.status}: ${o.error ?? ''}`.slice(0, 200))),
            stopped.log,
          );
          productRow.concurrencyLimits = stopped.limits ?? [];
          const noScreenshot = done.filter((o) => !o.hasScreenshot).length;
          if (noScreenshot) productRow.notes.push(`${noScreenshot} done without a screenshot`);
          if (stopped.crash) productRow.notes.push(stopped.crash);
        } catch (error) {
          await stopServer(server);
          throw error;
        }
        productRow.ratioVsBaseline = baselineRow.capturesPerMinute > 0 ? round(productRow.capturesPerMinute / baselineRow.capturesPerMinute, 2) : null;
        result.rows.push(productRow);
        log(`capture:   concurrency ${productRow.concurrency}: ${productRow.capturesPerMinute.toFixed(1)}/min (${productRow.ratioVsBaseline ?? '—'}×), p50 ${productRow.p50Ms} ms, p95 ${productRow.p95Ms} ms, peak RSS ${productRow.peakRssMb} MB, ${productRow.failures} failed`);
      }
    }

    if (scenarios.has('dead')) {
      const runs = options.deadRuns ?? 10;
      log(`capture: dead-host page against its twin, ${runs} runs each …`);
      const setup = { scenario: '1' as const, origin: internet.ready.corpusOrigin, allowNets: ['127.0.0.1/32'], resolveTo: null, browserArgs: [] };
      const server = await startServer(scratch, setup, 'default', null);
      try {
        await snapAndWait(server.ready.baseUrl, `${setup.origin}/_bench/twin.html?${WarmupQuery}`);
        await snapAndWait(server.ready.baseUrl, `${setup.origin}/_bench/dead-hosts.html?${WarmupQuery}`);
        await request(server.child, { type: 'timings' }, 'timings');
        const dead: Outcome[] = [];
        const twin: Outcome[] = [];
        const deadSteps: Array<Record<string, number>> = [];
        const twinSteps: Array<Record<string, number>> = [];
        for (let i = 0; i < runs; i++) {
          // Alternate which goes first, so drift in the machine's load falls on both alike.
          const order = i % 2 === 0 ? (['dead', 'twin'] as const) : (['twin', 'dead'] as const);
          for (const which of order) {
            const page = which === 'dead' ? 'dead-hosts' : 'twin';
            const outcome = await snapAndWait(server.ready.baseUrl, `${setup.origin}/_bench/${page}.html?run=${i}`);
            const { timings } = await request<{ timings: Array<Record<string, number>> }>(server.child, { type: 'timings' }, 'timings');
            (which === 'dead' ? dead : twin).push(outcome);
            (which === 'dead' ? deadSteps : twinSteps).push(...timings);
          }
        }
        const ok = (list: Outcome[]) => list.filter((o) => o.status === 'done').map((o) => o.ms);
        const deadP50 = percentile(ok(dead), 50);
        const twinP50 = percentile(ok(twin), 50);
        result.deadHost = {
          runs,
          concurrency: server.ready.concurrency,
          deadP50Ms: deadP50,
          twinP50Ms: twinP50,
          differenceMs: deadP50 - twinP50,
          pairedDifferenceP50Ms: medianOf(
            dead.flatMap((o, i) => (o.status === 'done' && twin[i]?.status === 'done' ? [o.ms - twin[i].ms] : [])),
          ),
          deadMs: dead.map((o) => Math.round(o.ms)),
          twinMs: twin.map((o) => Math.round(o.ms)),
          deadFailures: dead.length - ok(dead).length,
          twinFailures: twin.length - ok(twin).length,
          deadStepsP50Ms: stepsP50(deadSteps) ?? {},
          twinStepsP50Ms: stepsP50(twinSteps) ?? {},
          failureSamples: distinct([...dead, ...twin].filter((o) => o.status !== 'done').map((o) => `${o.errorCode ?? o.status}: ${o.error ?? ''}`)),
        };
        log(`capture:   dead-host p50 ${deadP50} ms, twin p50 ${twinP50} ms, difference ${deadP50 - twinP50} ms`);
      } finally {
        await stopServer(server);
      }
    }
  } finally {
    await stopChild(internet.child, null);
    rmSync(scratch, { recursive: true, force: true });
  }
  return result;
}

// ---- rows ---------------------------------------------------------------------------------------

interface RowUsage {
  wallMs: number;
  tree: TreeUsage | null;
  machineBusyMs: number | null;
  harnessCpuMs: number | null;
  requests: number | null;
}

function row(
  scenario: '1' | '2',
  kind: 'baseline' | 'product',
  setting: string,
  concurrency: number,
  pages: number,
  succeeded: number,
  degraded: number,
  latencies: number[],
  usage: RowUsage,
  steps: Record<string, number> | null,
  failureSamples: string[],
  log: LogSummary | null,
): RowResult {
  const { wallMs, tree } = usage;
  const cpuMs = tree?.cpuMs ?? null;
  const others = usage.machineBusyMs !== null && cpuMs !== null && usage.harnessCpuMs !== null ? Math.max(0, usage.machineBusyMs - cpuMs - usage.harnessCpuMs) : null;
  return {
    scenario,
    kind,
    setting,
    concurrency,
    pages,
    succeeded,
    failures: pages - succeeded,
    degraded,
    wallMs: Math.round(wallMs),
    capturesPerMinute: round((succeeded / wallMs) * 60_000, 1),
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    cpuMsPerCapture: cpuMs !== null && succeeded > 0 ? Math.round(cpuMs / succeeded) : null,
    cpuBusyPct: cpuMs !== null ? round((cpuMs / (wallMs * Cores)) * 100, 0) : null,
    peakRssMb: tree ? Math.round(tree.peakRssBytes / 1024 ** 2) : null,
    peakPssMb: tree && tree.peakPssBytes ? Math.round(tree.peakPssBytes / 1024 ** 2) : null,
    otherLoadCores: others !== null ? round(others / wallMs, 2) : null,
    harnessCpuMsPerCapture: usage.harnessCpuMs !== null && succeeded > 0 ? Math.round(usage.harnessCpuMs / succeeded) : null,
    ratioVsBaseline: kind === 'baseline' ? 1 : null,
    requestsPerPage: usage.requests !== null ? round(usage.requests / pages, 1) : null,
    stepsP50Ms: steps,
    failureSamples,
    log,
    notes: [],
  };
}

/** Meters one row: the measured tree, the harness (this process and the network child), the machine. */
class RowMeter {
  #tree: ReturnType<typeof startTreeMeter> = null;
  #net: ReturnType<typeof startTreeMeter> = null;
  #self: NodeJS.CpuUsage | null = null;
  #machine: number | null = null;
  #started = 0;
  #requests: number | null = null;

  constructor(
    readonly internetPid: number,
    readonly stats: () => Promise<InternetStats>,
  ) {}

  async start(pid: number): Promise<void> {
    const s = await this.stats();
    this.#requests = s.fixtureRequests + s.corpusRequests;
    this.#tree = startTreeMeter(pid);
    // One long-lived Node process: a slow sampler loses nothing and costs less.
    this.#net = startTreeMeter(this.internetPid, { intervalMs: 250, pssEveryMs: 1e9 });
    this.#self = process.cpuUsage();
    this.#machine = machineBusyMs();
    this.#started = performance.now();
  }

  async stop(): Promise<RowUsage> {
    const wallMs = performance.now() - this.#started;
    const tree = this.#tree?.stop() ?? null;
    const net = this.#net?.stop() ?? null;
    const self = this.#self ? process.cpuUsage(this.#self) : null;
    const machine = machineBusyMs();
    const s = await this.stats();
    return {
      wallMs,
      tree,
      machineBusyMs: machine !== null && this.#machine !== null ? machine - this.#machine : null,
      harnessCpuMs: self && net ? (self.user + self.system) / 1000 + net.cpuMs : null,
      requests: this.#requests !== null ? s.fixtureRequests + s.corpusRequests - this.#requests : null,
    };
  }
}

// ---- the product through its HTTP API -----------------------------------------------------------

interface Outcome {
  url: string;
  /** POST to terminal status. */
  ms: number;
  status: string;
  error: string | null;
  errorCode: string | null;
  degraded: boolean;
  hasScreenshot: boolean;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

/** POST /api/snapshots, wait on the event stream for done/failed, read the result back. */
async function snapAndWait(baseUrl: string, url: string): Promise<Outcome> {
  const started = performance.now();
  const fail = (status: string, error: string): Outcome => ({ url, ms: performance.now() - started, status, error, errorCode: null, degraded: false, hasScreenshot: false });
  let id: string;
  try {
    const posted = await httpJson('POST', `${baseUrl}/api/snapshots`, { url });
    if (posted.status !== 202) return fail('post', `POST answered ${posted.status}: ${JSON.stringify(posted.body).slice(0, 200)}`);
    id = (posted.body as { snapshot: { id: string } }).snapshot.id;
  } catch (error) {
    return fail('post', (error as Error).message);
  }
  let terminal = await waitTerminal(`${baseUrl}/api/snapshots/${encodeURIComponent(id)}/events`, started + BatchTimeoutMs);
  const ms = performance.now() - started;
  if (!terminal) {
    // The stream broke or timed out: read the status once more.
    const read = await httpJson('GET', `${baseUrl}/api/snapshots/${encodeURIComponent(id)}`).catch(() => null);
    const status = (read?.body as { snapshot?: { status?: string } } | undefined)?.snapshot?.status;
    if (status !== 'done' && status !== 'failed') return fail('timeout', `no terminal status (last: ${status ?? 'unknown'})`);
    terminal = status;
  }
  // A server that died mid-row is a row of failures to report, not a harness crash.
  const read = await httpJson('GET', `${baseUrl}/api/snapshots/${encodeURIComponent(id)}`).catch((error: Error) => null as unknown as { body: unknown } | null);
  if (!read) return fail('read', 'the server did not answer GET /api/snapshots/:id');
  const snapshot = (read.body as { snapshot: { status: string; error: string | null; errorCode: string | null; degraded: boolean; artifacts: Record<string, unknown> } }).snapshot;
  return {
    url,
    ms,
    status: snapshot.status,
    error: snapshot.error,
    errorCode: snapshot.errorCode,
    degraded: Boolean(snapshot.degraded),
    hasScreenshot: Boolean(snapshot.artifacts?.screenshot),
  };
}

/** Reads the snapshot's event stream until a done/failed status; null if it ends or times out first. */
function waitTerminal(eventsUrl: string, deadline: number): Promise<string | null> {
  return new Promise((resolve) => {
    let settled = false;
    let buffer = '';
    const finish = (value: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => finish(null), Math.max(0, deadline - performance.now()));
    const req = http.get(eventsUrl, { agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return finish(null);
      }
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block
            .split('\n')
            .filter((line) => line.startsWith('data:'))
            .map((line) => line.slice(5).trim())
            .join('\n');
          if (!data) continue;
          try {
            const status = (JSON.parse(data) as { status?: string }).status;
            if (status === 'done' || status === 'failed') return finish(status);
          } catch {
            // Not a status event.
          }
        }
      });
      res.on('end', () => finish(null));
      res.on('error', () => finish(null));
    });
    req.on('error', () => finish(null));
  });
}

function httpJson(method: string, url: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(url, { method, agent, headers: payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : null;
        } catch {
          // Leave it as text.
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

// ---- child processes ----------------------------------------------------------------------------

interface Child<Ready> {
  child: ChildProcess;
  ready: Ready;
}

interface ServerReady {
  type: 'ready';
  baseUrl: string;
  concurrency: number;
}

interface ServerHandle extends Child<ServerReady> {
  dataDir: string;
}

async function startServer(
  scratch: string,
  setup: { allowNets: string[]; resolveTo: string | null; browserArgs: string[] },
  setting: string,
  chromeWrapperPath: string | null,
): Promise<ServerHandle> {
  const dataDir = mkdtempSync(path.join(scratch, 'data-'));
  const env: Record<string, string> = {
    LINKSNAP_DATA_DIR: dataDir,
    LINKSNAP_HOST: '127.0.0.1',
    LINKSNAP_PORT: '0',
    LINKSNAP_ALLOW_NETS: setup.allowNets.join(','),
    LINKSNAP_ONLY_ALLOWED: '1',
    // The nightly link check would only add noise.
    LINKSNAP_LINKCHECK_CRON: '',
    LINKSNAP_LOG_LEVEL: 'warn',
  };
  // "<concurrency>/no-wacz": the same row without recording the web archive, to measure what it costs.
  const [concurrency, variant] = setting.split('/');
  if (concurrency !== 'default') env.LINKSNAP_CONCURRENCY = concurrency;
  if (variant === 'no-wacz') env.LINKSNAP_WACZ = '0';
  else if (variant !== undefined) throw new Error(`Unknown row variant "${variant}" in "${setting}" (known: no-wacz)`);
  if (chromeWrapperPath) env.CHROME_PATH = chromeWrapperPath;
  const options: ServerChildOptions = { env, resolveTo: setup.resolveTo, browserArgs: setup.browserArgs };
  const server = await startChild<ServerReady>('capture-server.ts', options);
  return { ...server, dataDir };
}

interface ServerStopped {
  timings: Array<Record<string, number>>;
  log: LogSummary;
  limits?: number[];
  /** Set when the server process had died (or would not stop) instead of stopping when asked. */
  crash: string | null;
}

/** Stops the server and collects its step timings and log; a server that died is reported, not thrown. */
async function stopServer(server: ServerHandle): Promise<ServerStopped> {
  try {
    if (!server.child.connected) {
      return { timings: [], log: { counts: {}, samples: [] }, crash: `the server process had exited (code ${server.child.exitCode}, signal ${server.child.signalCode})` };
    }
    const stopped = await request<{ timings: Array<Record<string, number>>; log: LogSummary; limits?: number[] }>(server.child, { type: 'stop' }, 'stopped', 60_000);
    await exited(server.child, 10_000);
    return { ...stopped, crash: null };
  } catch (error) {
    return { timings: [], log: { counts: {}, samples: [] }, crash: `the server process did not stop cleanly: ${(error as Error).message}` };
  } finally {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
    rmSync(server.dataDir, { recursive: true, force: true });
  }
}

/** A CHROME_PATH that starts the product's own browser with `args` added (used only without the browserArgs hook). */
function chromeWrapper(scratch: string, executable: string | null, args: string[]): string {
  if (!executable) throw new Error('No Chromium found for the product');
  const dir = mkdtempSync(path.join(scratch, 'chrome-'));
  // Same file name, so findChrome/headlessModeFor treat it as the same build.
  const file = path.join(dir, path.basename(executable));
  writeFileSync(file, `#!/bin/sh\nexec ${shellQuote(executable)} ${args.map(shellQuote).join(' ')} "$@"\n`);
  chmodSync(file, 0o755);
  return file;
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

async function startChild<Ready>(script: string, options: unknown): Promise<Child<Ready>> {
  const child = fork(path.join(BenchDir, script), [JSON.stringify(options)], {
    cwd: ProjectDir,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  // A send to a child that just died must not take this process down with it.
  child.on('error', () => {});
  const ready = await new Promise<Ready>((resolve, reject) => {
    const onMessage = (message: { type?: string }) => {
      if (message?.type !== 'ready') return;
      child.off('exit', onExit);
      child.off('message', onMessage);
      resolve(message as Ready);
    };
    const onExit = (code: number | null) => reject(new Error(`bench/${script} exited (${code}) before it was ready`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
  return { child, ready };
}

/** Sends `message` and resolves with the first reply of type `replyType`. */
function request<T>(child: ChildProcess, message: unknown, replyType: string, timeoutMs = 10 * 60_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`No ${replyType} reply within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (reply: { type?: string }) => {
      if (reply?.type === replyType) done(null, reply as T);
    };
    const onExit = (code: number | null) => done(new Error(`The child exited (${code}) before its ${replyType} reply`));
    let settled = false;
    const done = (error: Error | null, value?: T) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(value as T);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
    if (!child.connected) return done(new Error(`The child has exited; no ${replyType} reply`));
    child.send(message as object, (error) => {
      if (error) done(error);
    });
  });
}

async function stopChild(child: ChildProcess, message: unknown): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  if (child.connected) {
    if (message) child.send(message as object, () => {});
    else child.disconnect();
  }
  if (!(await exited(child, 10_000))) child.kill('SIGKILL');
}

function exited(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

// ---- numbers ------------------------------------------------------------------------------------

function stepsP50(timings: Array<Record<string, number>>): Record<string, number> | null {
  if (!timings.length) return null;
  const steps = new Set(timings.flatMap((t) => Object.keys(t)));
  return Object.fromEntries([...steps].map((step) => [step, percentile(timings.map((t) => t[step] ?? 0), 50)]));
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]);
}

/** The middle value (mean of the two middle ones for an even count); 0 for none. */
function medianOf(values: number[]): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return Math.round(sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2);
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function distinct(items: string[], max = 6): string[] {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return [...counts].slice(0, max).map(([item, n]) => (n > 1 ? `${item} (×${n})` : item));
}

// `node --import tsx bench/capture-bench.ts [--pages N] [--scenario 1,2,dead] [--concurrency default,4]` prints JSON.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { pages: { type: 'string' }, scenario: { type: 'string' }, concurrency: { type: 'string' }, 'dead-runs': { type: 'string' } } });
  runCaptureBench({
    corpusDir: path.resolve(ProjectDir, '../shared/corpus/pages'),
    pages: values.pages ? Number(values.pages) : undefined,
    scenarios: values.scenario ? (values.scenario.split(',') as Scenario[]) : undefined,
    concurrencies: values.concurrency ? values.concurrency.split(',') : undefined,
    deadRuns: values['dead-runs'] ? Number(values['dead-runs']) : undefined,
    log: (message) => process.stderr.write(`[bench] ${message}\n`),
  }).then(
    (result) => {
      console.log(JSON.stringify(result, null, 2));
      process.exit(0);
    },
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
