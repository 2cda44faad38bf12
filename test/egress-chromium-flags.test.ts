// Each Chromium egress flag is load-bearing on this Chromium: removing it lets a page reach a
// refused listener, keeping it stops that. Also the production shape: nothing allowed at all, so
// even 127.0.0.1 (where the proxy itself listens) is out of reach for pages.
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHeadlessShell } from '../src/core/capture/find-chrome.js';
import { chromiumEgressArgs, egressContextOptions } from '../src/core/egress/chromium.js';
import { createEgressPolicy, type EgressPolicy } from '../src/core/egress/policy.js';
import { startEgressProxy, type EgressProxy } from '../src/core/egress/proxy.js';
import { createMemoryLogger } from '../src/core/logger.js';
import { ChromiumBuilds, launchOptions, TestChromiumArgs } from './helpers/chromium.js';
import { startLoopbackListener, type LoopbackListener } from './helpers/loopback-listener.js';
import { gatherIceCandidates } from './helpers/webrtc-probe.js';


let trap: LoopbackListener;
beforeAll(async () => {
  trap = await startLoopbackListener({ host: '127.0.0.2' });
});
afterAll(async () => {
  await trap.close();
});

/** The build under test; each describe block below sets it for its own tests. */
let chromium = ChromiumBuilds[0];

async function withBrowser<T>(policy: EgressPolicy, mapArgs: (args: string[]) => string[], run: (browser: Browser, proxy: EgressProxy) => Promise<T>): Promise<T> {
  const proxy = await startEgressProxy({ policy, logger: createMemoryLogger() });
  const browser = await puppeteer.launch(launchOptions(chromium, [...TestChromiumArgs, ...mapArgs(chromiumEgressArgs(proxy.url))]));
  try {
    return await run(browser, proxy);
  } finally {
    await browser.close();
    await proxy.close();
  }
}

/** From about:blank, asks for the target with fetch and an image; resolves when both settled. */
async function probe(browser: Browser, target: string, contextProxy?: EgressProxy): Promise<void> {
  const context = contextProxy ? await browser.createBrowserContext(egressContextOptions(contextProxy)) : browser.defaultBrowserContext();
  const page = await context.newPage();
  await page.evaluate(async (url: string) => {
    await fetch(`${url}/fetch`, { mode: 'no-cors' }).catch(() => undefined);
    await new Promise<void>((done) => {
      const img = new Image();
      img.onload = img.onerror = () => done();
      img.src = `${url}/img.png`;
    });
  }, target);
  await page.close();
  if (contextProxy) await context.close();
}

async function stunProbe(browser: Browser, port: number): Promise<void> {
  const page = await browser.newPage();
  await gatherIceCandidates(page, [{ urls: `stun:127.0.0.2:${port}` }], 3000);
  await page.close();
}

// Chromium's own background requests (update and account hosts) reach the proxy too: names never
// go to a real resolver here, so no test traffic leaves 127.0.0.1.
const noDns = async (host: string): Promise<never> => {
  throw Object.assign(new Error(`ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
};
const testPolicy = createEgressPolicy({ allowNets: ['127.0.0.1/32'], onlyAllowed: true, resolve: noDns });
const without = (...prefixes: string[]) => (args: string[]) => args.filter((arg) => !prefixes.some((prefix) => arg.startsWith(prefix)));
const drain = () => {
  const seen = trap.hits;
  trap.connections.length = 0;
  trap.datagrams.length = 0;
  return seen;
};

describe.each(ChromiumBuilds)('Chromium egress flags in %s', (build) => {
  beforeAll(() => {
    chromium = build;
  });

  it('production shape: nothing allowed, so a page reaches no loopback listener, not even on 127.0.0.1', async () => {
    const local = await startLoopbackListener({ host: '127.0.0.1' });
    try {
      const closed = createEgressPolicy({ allowNets: [], onlyAllowed: true, resolve: noDns });
      await withBrowser(closed, (args) => args, async (browser, defaultProxy) => {
        const captureProxy = await startEgressProxy({ policy: closed, logger: createMemoryLogger() });
        try {
          await probe(browser, local.url);
          await probe(browser, local.url, captureProxy);
          await probe(browser, `http://localhost:${local.port}`, captureProxy);
          expect(defaultProxy.blocked.map((entry) => entry.reason)).toContain('loopback address 127.0.0.0/8');
          expect(captureProxy.blocked.map((entry) => entry.url)).toEqual(
            expect.arrayContaining([`${local.url}/fetch`, `${local.url}/img.png`, `http://localhost:${local.port}/fetch`]),
          );
        } finally {
          await captureProxy.close();
        }
      });
      expect(local.hits).toBe(0);
    } finally {
      await local.close();
    }
  });

  it('--proxy-bypass-list=<-loopback> alone keeps loopback behind the proxy', async () => {
    await withBrowser(testPolicy, without('--host-resolver-rules'), async (browser, proxy) => {
      await probe(browser, trap.url);
      expect(proxy.blocked.map((entry) => entry.url)).toEqual(expect.arrayContaining([`${trap.url}/fetch`, `${trap.url}/img.png`]));
    });
    expect(drain()).toBe(0);
  });

  it('--host-resolver-rules alone stops direct connections, even to IP literals', async () => {
    await withBrowser(testPolicy, without('--proxy-bypass-list'), async (browser, proxy) => {
      await probe(browser, trap.url);
      // Chromium sent loopback around the proxy, and the resolver rules stopped it.
      expect(proxy.blocked.filter((entry) => entry.host === '127.0.0.2')).toEqual([]);
    });
    expect(drain()).toBe(0);
  });

  it('without both, Chromium goes around the proxy to loopback (why both are there)', async () => {
    await withBrowser(testPolicy, without('--host-resolver-rules', '--proxy-bypass-list'), async (browser) => {
      await probe(browser, trap.url);
    });
    expect(drain()).toBeGreaterThan(0);
  });

  it('the WebRTC switch this build reads is what stops STUN packets', async () => {
    await withBrowser(testPolicy, (args) => args, async (browser) => stunProbe(browser, trap.port));
    expect(drain()).toBe(0);
    // The full browser reads --webrtc-ip-handling-policy, the headless shell the --force- one;
    // without its own switch each build sends STUN straight to the refused address.
    const own = isHeadlessShell(chromium) ? '--force-webrtc-ip-handling-policy' : '--webrtc-ip-handling-policy';
    await withBrowser(testPolicy, without(own), async (browser) => stunProbe(browser, trap.port));
    expect(trap.datagrams.length).toBeGreaterThan(0);
    drain();
  });
});
