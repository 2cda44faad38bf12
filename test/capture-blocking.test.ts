// Ads, trackers and cookie banners: what a capture refuses, with rules shipped in npm packages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdBlocker, selectTrackerRules } from '../src/core/capture/ad-blocker.js';
import { captureUrl } from '../src/core/capture/capture-url.js';
import { startFixtureServer, type FixtureServer } from './helpers/fixture-server.js';
import { startTestBrowser, type TestBrowser } from './helpers/browser.js';

let server: FixtureServer;
let browser: TestBrowser;

beforeAll(async () => {
  server = await startFixtureServer();
  browser = startTestBrowser({ concurrency: 2 });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('ad and tracker rules', () => {
  it('keeps advertising and analytics rules, limits whole-domain rules to third parties, drops other categories', () => {
    const list = [
      '! trackerdb_id:x trackerdb_category:advertising trackerdb_domain',
      '||ads.example^',
      '! trackerdb_id:y trackerdb_category:site_analytics trackerdb_filter',
      '||stats.example/collect',
      '! trackerdb_id:z trackerdb_category:cdn trackerdb_domain',
      '||cdn.example^',
    ].join('\n');
    expect(selectTrackerRules(list).split('\n')).toEqual(['||ads.example^$3p', '||stats.example/collect']);
  });

  it('blocks well-known trackers from the shipped Tracker Database but not the site itself', () => {
    const blocker = createAdBlocker();
    expect(blocker.rules).toBeGreaterThan(1000);
    expect(blocker.match('https://www.google-analytics.com/analytics.js', 'https://news.example/', 'script').blocked).toBe(true);
    expect(blocker.match('https://securepubads.g.doubleclick.net/tag/js/gpt.js', 'https://news.example/', 'script').blocked).toBe(true);
    expect(blocker.match('https://news.example/app.js', 'https://news.example/', 'script').blocked).toBe(false);
  });
});

describe('captureUrl with blocking on', () => {
  it('refuses the ad and tracker scripts of a page and lists them', async () => {
    const out = await captureUrl(server.url('/tracker.html'), { pool: browser.pool, policy: browser.policy, limits: browser.limits, blockAds: true, logger: browser.logger });
    const blocked = out.blockedRequests.map((b) => b.url);
    expect(blocked).toEqual(expect.arrayContaining(['http://www.google-analytics.com/analytics.js', 'http://securepubads.g.doubleclick.net/tag/js/gpt.js']));
    expect(out.blockedRequests.every((b) => b.reason.length > 0)).toBe(true);
    expect(out.metadata.title).toBe('Page with ads and trackers');
  });

  it('lets the egress proxy refuse them instead when blocking is off, and still lists them', async () => {
    const out = await captureUrl(server.url('/tracker.html'), { pool: browser.pool, policy: browser.policy, limits: browser.limits, blockAds: false, logger: browser.logger });
    expect(out.blockedRequests.map((b) => b.url).join(' ')).toContain('google-analytics.com');
    expect(out.blockedRequests.every((b) => !b.reason.startsWith('ad or tracker'))).toBe(true);
  });

  it('opts out of a cookie banner: the reject button is clicked and the banner is gone', async () => {
    const before = server.requests.length;
    const out = await captureUrl(server.url('/cookie-banner.html'), { pool: browser.pool, policy: browser.policy, limits: browser.limits, blockAds: true, logger: browser.logger });
    expect(out.consent).toEqual({ cmp: 'Adroll', optedOut: true });
    expect(server.requests.slice(before)).toContain('/consent?choice=rejected');
    expect(out.artifacts.visibleText!.data.toString('utf8')).not.toContain('Accept all cookies');
  });

  it('leaves the banner alone when blocking is off', async () => {
    const out = await captureUrl(server.url('/cookie-banner.html'), { pool: browser.pool, policy: browser.policy, limits: browser.limits, blockAds: false, logger: browser.logger });
    expect(out.consent).toBeNull();
    expect(out.artifacts.visibleText!.data.toString('utf8')).toContain('Accept all cookies');
  });
});
