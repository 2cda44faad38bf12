// Which Chromium builds the tests drive. The product launches findChrome()'s choice (the headless
// shell when installed); the egress tests also run on Debian's full `chromium`, which an admin can
// pick with CHROME_PATH, since each flag must hold in both.
import { existsSync } from 'node:fs';
import type { LaunchOptions } from 'puppeteer-core';
import { findChrome, headlessModeFor } from '../../src/core/capture/find-chrome.js';

const FullChromium = '/usr/bin/chromium';

/**
 * The flags this machine needs to run Chromium as root, each stopping a kind of background traffic.
 * Tests that launch a browser of their own start from these, not from the product's full set
 * (BaseChromiumArgs), so they show what the product's extra flags change.
 */
export const TestChromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

function productChromium(): string {
  const found = findChrome(process.env.CHROME_PATH || null);
  if (!found) throw new Error('No Chromium for the tests; `npm test` installs one (scripts/setup.mjs)');
  return found;
}

/** The executable the product would launch here. */
export const ProductChromium = productChromium();

/** Every distinct build the egress rules must hold in: the product's, and the full browser. */
export const ChromiumBuilds: string[] = [...new Set([ProductChromium, ...(existsSync(FullChromium) ? [FullChromium] : [])])];

/** A desktop-like browser for the web page tests: the full Chromium when installed. */
export const DesktopChromium = existsSync(FullChromium) ? FullChromium : ProductChromium;

export function launchOptions(executablePath: string, args: string[]): LaunchOptions {
  return { executablePath, headless: headlessModeFor(executablePath), args };
}
