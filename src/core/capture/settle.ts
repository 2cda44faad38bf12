// After `load`: jump-scroll down the page in viewport steps so lazy images and infinite-scroll
// content are requested, back to the top for the screenshot, then wait briefly for the network to
// go quiet (capped, since long-polling pages never do). A page that grew, or took in new scripts,
// during that wait is scrolled again. A page no taller than the viewport is not scrolled: every
// idle millisecond here is also renderer CPU spent on a page that is already done.
//
// A long page is scrolled to its end, not only as far as `scrollMaxSteps` viewports reach: a lazy
// loader asks for an image only once the image is in view, so the last image of a page 15
// viewports tall was never asked for (and so was missing from the MHTML) when the scroll stopped
// at 12. The first pass may take the steps a second pass would have had on top (so a page up to
// ~19 viewports is seen at every position, still before the one quiet window), and the last step
// a pass may take lands on the page's end, so the foot of a longer page is seen too.
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
  const scriptsAtLoad = network.scriptsLoaded;
  const reserve = Math.ceil(limits.scrollMaxSteps / 2);
  // Scroll first and wait once: the quiet window then also covers what the scroll asked for, where
  // waiting both before and after the scroll cost one more window on every long page.
  const first = await scroll(page, 0, limits.scrollMaxSteps + reserve, signal);
  if (ctx.partial) return { quiet: false, scrollSteps: first.steps };
  const waited = await network.waitForQuiet(limits.settleQuietMs, limits.settleMaxMs, signal);
  // What the first scroll could not have seen, so scroll again: a page its scripts built or grew
  // after `load` (from where the first scroll ended), or scripts that arrived after `load` (a tag
  // manager, a consent manager's released scripts, hydration) and may have attached lazy loaders
  // to content the first scroll had already passed (from the top).
  const grew = (await scrollExtent(page, signal)) > first.extent + 1;
  const lateScripts = network.scriptsLoaded > scriptsAtLoad;
  if (!grew && !lateScripts) return { quiet: waited.quiet, scrollSteps: first.steps };
  const from = lateScripts ? 0 : first.extent;
  const steps = Math.max(limits.scrollMaxSteps - first.steps, reserve);
  const second = await scroll(page, from, steps, signal);
  if (second.steps === 0) return { quiet: waited.quiet && network.inflight === 0, scrollSteps: first.steps };
  const after = await network.waitForQuiet(limits.settleQuietMs, Math.round(limits.settleMaxMs / 2), signal);
  return { quiet: after.quiet, scrollSteps: first.steps + second.steps };
}

interface ScrollResult {
  steps: number;
  /** How far down the page could be scrolled when the scroll ended, in px. */
  extent: number;
}

async function scroll(page: Page, from: number, maxSteps: number, signal: AbortSignal): Promise<ScrollResult> {
  return raceAbort(page.evaluate(jumpScrollScript(from, maxSteps)) as Promise<ScrollResult>, signal).catch(() => ({ steps: 0, extent: 0 }));
}

async function scrollExtent(page: Page, signal: AbortSignal): Promise<number> {
  return raceAbort(page.evaluate(`(${ExtentExpression})`) as Promise<number>, signal).catch(() => 0);
}

const ExtentExpression = 'Math.max(document.documentElement?.scrollHeight ?? 0, document.body?.scrollHeight ?? 0) - innerHeight';

/**
 * Scrolls down from `from` px in viewport steps (following a page that grows), then back to the
 * top; evaluates to { steps, extent }. The last of `maxSteps` goes to the end of the page however
 * far it is, so that a page longer than the steps can cover still has its end seen. Plain
 * JavaScript text rather than a function: tsx compiles named inner functions with a `__name`
 * helper that does not exist in the page, which made the scroll throw and be skipped silently when
 * the code ran under tsx (the benchmark).
 *
 * Each step waits for one rendering update at its position (an animation frame, then the task
 * after it): that is when IntersectionObservers and scroll handlers see the position, which is all
 * lazy loaders need; their requests are waited for afterwards. A further fixed 30 ms per step
 * doubled the scroll's time (~35 against ~17 ms a step) and bought nothing the tests could see.
 */
function jumpScrollScript(from: number, maxSteps: number): string {
  const start = Math.max(0, Math.floor(from));
  const limit = Math.max(0, Math.floor(maxSteps));
  return `(async () => {
    const frame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    const bottom = () => ${ExtentExpression};
    if (bottom() <= 1 && scrollY === 0) return { steps: 0, extent: bottom() };
    let steps = 0;
    if (${start} > 0) {
      scrollTo(0, Math.min(bottom(), ${start}));
      await frame();
    }
    for (; steps < ${limit}; steps++) {
      const end = bottom();
      if (scrollY >= end - 1) break;
      scrollTo(0, steps === ${limit} - 1 ? end : Math.min(end, scrollY + innerHeight));
      await frame();
    }
    const extent = bottom();
    scrollTo(0, 0);
    await frame();
    return { steps, extent };
  })()`;
}
