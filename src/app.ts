// The composition root: opens the store, builds the egress policy, the browser pool and the
// service from one Config. Front ends (web, Discord, Slack, CLI) are attached by server.ts / cli.ts.
import { collectGarbage, type GcReport } from './storage/gc.js';
import fs from 'node:fs';
import type { Config } from './config.js';
import { retryDelayMs } from './core/backoff.js';
import { sharedAdBlocker } from './core/capture/ad-blocker.js';
import { BrowserPool } from './core/capture/browser-pool.js';
import { preloadConsentOptOut } from './core/capture/consent-opt-out.js';
import type { CaptureDeps } from './core/capture-job.js';
import { cachingResolver } from './core/egress/dns-cache.js';
import { createEgressPolicy, systemResolve, type EgressPolicy, type Resolver } from './core/egress/policy.js';
import type { Logger } from './core/logger.js';
import { AdaptiveConcurrency } from './core/concurrency.js';
import { LinksnapService } from './core/service.js';
import type { BlobStore } from './storage/blob-store.js';
import { openBlobStore } from './storage/open-blob-store.js';
import { JobsChannel } from './storage/jobs.js';
import { openStoreDatabase } from './storage/open-database.js';
import { SnapshotsChannel } from './storage/snapshots.js';
import { NoticesChannel } from './storage/notices.js';
import { migrateToLatest } from './storage/migrate.js';
import { createLinkCheckStore } from './storage/link-checks.js';
import { createServiceStore } from './storage/service-store.js';
import type { LinkCheckStore } from './core/link-check.js';
import { applyRetention, type RetentionReport } from './storage/retention.js';

export interface App {
  config: Config;
  service: LinksnapService;
  policy: EgressPolicy;
  pool: BrowserPool | null;
  blobs: BlobStore;
  /** Claims of scheduled runs (once per cluster). */
  linkChecks: LinkCheckStore;
  /**
   * Applies each workspace's retention (old versions, old full-page screenshots), then deletes blobs
   * nothing references, older than the grace period (`linksnap gc`, LINKSNAP_GC_CRON).
   */
  collectGarbage(options?: { graceMs?: number }): Promise<GcReport & { retention: RetentionReport }>;
  close(): Promise<void>;
}

export interface CreateAppOptions {
  config: Config;
  logger: Logger;
  /** Run capture jobs in this process (false: only accept and read; another process captures). */
  captures?: boolean;
  /** Replaces the browser pipeline (benchmarks of everything but the browser). */
  captureUrl?: CaptureDeps['captureUrl'];
  /** Name resolution for the egress policy; the system resolver by default (tests stand in for DNS). */
  resolve?: Resolver;
  /** Extra Chromium switches (benchmarks of a simulated internet with self-signed certificates). */
  browserArgs?: string[];
}

/** How often a worker that hears NOTIFY still looks for jobs itself. */
const ListeningJobPollMs = 5_000;

/** Runs `work` on each call, but never twice at once: calls during a run make one more run after it. */
function coalesced(work: () => Promise<void>): () => void {
  let running = false;
  let again = false;
  const run = () => {
    running = true;
    again = false;
    work()
      .catch(() => undefined)
      .finally(() => {
        running = false;
        if (again) run();
      });
  };
  return () => {
    if (running) again = true;
    else run();
  };
}

export async function createApp({ config, logger, captures = true, captureUrl, resolve, browserArgs }: CreateAppOptions): Promise<App> {
  fs.mkdirSync(config.dataDir, { recursive: true });
  const database = openStoreDatabase(config);
  await migrateToLatest(database.db);
  const blobs = openBlobStore(config.blobs);
  // A bucket that is missing or refuses the keys is reported now, not as the first capture's failure.
  await blobs.check();
  const store = createServiceStore(database.db);
  // One resolver per process, shared by the proxy of every capture, the preflight and the link check.
  const resolver = cachingResolver(resolve ?? systemResolve);
  const policy = createEgressPolicy({
    allowNets: config.allowNets,
    onlyAllowed: config.onlyAllowed,
    allowPorts: config.allowPorts,
    publicUrl: config.publicUrl,
    resolve: resolver,
    logger,
  });
  const pool = captures
    ? new BrowserPool({
        chromePath: config.chromePath,
        concurrency: config.concurrencyMax,
        recycleAfter: config.browserRecycleAfter,
        priority: config.browserPriority,
        logger,
        extraArgs: browserArgs,
      })
    : null;
  if (pool && config.blockAds) {
    // Both parse thousands of rules in one go (a few hundred ms of main thread): done now, before
    // the bots and the web page take requests, not in the middle of the first capture.
    sharedAdBlocker();
    preloadConsentOptOut();
  }
  // The pool admits up to the ceiling; the job runner asks the governor how many to lease.
  let active = () => 0;
  const governor =
    pool && config.concurrencyMax > config.concurrency
      ? new AdaptiveConcurrency({
          min: config.concurrency,
          max: config.concurrencyMax,
          active: () => active(),
          browserMemory: () => pool.memoryInUse(),
          memoryBudget: config.browserMemoryBudget,
          onChange: (limit, idle) =>
            logger({ level: 'debug', context: 'queue', message: 'Capture concurrency changed', details: { limit, idlePercent: Math.round(idle * 100) } }),
        })
      : null;
  const service = new LinksnapService({
    store,
    blobs,
    policy,
    config,
    logger,
    concurrencyLimit: governor ? () => governor.limit : undefined,
    retryDelayMs,
    // On Postgres a NOTIFY wakes the workers when a job is queued; the poll only finds retries that
    // came due and leases that ran out.
    jobPollMs: database.listen ? ListeningJobPollMs : undefined,
    capture: pool
      ? { pool, policy, limits: config.capture, blockAds: config.blockAds, recordWacz: config.recordWacz, blobs, logger, captureUrl }
      : null,
  });
  active = () => service.runner?.active ?? 0;
  governor?.start();
  service.start();
  const stopListening = database.listen
    ? await database.listen({
        [JobsChannel]: () => service.runner?.wake(),
        [SnapshotsChannel]: coalesced(() => service.events.redeliverAll()),
        [NoticesChannel]: () => service.notices.wake(),
      })
    : null;
  let closed = false;
  return {
    config,
    service,
    policy,
    pool,
    blobs,
    linkChecks: createLinkCheckStore(database.db),
    collectGarbage: async (options = {}) => {
      const retention = await applyRetention(database.db);
      return { ...(await collectGarbage(database.db, blobs, { graceMs: options.graceMs ?? config.gcGraceMs })), retention };
    },
    async close() {
      if (closed) return;
      closed = true;
      governor?.stop();
      await stopListening?.();
      await service.close();
      await pool?.close();
      await database.close();
      blobs.destroy?.();
    },
  };
}
