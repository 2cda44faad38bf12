// The web server over a real test app, twice: open, and behind the API token, so a file can check
// each route both ways against the same captures.
import type { Config } from '../../src/config.js';
import { createWebServer, type WebServer } from '../../src/web/index.js';
import { startTestApp, type TestApp } from './app.js';
import { startFixtureServer, type FixtureServer } from './fixture-server.js';

export interface RunningWeb {
  web: WebServer;
  base: string;
}

export async function startWeb(t: TestApp, config: Config): Promise<RunningWeb> {
  const web = createWebServer({ service: t.service, config, logger: t.logger });
  return { web, base: await web.listen() };
}

export interface WebTestBed {
  fixtures: FixtureServer;
  t: TestApp;
  open: RunningWeb;
  locked: RunningWeb;
  close(): Promise<void>;
}

export async function startWebTestBed(token: string): Promise<WebTestBed> {
  const started: Partial<WebTestBed> = {};
  const close = async () => {
    await started.open?.web.close();
    await started.locked?.web.close();
    await started.t?.close();
    await started.fixtures?.close();
  };
  try {
    started.fixtures = await startFixtureServer();
    started.t = await startTestApp({ env: { LINKSNAP_PORT: '0' } });
    started.open = await startWeb(started.t, started.t.config);
    started.locked = await startWeb(started.t, { ...started.t.config, apiToken: token });
  } catch (error) {
    // A half-started bed has no owner to close it, and its servers would hold the run open.
    await close();
    throw error;
  }
  return { ...(started as Omit<WebTestBed, 'close'>), close };
}
