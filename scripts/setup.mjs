#!/usr/bin/env node
// First-run set-up behind `npm start` and `npm test`: packages, browser, fonts, build, database.
// Plain Node with no dependencies, because it runs before node_modules exists. Each step checks
// first and does nothing when it is already done, so the second run is silent and quick.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const forTest = process.argv.includes('--for-test');
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const say = (message) => process.stderr.write(`[setup] ${message}\n`);

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.error) throw new Error(`${command} ${args.join(' ')} could not start: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed with exit code ${result.status}`);
}

function has(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function hashFiles(files) {
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(file);
    if (fs.existsSync(file)) hash.update(fs.readFileSync(file));
  }
  return hash.digest('hex');
}

function newestMtime(dir) {
  let newest = 0;
  if (!fs.existsSync(dir)) return newest;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

// 1. npm packages: installed when node_modules is missing or older than package.json / the lock file.
function ensurePackages() {
  const stamp = path.join(root, 'node_modules', '.linksnap-install-stamp');
  const want = hashFiles([path.join(root, 'package.json'), path.join(root, 'package-lock.json')]);
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === want) return;
  say('installing npm packages …');
  const lock = fs.existsSync(path.join(root, 'package-lock.json'));
  // PUPPETEER_SKIP_DOWNLOAD: puppeteer-core never downloads, but keep any transitive installer quiet too.
  run('npm', [lock ? 'ci' : 'install', '--no-audit', '--no-fund'], {
    env: { ...process.env, PUPPETEER_SKIP_DOWNLOAD: '1' },
  });
  fs.writeFileSync(stamp, want);
}

// 2. Chromium: CHROME_PATH, then Debian's headless shell, then the usual Debian/Ubuntu/Chrome
// locations; Debian's packages otherwise. Keep this order in step with src/core/capture/find-chrome.ts.
// The binary itself: Debian's /usr/bin/chromium-headless-shell is a shell wrapper without exec.
const HeadlessShellPaths = ['/usr/lib/chromium/chromium-headless-shell'];
const ChromeCandidates = [
  ...HeadlessShellPaths,
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
];

function findChrome() {
  if (process.env.CHROME_PATH) {
    if (fs.existsSync(process.env.CHROME_PATH)) return process.env.CHROME_PATH;
    throw new Error(`CHROME_PATH=${process.env.CHROME_PATH} does not exist`);
  }
  return ChromeCandidates.find((candidate) => fs.existsSync(candidate)) ?? null;
}

// The headless shell halves the CPU of a capture, but captures work without it (in the full
// browser), so it is asked for only where apt exists and never blocks a start. Where it could not
// be installed (no such package, not root), a stamp keeps later runs from asking again.
const NoShellStamp = path.join(root, 'node_modules', '.linksnap-no-headless-shell');
function wantsHeadlessShell() {
  if (process.env.CHROME_PATH || HeadlessShellPaths.some((p) => fs.existsSync(p))) return false;
  return has('apt-get') && !fs.existsSync(NoShellStamp);
}

function aptHas(pkg) {
  const result = spawnSync('apt-cache', ['show', '--no-all-versions', pkg], { encoding: 'utf8' });
  return result.status === 0 && /^Package:/m.test(result.stdout ?? '');
}

const FontPackages = [
  // [what fc-list must show, Debian package]
  ['Noto Sans CJK', 'fonts-noto-cjk'],
  ['Noto Color Emoji', 'fonts-noto-color-emoji'],
  ['Liberation Sans', 'fonts-liberation'],
];

// The tests start their own PostgreSQL server (test/helpers/postgres.ts); `npm start` does not need one.
function hasPostgresServer() {
  if (process.env.LINKSNAP_TEST_DATABASE_URL) return true;
  const versions = fs.existsSync('/usr/lib/postgresql') ? fs.readdirSync('/usr/lib/postgresql') : [];
  return versions.some((version) => fs.existsSync(path.join('/usr/lib/postgresql', version, 'bin', 'initdb'))) || has('initdb');
}

// PDF thumbnails and text (src/core/capture/pdf-render.ts looks in the same folders). Without it
// PDFs are still captured, only without preview or text, so it never stops a start.
const PopplerDirs = ['/usr/bin', '/usr/local/bin', '/opt/homebrew/bin', '/opt/local/bin'];
function hasPoppler() {
  return PopplerDirs.some((dir) => ['pdfinfo', 'pdftoppm', 'pdftotext'].every((tool) => fs.existsSync(path.join(dir, tool))));
}

function missingSystemPackages() {
  const missing = [];
  if (!findChrome()) missing.push('chromium');
  if (!hasPoppler()) missing.push('poppler-utils');
  if (forTest && !hasPostgresServer()) missing.push('postgresql');
  const fonts = has('fc-list') ? spawnSync('fc-list', [], { encoding: 'utf8' }).stdout ?? '' : '';
  for (const [family, pkg] of FontPackages) if (!fonts.includes(family)) missing.push(pkg);
  return missing;
}

function ensureSystemPackages() {
  const missing = missingSystemPackages();
  const wantShell = wantsHeadlessShell();
  if (missing.length === 0 && !wantShell) return;
  if (!isRoot || !has('apt-get')) {
    if (missing.length) {
      const command = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
      say(`missing: ${missing.join(', ')}. Install them with:\n\n    sudo sh -c '${command}'\n\n(or set CHROME_PATH to a Chromium or Chrome binary)`);
    }
    if (wantShell) {
      // Said once: captures work without it, so later runs stay quiet.
      say("captures would use less than half the CPU in Chromium's headless shell: sudo apt-get install chromium-headless-shell");
      markNoShell();
    }
    if (missing.includes('chromium')) process.exit(1);
    return;
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env });
  if (missing.includes('postgresql')) {
    // Only the binaries are wanted: the tests make their own server in a temporary folder, so no
    // system cluster is created at install (and none left running on port 5432).
    const conf = '/etc/postgresql-common/createcluster.conf';
    if (!fs.existsSync(conf)) {
      fs.mkdirSync(path.dirname(conf), { recursive: true });
      fs.writeFileSync(conf, '# written by linksnap set-up: the tests start their own PostgreSQL\ncreate_main_cluster = false\n');
    }
  }
  if (missing.length) {
    say(`installing ${missing.join(', ')} with apt-get …`);
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env });
    const still = missingSystemPackages();
    if (still.length) throw new Error(`still missing after apt-get: ${still.join(', ')}`);
  }
  if (wantShell) {
    // Optional, so on its own: a failure here (no such package, a version held back) never stops a start.
    if (!aptHas('chromium-headless-shell')) {
      say('apt has no chromium-headless-shell here; captures run in the full Chromium');
    } else {
      say('installing chromium-headless-shell with apt-get …');
      try {
        run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium-headless-shell'], { env });
      } catch (error) {
        say(`could not install chromium-headless-shell (${error instanceof Error ? error.message : String(error)}); captures run in the full Chromium`);
      }
    }
    if (!HeadlessShellPaths.some((p) => fs.existsSync(p))) markNoShell();
  }
}

function markNoShell() {
  fs.mkdirSync(path.dirname(NoShellStamp), { recursive: true });
  fs.writeFileSync(NoShellStamp, new Date().toISOString());
}

// 3. Build: TypeScript to dist/, only when a source is newer than the last build.
function ensureBuild() {
  const stamp = path.join(root, 'dist', '.build-stamp');
  const newestSource = Math.max(
    newestMtime(path.join(root, 'src')),
    newestMtime(path.join(root, 'migrations')),
    fs.statSync(path.join(root, 'tsconfig.json')).mtimeMs,
    fs.statSync(path.join(root, 'package-lock.json')).mtimeMs,
  );
  if (fs.existsSync(stamp) && fs.statSync(stamp).mtimeMs >= newestSource) return;
  say('building …');
  run(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json']);
  fs.mkdirSync(path.dirname(stamp), { recursive: true });
  fs.writeFileSync(stamp, new Date().toISOString());
}

// 4. Database: migrate the default data folder (the CLI reads LINKSNAP_DATA_DIR and .env itself).
function ensureDatabase() {
  run(process.execPath, [path.join(root, 'bin', 'linksnap.js'), 'migrate', '--quiet']);
}

try {
  ensurePackages();
  ensureSystemPackages();
  ensureBuild();
  if (!forTest) ensureDatabase();
} catch (error) {
  say(`set-up failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
