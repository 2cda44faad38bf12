// A browser pool and egress policy for tests: the real Chromium, loopback-only egress
// (allowNets 127.0.0.1/32, onlyAllowed), and a resolver that refuses every name, so no test can
// send a DNS query off this machine even if a rule failed to block a request.
import { DefaultCaptureLimits, type CaptureLimits } from '../../src/config.js';
import { BrowserPool } from '../../src/core/capture/browser-pool.js';
import { createEgressPolicy, type EgressPolicy } from '../../src/core/egress/policy.js';
import { createMemoryLogger, type Logger } from '../../src/core/logger.js';

export function loopbackPolicy(allowNets: string[] = ['127.0.0.1/32']): EgressPolicy {
  return createEgressPolicy({
    allowNets,
    onlyAllowed: true,
    resolve: async (host) => {
      throw new Error(`tests resolve no names (asked for ${host})`);
    },
  });
}

export interface TestBrowser {
  pool: BrowserPool;
  policy: EgressPolicy;
  logger: ReturnType<typeof createMemoryLogger>;
  limits: CaptureLimits;
  close(): Promise<void>;
}

export function startTestBrowser(options: { concurrency?: number; recycleAfter?: number; limits?: Partial<CaptureLimits>; logger?: Logger; priority?: 'idle' | 'normal' } = {}): TestBrowser {
  const logger = createMemoryLogger();
  const pool = new BrowserPool({
    chromePath: null,
    concurrency: options.concurrency ?? 2,
    recycleAfter: options.recycleAfter ?? 1000,
    logger: options.logger ?? logger,
    priority: options.priority,
  });
  return {
    pool,
    policy: loopbackPolicy(),
    logger,
    limits: { ...DefaultCaptureLimits, navigationTimeoutMs: 10_000, captureTimeoutMs: 40_000, ...options.limits },
    close: () => pool.close(),
  };
}
