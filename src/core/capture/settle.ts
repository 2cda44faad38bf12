// After `load`: wait briefly for the network to go quiet (capped, since long-polling pages never
// do), then jump-scroll down the page in viewport steps so lazy images and infinite-scroll
// content are requested, and back to the top for the screenshot. A page no taller than the
// viewport has nothing below the fold, so it is not scrolled and not waited on a second time:
// every idle millisecond here is also renderer CPU spent on a page that is already done.
import type { Page } from 'puppeteer-core';
import type { CaptureLimits } from '../../config.js';
import { raceAbort } from './deadline.js';
import type { NetworkQuiet } from './network-quiet.js';

export interface SettleContext {
  page: Page;
  network: NetworkQuiet;
  limits: Pick<CaptureLimits, 'settleQuietMs' | 'settleMaxMs' | 'scrollMaxSteps'>;
  /** Navigation was cut short: the network will not go quiet, so do not wait for it. */
  partial: boolean;
}

export interface SettleResult {
  quiet: boolean;
  scrollSteps: number;
}

export async function settle(ctx: SettleContext, signal: AbortSignal): Promise<SettleResult> {
  const { page, network, limits } = ctx;
  const first = ctx.partial ? { quiet: false } : await network.waitForQuiet(limits.settleQuietMs, limits.settleMaxMs, signal);
  const scrollSteps = await raceAbort(
    page.evaluate(async (maxSteps: number) => {
      const frame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 30)));
      const bottom = () => Math.max(document.documentElement?.scrollHeight ?? 0, document.body?.scrollHeight ?? 0) - innerHeight;
      if (bottom() <= 1 && scrollY === 0) return 0;
      let steps = 0;
      for (; steps < maxSteps; steps++) {
        const end = bottom();
        if (scrollY >= end - 1) break;
        scrollTo(0, Math.min(end, scrollY + innerHeight));
        await frame();
      }
      scrollTo(0, 0);
      await frame();
      return steps;
    }, limits.scrollMaxSteps),
    signal,
  ).catch(() => 0);
  if (ctx.partial) return { quiet: false, scrollSteps };
  // Nothing scrolled into view, so nothing new was asked for: the first wait's answer stands.
  if (scrollSteps === 0) return { quiet: first.quiet && network.inflight === 0, scrollSteps };
  // Scrolling may have started new requests (lazy images); give them a shorter window.
  const after = await network.waitForQuiet(limits.settleQuietMs, Math.round(limits.settleMaxMs / 2), signal);
  return { quiet: after.quiet, scrollSteps };
}
