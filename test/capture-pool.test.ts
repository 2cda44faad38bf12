// The browser pool: one Chromium for many captures, bounded concurrency, recycling after N
// captures, and relaunch after the browser dies mid-capture.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureUrl } from '../src/core/capture/capture-url.js';
import { findChrome, headlessModeFor, isHeadlessShell } from '../src/core/capture/find-chrome.js';
import { LinksnapError } from '../src/core/errors.js';
import { startFixtureServer, type FixtureServer } from './helpers/fixture-server.js';
import { startTestBrowser } from './helpers/browser.js';

let server: FixtureServer;

beforeAll(async () => {
  server = await startFixtureServer();
});

afterAll(async () => {
  await server?.close();
});

describe('findChrome', () => {
  it('finds the installed Chromium, honours a configured path, and rejects a wrong one', () => {
    const found = findChrome();
    expect(found).toMatch(/chrom/i);
    expect(findChrome(found)).toBe(found);
    expect(findChrome('/nonexistent/chrome')).toBeNull();
  });

  it("prefers Debian's headless shell, unless CHROME_PATH names another build", () => {
    const shell = '/usr/lib/chromium/chromium-headless-shell';
    // npm test installs the shell as root wherever apt has it (scripts/setup.mjs); without it the
    // full browser is found instead.
    if (existsSync(shell)) expect(findChrome()).toBe(shell);
    else expect(isHeadlessShell(findChrome() ?? '')).toBe(false);
    const full = findChrome(null, '', { headlessShell: false });
    expect(full && isHeadlessShell(full)).toBe(false);
    if (full) expect(findChrome(full)).toBe(full);
  });

  it('launches a headless shell in shell mode and every other build in the new headless mode', () => {
    expect(headlessModeFor('/usr/lib/chromium/chromium-headless-shell')).toBe('shell');
    expect(headlessModeFor('/opt/chrome-headless-shell/linux64/chrome-headless-shell')).toBe('shell');
    expect(headlessModeFor('/usr/bin/chromium')).toBe(true);
    expect(headlessModeFor('/usr/bin/google-chrome')).toBe(true);
    expect(isHeadlessShell('/usr/lib/chromium/chromium')).toBe(false);
  });
});

describe('BrowserPool', () => {
  it('runs many captures on one browser, never more at once than the concurrency', async () => {
    const browser = startTestBrowser({ concurrency: 2 });
    try {
      let active = 0;
      let peak = 0;
      await Promise.all(
        Array.from({ length: 5 }, () =>
          browser.pool.withContext('test', {}, async (context) => {
            active += 1;
            peak = Math.max(peak, active);
            const page = await context.newPage();
            await page.setContent('<p>hello</p>');
            await new Promise((r) => setTimeout(r, 100));
            active -= 1;
          }),
        ),
      );
      expect(peak).toBe(2);
      expect(browser.pool.stats.launches).toBe(1);
      expect(browser.pool.stats.captures).toBe(5);
    } finally {
      await browser.close();
    }
  });

  it('runs every browser process and thread in SCHED_IDLE, renderers started later too, so the service comes first', async () => {
    const browser = startTestBrowser({ concurrency: 1, priority: 'idle' });
    try {
      const pid = await browser.pool.withContext('test', {}, async (context) => {
        const page = await context.newPage();
        await page.setContent('<p>a renderer of its own</p>');
        return (await browser.pool.browser()).process()!.pid!;
      });
      // Read after the capture (the pool sweeps processes started during it then); a process or
      // thread that ends while /proc is read (utility processes come and go) is skipped.
      const tree = [pid, ...descendantsOf(pid)];
      // Field 41 of /proc/…/stat is the scheduling policy; 5 is SCHED_IDLE.
      const policies = tree.flatMap((p) =>
        alive(() => readdirSync(`/proc/${p}/task`)).flatMap((t) => alive(() => [Number(readFileSync(`/proc/${p}/task/${t}/stat`, 'utf8').split(') ')[1].split(' ')[38])])),
      );
      expect(tree.length).toBeGreaterThan(2); // browser, zygote, renderer, utilities
      expect(new Set(policies)).toEqual(new Set([5]));
      expect(policyOf(process.pid)).toBe(0);
    } finally {
      await browser.close();
    }
  });

  it('gives each capture a fresh context: cookies do not carry over', async () => {
    const browser = startTestBrowser({ concurrency: 1 });
    try {
      const cookieOf = (set: boolean) =>
        browser.pool.withContext('test', {}, async (context) => {
          if (set) await context.setCookie({ name: 'who', value: 'first', domain: '127.0.0.1', path: '/' });
          return (await context.cookies()).map((c) => c.name);
        });
      expect(await cookieOf(true)).toEqual(['who']);
      expect(await cookieOf(false)).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('recycles the browser after the configured number of captures, draining first', async () => {
    const browser = startTestBrowser({ concurrency: 2, recycleAfter: 2 });
    try {
      const versions: number[] = [];
      for (let i = 0; i < 5; i++) {
        await captureUrl(server.url('/empty.html'), { pool: browser.pool, policy: browser.policy, limits: browser.limits, blockAds: false, logger: browser.logger });
        versions.push(browser.pool.stats.launches);
      }
      // Captures 1-2 on the first browser, 3-4 on the second, 5 on the third.
      expect(versions).toEqual([1, 1, 2, 2, 3]);
      expect(browser.logger.events.filter((e) => e.message === 'Recycling the browser')).toHaveLength(2);
    } finally {
      await browser.close();
    }
  });

  it('fails a capture in flight with browser_crashed when the browser dies, then relaunches', async () => {
    const browser = startTestBrowser({ concurrency: 2 });
    try {
      const chromium = await browser.pool.browser();
      const inFlight = captureUrl(server.url('/slow?ms=4000'), { pool: browser.pool, policy: browser.policy, limits: browser.limits, blockAds: false, logger: browser.logger });
      // Kill Chromium once the page is being loaded: the second request is the browser's (the first is the preflight).
      const before = server.requests.length;
      while (server.requests.slice(before).filter((r) => r.startsWith('/slow')).length < 2) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 300));
      chromium.process()!.kill('SIGKILL');
      const error = await inFlight.then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(LinksnapError);
      expect((error as LinksnapError).code).toBe('browser_crashed');
      expect((error as LinksnapError).transient).toBe(true);

      const next = await captureUrl(server.url('/article.html'), { pool: browser.pool, policy: browser.policy, limits: browser.limits, blockAds: false, logger: browser.logger });
      expect(next.metadata.title).toBe('The Quiet Lighthouse of Vannamere');
      expect(browser.pool.stats.launches).toBe(2);
      expect(browser.pool.stats.crashes).toBe(1);
    } finally {
      await browser.close();
    }
  });
});

/** What `read` finds in /proc, or nothing when the process or thread ended while being read. */
function alive<T>(read: () => T[]): T[] {
  try {
    return read();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ESRCH') return [];
    throw error;
  }
}

/** Children found in /proc; a process or thread that ended while being read has none. */
function descendantsOf(pid: number): number[] {
  const children = alive(() => readdirSync(`/proc/${pid}/task`)).flatMap((t) => alive(() => readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(' ').filter(Boolean).map(Number)));
  return children.flatMap((child) => [child, ...descendantsOf(child)]);
}

function policyOf(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[38]);
}
