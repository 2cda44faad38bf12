// The viewport screenshot (PNG at the viewport size), the full-page screenshot (JPEG, height
// capped so a endless page cannot produce a gigapixel image) and the thumbnail made from the
// viewport shot with sharp.
import type { Page } from 'puppeteer-core';
import type { CaptureLimits } from '../../config.js';
import { raceAbort } from './deadline.js';
import { makeThumbnail } from './file-capture.js';

export interface ScreenshotContext {
  page: Page;
  limits: Pick<CaptureLimits, 'viewportWidth' | 'viewportHeight' | 'fullPageMaxHeight' | 'thumbnailMaxWidth'>;
}

export async function viewportScreenshot(ctx: ScreenshotContext, signal: AbortSignal): Promise<Buffer> {
  const { viewportWidth: width, viewportHeight: height } = ctx.limits;
  const data = await raceAbort(
    ctx.page.screenshot({ type: 'png', clip: { x: 0, y: 0, width, height }, captureBeyondViewport: false, optimizeForSpeed: true }),
    signal,
  );
  return Buffer.from(data);
}

export async function fullPageScreenshot(ctx: ScreenshotContext, signal: AbortSignal): Promise<{ data: Buffer; height: number; cut: boolean }> {
  const pageHeight = await raceAbort(
    ctx.page.evaluate(() => Math.max(document.documentElement.scrollHeight, document.body?.scrollHeight ?? 0, innerHeight)),
    signal,
  );
  const height = Math.max(1, Math.min(pageHeight, ctx.limits.fullPageMaxHeight));
  const data = await raceAbort(
    ctx.page.screenshot({
      type: 'jpeg',
      quality: 70,
      clip: { x: 0, y: 0, width: ctx.limits.viewportWidth, height },
      captureBeyondViewport: true,
      optimizeForSpeed: true,
    }),
    signal,
  );
  return { data: Buffer.from(data), height, cut: pageHeight > height };
}

export async function thumbnailFrom(screenshot: Buffer, ctx: ScreenshotContext): Promise<Buffer> {
  return makeThumbnail(screenshot, ctx.limits.thumbnailMaxWidth);
}
