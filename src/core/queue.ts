// Runs durable capture jobs from the database, at most `concurrency` at once. A job is leased
// for a while and the lease is renewed while it runs; a process that dies stops renewing, the lease
// expires, and the job is leased again after a restart (by this process or another). What a job
// does and how its outcome is recorded belong to the caller's `run`.
import { LeaseLostError } from './errors.js';
import type { Logger } from './logger.js';

/**
 * Lower goes first. Imports are background work: their captures wait behind everything a person or
 * a channel asked for, in any workspace (see storage/jobs.ts leaseNextJob).
 */
export const JobPriority = { asked: 0, fromMessage: 1, imported: 2 } as const;

export interface LeasedJob {
  id: string;
  snapshotId: string;
  /** Attempts so far, including this one. */
  attempts: number;
  maxAttempts: number;
}

export interface JobSource {
  leaseNextJob(owner: string, leaseMs: number): Promise<LeasedJob | null>;
  renewLease(jobId: string, owner: string, leaseMs: number): Promise<boolean>;
  /** Gives a job back untouched (shutdown): it is leasable again at once and the attempt is not counted. */
  releaseJob(jobId: string, owner: string): Promise<void>;
}

export interface JobRunnerOptions {
  source: JobSource;
  run: (job: LeasedJob, signal: AbortSignal) => Promise<void>;
  owner: string;
  /** Jobs at once: a number, or asked before each lease (adaptive concurrency). */
  concurrency: number | (() => number);
  leaseMs: number;
  /** How often to look for jobs when nobody called wake() (jobs from another process, retries due). */
  pollMs?: number;
  logger: Logger;
}

export class JobRunner {
  readonly #options: JobRunnerOptions;
  readonly #running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  #started = false;
  #stopping = false;
  #wake: (() => void) | null = null;
  #loop: Promise<void> | null = null;

  constructor(options: JobRunnerOptions) {
    this.#options = options;
  }

  get active(): number {
    return this.#running.size;
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#loop = this.#run();
  }

  /** A job was enqueued: look now instead of at the next poll. */
  wake(): void {
    this.#wake?.();
  }

  /**
   * Stops leasing. Jobs in flight get `graceMs` to finish; the rest are aborted and given back,
   * so the next start picks them up without counting an attempt.
   */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.#started || this.#stopping) return;
    this.#stopping = true;
    this.wake();
    await this.#loop;
    const all = Promise.all([...this.#running.values()].map((entry) => entry.done));
    const timedOut = await Promise.race([all.then(() => false), delay(graceMs).then(() => true)]);
    if (timedOut) {
      for (const entry of this.#running.values()) entry.controller.abort(new Error('shutting down'));
      await all;
    }
  }

  async #run(): Promise<void> {
    const { source, owner, concurrency, leaseMs, logger } = this.#options;
    const pollMs = this.#options.pollMs ?? 1_000;
    while (!this.#stopping) {
      let leased: LeasedJob | null = null;
      if (this.#running.size < (typeof concurrency === 'function' ? concurrency() : concurrency)) {
        try {
          leased = await source.leaseNextJob(owner, leaseMs);
        } catch (error) {
          logger({ level: 'error', context: 'queue', message: 'Leasing a job failed', details: { error } });
        }
      }
      if (leased) {
        this.#launch(leased);
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = null;
    }
  }

  #launch(job: LeasedJob): void {
    const { source, owner, leaseMs, logger, run } = this.#options;
    const controller = new AbortController();
    let renewedAt = Date.now();
    // A renewal that says the lease is gone aborts the capture at once: another worker may hold
    // the job now. One that fails (database busy) is tried again until the lease would have run out.
    const renew = setInterval(() => {
      source.renewLease(job.id, owner, leaseMs).then(
        (held) => {
          if (held) renewedAt = Date.now();
          else if (!controller.signal.aborted) {
            logger({ level: 'warn', context: 'queue', message: 'Lease lost; aborting the capture', details: { jobId: job.id } });
            controller.abort(new LeaseLostError(job.id));
          }
        },
        (error) => {
          logger({ level: 'warn', context: 'queue', message: 'Renewing a lease failed', details: { jobId: job.id, error } });
          if (Date.now() - renewedAt >= leaseMs && !controller.signal.aborted) controller.abort(new LeaseLostError(job.id));
        },
      );
    }, Math.max(1_000, Math.floor(leaseMs / 3)));
    const done = (async () => {
      try {
        await run(job, controller.signal);
      } catch (error) {
        logger({ level: 'error', context: 'queue', message: 'Job runner threw', details: { jobId: job.id, error } });
      } finally {
        clearInterval(renew);
        if (controller.signal.aborted && this.#stopping) {
          await source.releaseJob(job.id, owner).catch(() => undefined);
        }
        this.#running.delete(job.id);
        this.wake();
      }
    })();
    this.#running.set(job.id, { controller, done });
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
