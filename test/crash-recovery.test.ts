// Kill the process mid-capture (SIGKILL, no chance to clean up), start again on the same data
// folder: the job's lease expires, the capture runs again and completes exactly once.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFixtureServer, type FixtureServer } from './helpers/fixture-server.js';
import { startTestApp } from './helpers/app.js';

let fixtures: FixtureServer;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'linksnap-crash-'));

beforeAll(async () => {
  fixtures = await startFixtureServer();
});

afterAll(async () => {
  await fixtures?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it('a job whose process died mid-capture completes once after a restart', async () => {
  const url = fixtures.url('/slow?ms=8000');
  // Its own process group, so killing it takes its Chromium down too, as a real crash would.
  const child = spawn(process.execPath, ['--import', 'tsx', path.join('test', 'helpers', 'crash-child.ts'), dataDir, url], {
    cwd: process.cwd(),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const snapshotId = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child never started capturing: ${output} ${stderr.slice(-2000)}`)), 60_000);
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /capturing (\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`child exited early (${code}): ${stderr.slice(-2000)}`)));
  });
  // Wait until the browser is actually fetching the page, then crash.
  const deadline = Date.now() + 30_000;
  while (!fixtures.requests.some((r) => r.startsWith('/slow')) && Date.now() < deadline) await sleep(50);
  expect(fixtures.requests.filter((r) => r.startsWith('/slow')).length).toBeGreaterThanOrEqual(1);
  process.kill(-child.pid!, 'SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));

  const db = new Database(path.join(dataDir, 'linksnap.db'), { readonly: true });
  const leased = db.prepare('select status, attempts from jobs where snapshot_id = ?').get(snapshotId) as { status: string; attempts: number };
  expect(leased.status).toBe('leased');
  db.close();

  const restarted = await startTestApp({ dataDir, env: { LINKSNAP_JOB_LEASE: '3s', LINKSNAP_CONCURRENCY: '1' } });
  try {
    // The slow page takes 8 s; the restarted capture only needs it to answer once.
    const done = await restarted.service.waitFor(snapshotId, AbortSignal.timeout(110_000));
    expect(done.status).toBe('done');
    expect(done.title).toBeTruthy();
    const check = new Database(path.join(dataDir, 'linksnap.db'), { readonly: true });
    const jobs = check.prepare('select status, attempts from jobs where snapshot_id = ?').all(snapshotId) as Array<{ status: string; attempts: number }>;
    const snapshots = check.prepare('select count(*) as n from snapshots').get() as { n: number };
    check.close();
    expect(jobs).toHaveLength(1);
    expect(jobs[0].status).toBe('done');
    expect(jobs[0].attempts).toBe(2);
    expect(snapshots.n).toBe(1);
  } finally {
    await restarted.close();
  }
}, 180_000);

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
