// Finds a Chromium to drive. Used by the browser pool, the setup script and the CLI, so all three
// agree on which browser the product runs.
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** Names tried on PATH, in order: Debian's package first, then the usual Chrome/Chromium builds. */
export const ChromeCandidates = [
  'chromium',
  'chromium-browser',
  'google-chrome',
  'google-chrome-stable',
  'chrome',
] as const;

const FixedPaths = [
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
 * Null when there is none.
 */
export function findChrome(configured: string | null = null, searchPath = ''): string | null {
  if (configured) return isExecutable(configured) ? configured : null;
  for (const candidate of FixedPaths) if (isExecutable(candidate)) return candidate;
  for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
    for (const name of ChromeCandidates) {
      const full = path.join(dir, name);
      if (isExecutable(full)) return full;
    }
  }
  return null;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
