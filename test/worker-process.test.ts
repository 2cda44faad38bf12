// `linksnap serve --no-workers` beside `linksnap worker` on one store: the serving process only
// accepts work and answers; a separate worker process captures; the result reaches the serving
// process's chat handler from the store, without an in-process event.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ShareEvent } from '../src/core/types.js';
import { startFixtureServer, type FixtureServer } from './helpers/fixture-server.js';
import { startTestApp, TestEnv, type TestApp } from './helpers/app.js';

let fixtures: FixtureServer;
let serving: TestApp;
let worker: ChildProcess;
let workerOutput = '';
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'linksnap-worker-'));

beforeAll(async () => {
  fixtures = await startFixtureServer();
  // What `serve --no-workers` starts: the store and the service, no capture runner.
  serving = await startTestApp({ captures: false, dataDir });
  worker = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'worker'], {
    env: { ...process.env, ...TestEnv, LINKSNAP_LOG_LEVEL: 'info', LINKSNAP_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  worker.stdout!.on('data', (chunk) => (workerOutput += String(chunk)));
  worker.stderr!.on('data', (chunk) => (workerOutput += String(chunk)));
  for (let i = 0; i < 600 && !workerOutput.includes('linksnap worker is capturing'); i += 1) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(workerOutput).toContain('linksnap worker is capturing');
}, 60_000);

afterAll(async () => {
  if (worker && worker.exitCode === null) {
    worker.kill('SIGTERM');
    await new Promise((resolve) => worker.once('exit', resolve));
  }
  await serving?.close();
  await fixtures?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it('captures in the worker process and answers in the serving one', { timeout: 90_000 }, async () => {
  expect(serving.service.runner).toBeNull();
  const events: ShareEvent[] = [];
  const unsubscribe = serving.service.subscribe('discord', async (event) => void events.push(event));
  try {
    const accepted = await serving.service.snap({
      url: fixtures.url('/article.html?worker=1'),
      workspace: { id: 'discord:g-worker', platform: 'discord' },
      requester: { id: 'u1' },
      source: { platform: 'discord', channelId: 'c1', messageId: 'm1', auto: true, replyTo: { kind: 'test' } },
    });
    const done = await serving.service.waitFor(accepted.snapshot.id);
    expect(done.status).toBe('done');
    expect(done.artifacts.screenshot).toBeDefined();
    // The terminal event comes from the store (the worker published it in its own process).
    for (let i = 0; i < 200 && !events.some((event) => event.type === 'done'); i += 1) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(events.filter((event) => event.type === 'done').map((event) => event.share.id)).toEqual([accepted.share.id]);
    expect(workerOutput).toContain('Capture done');
  } finally {
    unsubscribe();
  }
});

it('stops the worker cleanly on SIGTERM', async () => {
  worker.kill('SIGTERM');
  const code = await new Promise<number | null>((resolve) => worker.once('exit', (exitCode) => resolve(exitCode)));
  expect(code).toBe(0);
});
