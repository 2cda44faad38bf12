// Runs in a child process for the last-resort test: one capture whose code lets an exception
// escape from a callback (out of reach of every try/catch), then a normal capture, then an
// exception outside any capture. Prints one JSON line per outcome.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { captureUrl } from '../../src/core/capture/capture-url.js';
import { installLastResortHandler } from '../../src/core/capture-scope.js';
import { createMemoryLogger } from '../../src/core/logger.js';
import { TestEnv } from './app.js';
import { startFixtureServer } from './fixture-server.js';

const say = (line: unknown) => process.stdout.write(`${JSON.stringify(line)}\n`);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'linksnap-escape-'));
const logger = createMemoryLogger();
installLastResortHandler({
  logger,
  exit: (code) => {
    say({ exit: code, logged: logger.events.filter((e) => e.level === 'error').map((e) => e.message) });
    fs.rmSync(dataDir, { recursive: true, force: true });
    process.exit(code);
  },
});
const fixtures = await startFixtureServer();
const config = loadConfig({ ...TestEnv, LINKSNAP_DATA_DIR: dataDir });
const app = await createApp({
  config,
  logger,
  captureUrl: async (url, options) => {
    if (url.includes('escape=1')) {
      setTimeout(() => {
        throw new Error('escaped from a socket callback');
      }, 20);
    }
    return captureUrl(url, options);
  },
});
for (const url of [fixtures.url('/slow?ms=3000&escape=1'), fixtures.url('/article.html')]) {
  const accepted = await app.service.snap({ url, workspace: { id: 'local', platform: 'cli' }, requester: { id: 't' }, source: { platform: 'cli' } });
  const snapshot = await app.service.waitFor(accepted.snapshot.id);
  say({ url, status: snapshot.status, error: snapshot.error, errorCode: snapshot.errorCode });
}
await app.close();
await fixtures.close();
setTimeout(() => {
  throw new Error('outside any capture');
}, 0);
