// Finds a Chromium to drive. Used by the browser pool, the setup script and the CLI, so all three
// agree on which browser the product runs.
//
// Chromium's headless shell comes first: the same engine (Debian builds it from the same source,
// same version) without the desktop browser's per-profile services. Measured on 30 corpus pages
// (2026-11-24): a bare pooled capture (new context, load, one PNG) took 0.97 s of CPU in
// `chromium --headless=new` and 0.26 s in the shell; a new context and page alone 140 ms against
// 30 ms. On the six pages compared, titles and text were equal and screenshots equal in size or
// within 0.3%. CHROME_PATH=/usr/bin/chromium brings back the full browser, whose headless mode is
// harder for bot walls to tell from a desktop Chrome.
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** Names tried on PATH, in order: Debian's package first, then the usual Chrome/Chromium builds. */
export const ChromeCandidates = [
  // Google's Chrome for Testing build; Debian's `chromium-headless-shell` on PATH is the wrapper.
  'chrome-headless-shell',
  'chromium',
  'chromium-browser',
  'google-chrome',
  'google-chrome-stable',
  'chrome',
] as const;

const FixedPaths = [
  // Debian's chromium-headless-shell: the binary itself, never /usr/bin's wrapper (`sh` without
  // `exec`), so the process Puppeteer starts, and kills if it must, is the browser.
  '/usr/lib/chromium/chromium-headless-shell',
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/opt/google/chrome/chrome',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];

/**
 * The executable to launch: `configured` (CHROME_PATH) when given and executable, else the first
 * Chromium found in the usual places or on `searchPath` (a PATH-style list the caller passes in).
 * `headlessShell: false` skips headless-shell builds (the benchmark's baseline wants the full
 * browser). Null when there is none.
 */
export function findChrome(configured: string | null = null, searchPath = '', options: { headlessShell?: boolean } = {}): string | null {
  if (configured) return isExecutable(configured) ? configured : null;
  const allowed = (candidate: string) => options.headlessShell !== false || !isHeadlessShell(candidate);
  for (const candidate of FixedPaths) if (allowed(candidate) && isExecutable(candidate)) return candidate;
  for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
    for (const name of ChromeCandidates.filter(allowed)) {
      const full = path.join(dir, name);
      if (isExecutable(full)) return full;
    }
  }
  return null;
}

/** An executable file (Chromium here, poppler's tools in pdf-render.ts). */
export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** True for a headless-shell build, which Puppeteer must launch with `headless: 'shell'`. */
export function isHeadlessShell(executable: string): boolean {
  return /headless[-_]shell/i.test(path.basename(executable));
}

/** Puppeteer's `headless` option for this executable. */
export function headlessModeFor(executable: string): true | 'shell' {
  return isHeadlessShell(executable) ? 'shell' : true;
}
