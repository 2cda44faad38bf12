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
  config: Pick<Config, 'linkCheckCron'>;
  logger: Logger;
  store: LinkCheckStore;
  policy: EgressPolicy;
}

const CheckTimeoutMs = 15_000;
const CheckBatch = 500;
/** A link checked within this window is not checked again. */
const RecheckAfterMs = 20 * 3_600_000;

export function startSchedule(options: ScheduleOptions): { stop(): void } {
  const { config, logger } = options;
  if (!config.linkCheckCron) return { stop() {} };
  if (!cron.validate(config.linkCheckCron)) {
    logger({ level: 'error', context: 'schedule', message: `LINKSNAP_LINKCHECK_CRON is not a valid cron expression: ${config.linkCheckCron}` });
    return { stop() {} };
  }
  let running = false;
  const owner = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const task = cron.schedule(config.linkCheckCron, async () => {
    if (running) return;
    running = true;
    try {
      // Every process with this schedule fires on the same tick; one of them runs it.
      const slot = new Date(Math.floor(Date.now() / 1000) * 1000);
      if (!(await options.store.claimRun('link-check', slot, owner))) {
        logger({ level: 'debug', context: 'schedule', message: 'Link check of this tick runs in another process', details: { slot } });
        return;
      }
      const report = await checkLinks(options, new Date(Date.now() - RecheckAfterMs));
      logger({ level: 'info', context: 'schedule', message: 'Link check finished', details: { ...report, slot } });
    } catch (error) {
      logger({ level: 'error', context: 'schedule', message: 'Link check failed', details: { error } });
    } finally {
      running = false;
    }
  });
  return {
    stop() {
      void task.stop();
    },
  };
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
