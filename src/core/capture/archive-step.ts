// Makes the single-file HTML archive from the MHTML, in a worker thread (archive-worker.ts).
// The conversion is seconds of CPU on a large page (parse5 over the whole document, every image
// re-encoded as a data: URI); on the main thread that would stall the web server and the chat
// acks for as long. Here it runs in a small pool of workers (1 on a 2-core machine, 2 on larger),
// each conversion bounded by the archive size cap, a time limit and the capture's AbortSignal: a
// worker that runs over or is aborted is terminated, not waited for. Whatever goes wrong in the
// worker (a parse error, a too-large archive, running out of its heap, a crash) comes back as a
// LinksnapError whose message says why, so the archive is left out with a reason, never a crash.
//
// Data moves without copies: the MHTML bytes are on a SharedArrayBuffer (mhtml-snapshot.ts)
// that the worker reads in place, and the finished HTML's buffer is transferred back.
//
// The worker is started from TypeScript sources (vitest, tsx) as well as from the compiled build:
// next to archive-step.js it loads archive-worker.js; next to archive-step.ts it loads
// archive-worker.ts, registering tsx in the worker first when the worker cannot load .ts itself.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ErrorCode, LinksnapError, formatBytes } from '../errors.js';
import type { ArchiveJob, ArchiveReply } from './archive-worker.js';
import { Semaphore } from './semaphore.js';

export interface ArchiveOptions {
  /** The archive may not grow past this many bytes (UTF-8). */
  maxBytes: number;
  /** Aborting terminates the worker and rejects with the signal's reason. */
  signal?: AbortSignal;
  /** How long a conversion may run once a worker has it; the worker is terminated past it. */
  timeoutMs?: number;
}

export interface ArchiveResult {
  /** The archive's UTF-8 bytes, in the buffer the worker made (transferred, not copied). */
  data: Buffer;
  /** The worker thread that made it (never 0, the main thread). */
  threadId: number;
  /** Time the worker spent converting. */
  ms: number;
}

export const DefaultArchiveTimeoutMs = 60_000;
/** Workers at once: conversions are CPU-bound and Chromium needs the other cores. */
const PoolSize = Math.min(2, Math.max(1, (os.availableParallelism?.() ?? os.cpus().length) - 1));
/** A worker idle this long is ended, returning the heap a big conversion grew. */
const IdleMs = 20_000;
/**
 * The worker's V8 heap cap. parse5's tree of a text-heavy page takes about 16 times the page's
 * size, so this fits the default 60 MB MHTML cap; past it the worker alone is ended (the archive
 * is left out) instead of the whole process running out of memory.
 */
const WorkerHeapMb = 2_048;

/** Counters for tests and benchmarks. */
export const archiveStats = { conversions: 0, failures: 0, timeouts: 0, aborts: 0, crashes: 0, workersStarted: 0, lastThreadId: 0 };

export async function mhtmlToArchive(mhtml: Uint8Array, options: ArchiveOptions): Promise<ArchiveResult> {
  return pool.run(mhtml, options);
}

/** Ends every archive worker (idle ones end by themselves; this is for shutdown and tests). */
export async function closeArchiveWorkers(): Promise<void> {
  await pool.close();
}

interface Slot {
  worker: Worker;
  idleTimer: NodeJS.Timeout | null;
  dead: boolean;
}

class ArchivePool {
  readonly #permits = new Semaphore(PoolSize);
  readonly #idle: Slot[] = [];
  readonly #all = new Set<Slot>();
  #nextId = 1;

  async run(mhtml: Uint8Array, options: ArchiveOptions): Promise<ArchiveResult> {
    const { signal } = options;
    const release = await this.#permits.acquire(signal);
    let slot: Slot | null = null;
    try {
      signal?.throwIfAborted();
      slot = this.#idle.pop() ?? this.#spawn();
      if (slot.idleTimer) clearTimeout(slot.idleTimer);
      slot.idleTimer = null;
      slot.worker.ref();
      const job: ArchiveJob = { id: this.#nextId++, mhtml, maxBytes: options.maxBytes };
      const reply = await this.#send(slot, job, options);
      archiveStats.lastThreadId = reply.threadId;
      if (!reply.ok) {
        archiveStats.failures += 1;
        throw new LinksnapError(reply.code, reply.message);
      }
      archiveStats.conversions += 1;
      return { data: Buffer.from(reply.html.buffer, reply.html.byteOffset, reply.html.byteLength), threadId: reply.threadId, ms: reply.ms };
    } finally {
      if (slot) this.#park(slot);
      release();
    }
  }

  async close(): Promise<void> {
    const slots = [...this.#all];
    this.#idle.length = 0;
    await Promise.all(slots.map((slot) => this.#end(slot)));
  }

  #spawn(): Slot {
    const worker = startWorker();
    archiveStats.workersStarted += 1;
    const slot: Slot = { worker, idleTimer: null, dead: false };
    this.#all.add(slot);
    const forget = () => {
      slot.dead = true;
      this.#all.delete(slot);
      const index = this.#idle.indexOf(slot);
      if (index >= 0) this.#idle.splice(index, 1);
    };
    worker.once('exit', forget);
    // An error with no job waiting (there is none between jobs) must not become an uncaught one.
    worker.on('error', () => {});
    return slot;
  }

  #park(slot: Slot): void {
    if (slot.dead) return;
    slot.worker.unref();
    slot.idleTimer = setTimeout(() => void this.#end(slot), IdleMs);
    slot.idleTimer.unref();
    this.#idle.push(slot);
  }

  async #end(slot: Slot): Promise<void> {
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    slot.dead = true;
    this.#all.delete(slot);
    const index = this.#idle.indexOf(slot);
    if (index >= 0) this.#idle.splice(index, 1);
    await slot.worker.terminate().catch(() => {});
  }

  #send(slot: Slot, job: ArchiveJob, options: ArchiveOptions): Promise<ArchiveReply> {
    const { worker } = slot;
    const { signal } = options;
    const timeoutMs = options.timeoutMs ?? DefaultArchiveTimeoutMs;
    return new Promise<ArchiveReply>((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      const fail = (error: unknown) => {
        cleanup();
        void this.#end(slot);
        reject(error);
      };
      const onMessage = (reply: ArchiveReply) => {
        if (reply.id !== job.id) return;
        cleanup();
        resolve(reply);
      };
      const onError = (error: Error) => {
        archiveStats.crashes += 1;
        const code = (error as NodeJS.ErrnoException).code;
        const why = code === 'ERR_WORKER_OUT_OF_MEMORY' ? `it ran out of its ${formatBytes(WorkerHeapMb * 1024 * 1024)} heap` : error.message;
        fail(new LinksnapError(ErrorCode.Internal, `The archive worker failed: ${why}`, { cause: error }));
      };
      const onExit = (exitCode: number) => {
        archiveStats.crashes += 1;
        fail(new LinksnapError(ErrorCode.Internal, `The archive worker stopped (exit code ${exitCode}) before it finished`));
      };
      const onAbort = () => {
        archiveStats.aborts += 1;
        fail(signal?.reason);
      };
      const timer = setTimeout(() => {
        archiveStats.timeouts += 1;
        fail(new LinksnapError(ErrorCode.CaptureTimeout, `Making the single-file archive took longer than ${Math.round(timeoutMs / 100) / 10} s; it was stopped`));
      }, timeoutMs);
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted) return onAbort();
      try {
        worker.postMessage(job);
      } catch (error) {
        fail(new LinksnapError(ErrorCode.Internal, `The MHTML could not be handed to the archive worker: ${(error as Error).message}`, { cause: error }));
      }
    });
  }
}

const pool = new ArchivePool();

// Evaluated as the worker's script: loads the worker module, and when that is TypeScript that the
// worker cannot load by itself (vitest runs sources without registering a loader in Node), first
// registers tsx in the worker. An error while loading becomes the Worker's 'error' event.
const Bootstrap = `
const { workerData } = require('node:worker_threads');
(async () => {
  try {
    await import(workerData.entry);
  } catch (error) {
    if (!workerData.tsx || error?.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
    (await import(workerData.tsx)).register();
    // The failed load is cached under the plain URL; the query makes it a fresh one.
    await import(workerData.entry + '?tsx');
  }
})().catch((error) => process.nextTick(() => { throw error; }));
`;

function startWorker(): Worker {
  const fromSources = import.meta.url.endsWith('.ts');
  const entry = new URL(`./archive-worker${fromSources ? '.ts' : '.js'}`, import.meta.url).href;
  return new Worker(Bootstrap, {
    eval: true,
    workerData: { entry, tsx: fromSources ? tsxApiUrl() : null },
    resourceLimits: { maxOldGenerationSizeMb: WorkerHeapMb },
  });
}

/** tsx's ESM API (`register()`), found through tsx's own package exports; only for sources. */
function tsxApiUrl(): string | null {
  try {
    const require = createRequire(import.meta.url);
    const manifest = require.resolve('tsx/package.json');
    const exports = JSON.parse(readFileSync(manifest, 'utf8')).exports?.['./esm/api'];
    const file = typeof exports === 'string' ? exports : exports?.import?.default ?? exports?.import;
    return typeof file === 'string' ? pathToFileURL(path.join(path.dirname(manifest), file)).href : null;
  } catch {
    return null;
  }
}
