// Refuses ad and tracker sub-resources before they leave the browser, and keeps the list of what
// was refused. Uses puppeteer's request interception (the CDP Fetch domain underneath).
import type { HTTPRequest, Page } from 'puppeteer-core';
import type { AdBlocker } from './ad-blocker.js';
import type { BlockedRequestRecord } from './types.js';

export async function blockAdsAndTrackers(page: Page, blocker: AdBlocker, blocked: BlockedRequestRecord[]): Promise<void> {
  await page.setRequestInterception(true);
  page.on('request', (request: HTTPRequest) => {
    if (request.isInterceptResolutionHandled()) return;
    const isMainDocument = request.isNavigationRequest() && request.frame() === page.mainFrame();
    if (!isMainDocument && /^https?:/i.test(request.url())) {
      const sourceUrl = request.frame()?.url() || page.url();
      const verdict = blocker.match(request.url(), sourceUrl, request.resourceType());
      if (verdict.blocked) {
        blocked.push({ url: request.url(), reason: `ad or tracker (${verdict.rule ?? 'rule'})` });
        request.abort('blockedbyclient').catch(() => {});
        return;
      }
    }
    request.continue().catch(() => {});
  });
}
