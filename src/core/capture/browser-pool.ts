// One long-lived Chromium shared by every capture. Each capture gets a fresh browser context (its
// own cookies, cache and proxy), at most `concurrency` at once. A browser that dies is relaunched
// for the next capture; captures in flight on it fail with BrowserCrashedError (transient, so the
// job retries). After `recycleAfter` captures the browser is drained and relaunched, which bounds
// the memory Chromium accumulates over days.
import puppeteer, { type Browser, type BrowserContext, type BrowserContextOptions } from 'puppeteer-core';
import { BrowserCrashedError, LinksnapError, ErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';
import { chromiumEgressArgs } from '../egress/chromium.js';
import { findChrome, headlessModeFor } from './find-chrome.js';
import { idleScheduleTree, treePssBytes } from './process-tree.js';
import { Semaphore } from './semaphore.js';

export interface BrowserPoolOptions {
  /** CHROME_PATH; found with findChrome() when null. */
  chromePath: string | null;
  concurrency: number;
  /** Captures before the browser is drained and relaunched. */
  recycleAfter: number;
  logger: Logger;
  /**
   * Proxy of the default browser context. Captures use their own per-context proxy; this one only
   * catches anything Chromium sends outside a capture context. The default points at the discard
   * port on loopback, where nothing listens, so such traffic goes nowhere.
   */
  defaultProxyUrl?: string;
  /** Extra launch arguments (tests use this to simulate odd setups). */
  extraArgs?: string[];
  /**
   * LINKSNAP_BROWSER_PRIORITY: 'idle' runs every browser process on CPU time the service leaves
   * free, so when pages keep every core busy, chat acks and the web page still get the CPU the
   * moment they need it; 'normal' leaves the browser at the service's priority.
   */
  priority?: 'idle' | 'normal';
}

/** Why each flag is here. The egress flags come from egress/chromium.ts. */
export const BaseChromiumArgs = [
  // Root in containers: Chromium's sandbox needs user namespaces the machine may not grant.
  '--no-sandbox',
  '--disable-gpu',
  // No update checks, field trials, sync or first-run UI: a capture must send only what the page asks.
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-default-apps',
  // Chromium's own calls home (autofill hints, translate, media router, optimisation hints) would
  // otherwise go through a capture's proxy and show up as refused requests of the page.
  '--disable-features=AutofillServerCommunication,Translate,MediaRouter,OptimizationHints,OptimizationGuideModelDownloading,InterestFeedContentSuggestions,IsolateOrigins,site-per-process',
  // One renderer per capture instead of one more per cross-site frame: each extra process cost
  // ~100 ms of CPU per capture on the corpus (measured), and the CPU is what bounds throughput.
  // Isolation between captures is kept: every capture has its own browser context, and Chromium
  // never shares a renderer between contexts. (Without the sandbox, which root cannot have, site
  // isolation inside one throwaway, cookie-less context protected little anyway.)
  '--disable-site-isolation-trials',
  // Lazy images and iframes below the fold must load before the full-page screenshot and the archive.
  '--disable-lazy-loading',
  // Shared memory in containers is often 64 MB, which crashes renderers on large pages.
  '--disable-dev-shm-usage',
  // Background tabs of a capture (several run at once) must not be throttled.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
  '--hide-scrollbars',
  '--mute-audio',
  '--font-render-hinting=none',
];

export interface PoolStats {
  launches: number;
  captures: number;
  crashes: number;
  /** Captures running right now. */
  active: number;
}

interface Generation {
  browser: Browser;
  id: number;
  captures: number;
  active: number;
  dead: boolean;
  retiring: boolean;
  drained: Promise<void>;
  markDrained: () => void;
}

export class BrowserPool {
  readonly #options: BrowserPoolOptions;
  readonly #semaphore: Semaphore;
  #current: Generation | null = null;
  #launching: Promise<Generation> | null = null;
  #closed = false;
  #generations = 0;
  readonly #stats: PoolStats = { launches: 0, captures: 0, crashes: 0, active: 0 };

  constructor(options: BrowserPoolOptions) {
    this.#options = options;
    this.#semaphore = new Semaphore(Math.max(1, options.concurrency));
  }

  get stats(): Readonly<PoolStats> {
    return { ...this.#stats };
  }

  /** PSS of the running browser's processes in bytes; null before its launch or off Linux. */
  memoryInUse(): number | null {
    const pid = this.#current?.browser.process()?.pid;
    return pid ? treePssBytes(pid) : null;
  }

  /** The running browser, launched if needed (for callers that need only a version check). */
  async browser(): Promise<Browser> {
    return (await this.#generation()).browser;
  }

  /**
   * Runs `fn` in a fresh browser context, waiting for a free slot first. The context is closed
   * afterwards whatever happens. If the browser dies meanwhile, rejects with BrowserCrashedError.
   */
  async withContext<T>(
    label: string,
    contextOptions: BrowserContextOptions,
    fn: (context: BrowserContext) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    if (this.#closed) throw new LinksnapError(ErrorCode.Internal, `The browser pool is closed; cannot capture ${label}`);
    const release = await this.#semaphore.acquire(signal);
    let generation: Generation | null = null;
    let context: BrowserContext | null = null;
    try {
      generation = await this.#generation();
      generation.active += 1;
      generation.captures += 1;
      this.#stats.active += 1;
      this.#stats.captures += 1;
      if (generation.captures >= this.#options.recycleAfter) generation.retiring = true;
      const gen = generation;
      try {
        context = await gen.browser.createBrowserContext({ downloadBehavior: { policy: 'deny' }, ...contextOptions });
        return await fn(context);
      } catch (error) {
        if (gen.dead || !gen.browser.connected) throw new BrowserCrashedError(label, error);
        throw error;
      }
    } finally {
      if (context && generation && !generation.dead) {
        await context.close().catch(() => {});
      }
      // Renderers fork from the zygote and inherit its class; this catches what the browser forked
      // while the last sweep ran or started since (utility processes).
      if (generation && !generation.dead) await this.#idleSchedule(generation.browser);
      if (generation) {
        generation.active -= 1;
        this.#stats.active -= 1;
        if (generation.active === 0 && (generation.retiring || generation.dead)) generation.markDrained();
      }
      release();
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    const launching = this.#launching;
    const current = this.#current;
    this.#current = null;
    const gens = [current, launching ? await launching.catch(() => null) : null].filter((g): g is Generation => g !== null);
    await Promise.all([...new Set(gens)].map((g) => this.#shutDown(g)));
  }

  async #generation(): Promise<Generation> {
    for (;;) {
      const current = this.#current;
      if (current && !current.dead && !current.retiring) return current;
      if (current && current.retiring && !current.dead) {
        // Drain first: the old browser closes only when its last capture is done.
        if (current.active > 0) {
          await current.drained;
          continue;
        }
        this.#current = null;
        this.#options.logger({ level: 'info', context: 'browser', message: 'Recycling the browser', details: { generation: current.id, captures: current.captures } });
        await this.#shutDown(current);
        continue;
      }
      if (current?.dead) this.#current = null;
      if (!this.#launching) {
        this.#launching = this.#launch().finally(() => {
          this.#launching = null;
        });
      }
      const launched = await this.#launching;
      if (this.#closed) {
        await this.#shutDown(launched);
        throw new LinksnapError(ErrorCode.Internal, 'The browser pool was closed while launching the browser');
      }
      this.#current = launched;
    }
  }

  async #launch(): Promise<Generation> {
    const executablePath = findChrome(this.#options.chromePath);
    if (!executablePath) {
      throw new LinksnapError(
        ErrorCode.Internal,
        this.#options.chromePath
          ? `CHROME_PATH=${this.#options.chromePath} is not an executable file`
          : 'No Chromium found (tried chromium-headless-shell, /usr/bin/chromium, chromium-browser, google-chrome…); install it or set CHROME_PATH',
      );
    }
    const browser = await puppeteer.launch({
      executablePath,
      headless: headlessModeFor(executablePath),
      // A pipe instead of a debugging port: nothing else on the machine can attach to the browser.
      pipe: true,
      args: [
        ...BaseChromiumArgs,
        ...chromiumEgressArgs(this.#options.defaultProxyUrl ?? 'http://127.0.0.1:9'),
        ...(this.#options.extraArgs ?? []),
      ],
      defaultViewport: null,
      protocolTimeout: 60_000,
    });
    const id = ++this.#generations;
    await this.#idleSchedule(browser);
    this.#stats.launches += 1;
    let markDrained = () => {};
    const drained = new Promise<void>((resolve) => {
      markDrained = resolve;
    });
    const generation: Generation = { browser, id, captures: 0, active: 0, dead: false, retiring: false, drained, markDrained };
    browser.once('disconnected', () => {
      if (generation.dead) return;
      generation.dead = true;
      generation.markDrained();
      if (!this.#closed && !generation.retiring) {
        this.#stats.crashes += 1;
        this.#options.logger({ level: 'warn', context: 'browser', message: 'The browser died; it will be relaunched for the next capture', details: { generation: id, active: generation.active } });
      }
    });
    this.#options.logger({ level: 'info', context: 'browser', message: 'Launched the browser', details: { generation: id, executablePath, version: await browser.version() } });
    return generation;
  }

  async #idleSchedule(browser: Browser): Promise<void> {
    const pid = browser.process()?.pid;
    if (pid && this.#options.priority === 'idle') await idleScheduleTree(pid).catch(() => 0);
  }

  async #shutDown(generation: Generation): Promise<void> {
    generation.retiring = true;
    generation.dead = true;
    generation.markDrained();
    const process = generation.browser.process();
    await Promise.race([generation.browser.close().catch(() => {}), new Promise((r) => setTimeout(r, 5_000))]);
    if (process && process.exitCode === null && process.signalCode === null) process.kill('SIGKILL');
  }
}
