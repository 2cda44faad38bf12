// Work that runs on a clock: the link check (LINKSNAP_LINKCHECK_CRON), the nightly gc and retention
// (LINKSNAP_GC_CRON), channel digests (LINKSNAP_DIGEST_CRON), all once per cluster, and the watch
// tick (every LINKSNAP_WATCH_TICK), which claims each due watch itself and so may run everywhere.
import { randomBytes } from 'node:crypto';
import cron from 'node-cron';
import type { Config } from '../config.js';
import type { Logger } from './logger.js';

/** Claims the run of a named job due at a slot; true for exactly one process of the cluster. */
export interface RunClaims {
  claimRun(name: string, slot: Date, owner: string): Promise<boolean>;
}

export interface ScheduleOptions {
  config: Pick<Config, 'linkCheckCron'> & Partial<Pick<Config, 'gcCron' | 'digestCron'>> & { watches?: Pick<Config['watches'], 'tickMs'> };
  logger: Logger;
  store: RunClaims;
  /** The due link check (schedule.ts does not know how; the service does). */
  checkLinks?: () => Promise<object>;
  /** Retention and the blob gc, run on LINKSNAP_GC_CRON; absent: not scheduled. */
  collectGarbage?: () => Promise<object>;
  /** Channel digests for the slot, run on LINKSNAP_DIGEST_CRON. */
  postDigests?: (slot: Date) => Promise<object>;
  /** The watch tick. */
  tickWatches?: () => Promise<object>;
}

export function startSchedule(options: ScheduleOptions): { stop(): void } {
  const { config } = options;
  const owner = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const tasks: Array<{ stop(): unknown } | null> = [
    config.linkCheckCron && options.checkLinks ? oncePerCluster(options, owner, 'LINKSNAP_LINKCHECK_CRON', config.linkCheckCron, 'link-check', 'Link check', options.checkLinks) : null,
    config.gcCron && options.collectGarbage ? oncePerCluster(options, owner, 'LINKSNAP_GC_CRON', config.gcCron, 'gc', 'Blob gc', options.collectGarbage) : null,
    config.digestCron && options.postDigests ? oncePerCluster(options, owner, 'LINKSNAP_DIGEST_CRON', config.digestCron, 'digest', 'Digests', options.postDigests) : null,
    options.tickWatches && config.watches ? every(options, config.watches.tickMs, 'Watch tick', options.tickWatches) : null,
  ];
  return {
    stop() {
      for (const task of tasks) void task?.stop();
    },
  };
}

/**
 * A cron job that every process with this schedule fires on the same tick and one of them runs:
 * the tick is claimed in the store (schedule_runs) and only the process whose claim lands goes on.
 */
function oncePerCluster(
  options: ScheduleOptions,
  owner: string,
  setting: string,
  expression: string,
  name: string,
  label: string,
  work: (slot: Date) => Promise<object>,
): { stop(): unknown } | null {
  const { logger } = options;
  if (!cron.validate(expression)) {
    logger({ level: 'error', context: 'schedule', message: `${setting} is not a valid cron expression: ${expression}` });
    return null;
  }
  let running = false;
  return cron.schedule(expression, async (context) => {
    if (running) return;
    running = true;
    try {
      // The time the run was due at, the same in every process, not the moment this process woke
      // (which can fall in the next second on a busy one, and so claim a second run).
      const due = context?.date instanceof Date ? context.date : new Date();
      const slot = new Date(Math.floor(due.getTime() / 1000) * 1000);
      if (!(await options.store.claimRun(name, slot, owner))) {
        logger({ level: 'debug', context: 'schedule', message: `${label} of this tick runs in another process`, details: { slot } });
        return;
      }
      const report = await work(slot);
      logger({ level: 'info', context: 'schedule', message: `${label} finished`, details: { ...report, slot } });
    } catch (error) {
      logger({ level: 'error', context: 'schedule', message: `${label} failed`, details: { error } });
    } finally {
      running = false;
    }
  });
}

/** Work on a fixed period, never two runs at once. */
function every(options: ScheduleOptions, periodMs: number, label: string, work: () => Promise<object>): { stop(): unknown } {
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      const report = await work();
      options.logger({ level: 'debug', context: 'schedule', message: `${label} finished`, details: { ...report } });
    } catch (error) {
      options.logger({ level: 'error', context: 'schedule', message: `${label} failed`, details: { error } });
    } finally {
      running = false;
    }
  }, periodMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
