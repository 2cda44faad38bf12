// Job outcomes that only show over several processes' lives.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDatabase } from '../src/storage/db.js';
import { leaseNextJob } from '../src/storage/jobs.js';
import { startFixtureServer, type FixtureServer } from './helpers/fixture-server.js';
import { startTestApp } from './helpers/app.js';

let fixtures: FixtureServer;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'linksnap-jobs-'));

beforeAll(async () => {
  fixtures = await startFixtureServer();
});

afterAll(async () => {
  await fixtures?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it('gives up on a page that took the worker down on every attempt, and says so', async () => {
  const accepting = await startTestApp({ dataDir, captures: false });
  const accepted = await accepting.service.snap({
    url: fixtures.url('/article.html'),
    workspace: { id: 'local', platform: 'cli' },
    requester: { id: 'tester' },
    source: { platform: 'cli' },
  });
  await accepting.close();

  // Three workers leased it and died without a word: their leases simply ran out.
  const database = openDatabase({ path: path.join(dataDir, 'linksnap.db') });
  for (let worker = 1; worker <= 3; worker += 1) {
    const job = await leaseNextJob(database.db, `dead-worker-${worker}`, 1);
    expect(job?.snapshotId).toBe(accepted.snapshot.id);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await database.close();

  const restarted = await startTestApp({ dataDir });
  try {
    const failed = await restarted.service.waitFor(accepted.snapshot.id, AbortSignal.timeout(30_000));
    expect(failed.status).toBe('failed');
    expect(failed.errorCode).toBe('capture_failed');
    expect(failed.error).toMatch(/stopped the capture worker 3 times/);
    // It was not captured again: the fixture page was never requested.
    expect(fixtures.requests.filter((r) => r.startsWith('/article.html'))).toHaveLength(0);
  } finally {
    await restarted.close();
  }
});
