// The page as rendered, from the browser itself (CDP Page.captureSnapshot): DOM after scripts,
// with every sub-resource the page loaded, in one MHTML file.
import type { Page } from 'puppeteer-core';
import { raceAbort } from './deadline.js';

export async function captureMhtml(page: Page, signal: AbortSignal): Promise<string> {
  const session = await page.createCDPSession();
  try {
    const { data } = await raceAbort(session.send('Page.captureSnapshot', { format: 'mhtml' }), signal);
    return data;
  } finally {
    await session.detach().catch(() => {});
  }
}
