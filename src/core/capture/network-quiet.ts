// Counts the page's requests in flight, so settling can wait for the network to go quiet.
import type { Page } from 'puppeteer-core';
import { sleep } from './deadline.js';

export interface NetworkQuiet {
  readonly inflight: number;
  /** Scripts loaded so far (a 2xx answer): new ones after `load` may attach lazy loaders. */
  readonly scriptsLoaded: number;
  /** Resolves once no request has been in flight for `quietMs`, or after `maxMs` whatever happens. */
  waitForQuiet(quietMs: number, maxMs: number, signal: AbortSignal): Promise<{ quiet: boolean }>;
}

/**
 * Requests that never change what the page shows: beacons, long-lived streams, the favicon
 * Chromium asks for after `load` (type "other"), manifests. Waiting for them only adds latency.
 */
const IgnoredTypes = new Set(['ping', 'websocket', 'eventsource', 'manifest', 'other', 'cspviolationreport', 'prefetch']);

export function trackNetwork(page: Page): NetworkQuiet {
  const pending = new Set<unknown>();
  let lastChange = performance.now();
  page.on('request', (request) => {
    if (IgnoredTypes.has(request.resourceType())) return;
    pending.add(request);
    lastChange = performance.now();
  });
  let scriptsLoaded = 0;
  const done = (request: unknown) => {
    if (pending.delete(request)) lastChange = performance.now();
  };
  page.on('requestfinished', (request) => {
    if (request.resourceType() === 'script' && request.response()?.ok()) scriptsLoaded += 1;
    done(request);
  });
  page.on('requestfailed', done);
  // Requests answered from memory cache or served by a service worker may never "finish".
  page.on('requestservedfromcache', done);
  return {
    get inflight() {
      return pending.size;
    },
    get scriptsLoaded() {
      return scriptsLoaded;
    },
    async waitForQuiet(quietMs, maxMs, signal) {
      const deadline = performance.now() + maxMs;
      for (;;) {
        const now = performance.now();
        if (pending.size === 0 && now - lastChange >= quietMs) return { quiet: true };
        if (now >= deadline) return { quiet: false };
        // With nothing in flight, sleep exactly until the window would close rather than a whole
        // polling step: the window is short, so 50 ms of overshoot would be a large share of it.
        const untilQuiet = pending.size === 0 ? lastChange + quietMs - now : 50;
        await sleep(Math.min(50, Math.max(1, untilQuiet), Math.max(1, deadline - now)), signal);
      }
    },
  };
}
