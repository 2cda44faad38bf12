// A real linksnap app for end-to-end tests: a migrated SQLite file in a temp folder, real blob
// files, the real browser pool, and an egress policy that lets captures reach 127.0.0.1 only.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp, type App } from '../../src/app.js';
import type { Resolver } from '../../src/core/egress/policy.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createMemoryLogger, type LogEvent, type Logger } from '../../src/core/logger.js';
import type { LinksnapService } from '../../src/core/service.js';

export interface TestApp {
  app: App;
  service: LinksnapService;
  config: Config;
  dataDir: string;
  logs: LogEvent[];
  logger: Logger;
  close(): Promise<void>;
}

export const TestEnv: Record<string, string> = {
  LINKSNAP_ALLOW_NETS: '127.0.0.1/32',
  LINKSNAP_ONLY_ALLOWED: '1',
  LINKSNAP_CONCURRENCY: '2',
  LINKSNAP_NAV_TIMEOUT: '15s',
  LINKSNAP_CAPTURE_TIMEOUT: '45s',
  LINKSNAP_LOG_LEVEL: 'debug',
};

export async function startTestApp(options: { env?: Record<string, string>; captures?: boolean; dataDir?: string; resolve?: Resolver } = {}): Promise<TestApp> {
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'linksnap-test-'));
  const config = loadConfig({ ...TestEnv, LINKSNAP_DATA_DIR: dataDir, ...options.env }, process.cwd());
  const logger = createMemoryLogger();
  const app = await createApp({ config, logger, captures: options.captures ?? true, resolve: options.resolve });
  return {
    app,
    service: app.service,
    config,
    dataDir,
    logs: logger.events,
    logger,
    async close() {
      await app.close();
      if (!options.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
