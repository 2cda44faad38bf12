// Work that runs on a clock (node-cron): checking whether captured links still answer, so the web
// page can mark a link that is dead now. The check goes through the same egress policy as
// captures; a refused or failing host counts as "not answering", never as an error.
import { randomBytes } from 'node:crypto';
import cron from 'node-cron';
import type { Config } from '../config.js';
import { egressRequest } from './egress/fetch.js';
import type { EgressPolicy } from './egress/policy.js';
import { asLinksnapError } from './errors.js';
import type { Logger } from './logger.js';
import type { LinkCheck } from './types.js';

export interface LinkCheckStore {
  /** Links never checked or last checked before `before`, oldest check first. */
  linksDueForCheck(before: Date, limit: number): Promise<Array<{ id: string; url: string }>>;
  recordLinkCheck(linkId: string, check: LinkCheck): Promise<void>;
  /** Claims the run of `name` due at `slot`; true for exactly one process of the cluster. */
  claimRun(name: string, slot: Date, owner: string): Promise<boolean>;
}

export interface ScheduleOptions {
  config: Pick<Config, 'linkCheckCron'> & Partial<Pick<Config, 'gcCron'>>;
  /** The blob gc, run on LINKSNAP_GC_CRON; absent: not scheduled. */
  collectGarbage?: () => Promise<object>;
  logger: Logger;
  store: LinkCheckStore;
  policy: EgressPolicy;
}

const CheckTimeoutMs = 15_000;
const CheckBatch = 500;
/** A link checked within this window is not checked again. */
const RecheckAfterMs = 20 * 3_600_000;

export function startSchedule(options: ScheduleOptions): { stop(): void } {
  const { config } = options;
  const owner = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const tasks = [
    config.linkCheckCron ? oncePerCluster(options, owner, 'LINKSNAP_LINKCHECK_CRON', config.linkCheckCron, 'link-check', 'Link check', () => checkLinks(options, new Date(Date.now() - RecheckAfterMs))) : null,
    config.gcCron && options.collectGarbage ? oncePerCluster(options, owner, 'LINKSNAP_GC_CRON', config.gcCron, 'gc', 'Blob gc', options.collectGarbage) : null,
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
  work: () => Promise<object>,
): { stop(): unknown } | null {
  const { logger } = options;
  if (!cron.validate(expression)) {
    logger({ level: 'error', context: 'schedule', message: `${setting} is not a valid cron expression: ${expression}` });
    return null;
  }
  let running = false;
  return cron.schedule(expression, async () => {
    if (running) return;
    running = true;
    try {
      const slot = new Date(Math.floor(Date.now() / 1000) * 1000);
      if (!(await options.store.claimRun(name, slot, owner))) {
        logger({ level: 'debug', context: 'schedule', message: `${label} of this tick runs in another process`, details: { slot } });
        return;
      }
      const report = await work();
      logger({ level: 'info', context: 'schedule', message: `${label} finished`, details: { ...report, slot } });
    } catch (error) {
      logger({ level: 'error', context: 'schedule', message: `${label} failed`, details: { error } });
    } finally {
      running = false;
    }
  });
}

/** Checks every due link once; returns how many answered and how many did not. */
export async function checkLinks(
  options: Pick<ScheduleOptions, 'store' | 'policy'>,
  before: Date,
  signal?: AbortSignal,
): Promise<{ checked: number; alive: number; dead: number }> {
  const links = await options.store.linksDueForCheck(before, CheckBatch);
  let alive = 0;
  for (const link of links) {
    signal?.throwIfAborted();
    const check = await checkLink(link.url, options.policy, signal);
    if (check.alive) alive += 1;
    await options.store.recordLinkCheck(link.id, check);
  }
  return { checked: links.length, alive, dead: links.length - alive };
}

export async function checkLink(url: string, policy: EgressPolicy, signal?: AbortSignal): Promise<LinkCheck> {
  const checkedAt = new Date().toISOString();
  try {
    // GET rather than HEAD: many servers answer HEAD with 405 or 404 for pages that exist.
    const response = await egressRequest(url, { policy, method: 'GET', timeoutMs: CheckTimeoutMs, maxBytes: 1, signal });
    response.abort();
    const alive = response.status < 400 || response.status === 401 || response.status === 403 || response.status === 429;
    return { checkedAt, alive, httpStatus: response.status, error: null };
  } catch (error) {
    return { checkedAt, alive: false, httpStatus: null, error: asLinksnapError(error).message };
  }
}
