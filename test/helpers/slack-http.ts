// The real Bolt app in HTTP mode, mounted on a real HTTP server, against the stand-in Slack and a
// real test app capturing local fixture pages: what every Slack-over-HTTP test file starts from.
import { startSlackApp, type SlackAppHandle, type StartSlackAppOptions } from '../../src/bots/slack/index.js';
import type { Snapshot } from '../../src/core/types.js';
import { startMountServer, type MountServer } from '../stand-ins/slack/mount-server.js';
import { startSlackStandIn, type SlackStandIn } from '../stand-ins/slack/server.js';
import { startTestApp, type TestApp } from './app.js';
import { startFixtureServer, type FixtureServer } from './fixture-server.js';

/** Nothing listens there: a test reads the links the app writes, and never follows them. */
export const snapshotUrl = (snapshot: Pick<Snapshot, 'id'>) => `http://127.0.0.1:1/s/${snapshot.id}`;

export interface SlackHttpTestBed {
  testApp: TestApp;
  fixtures: FixtureServer;
  slack: SlackStandIn;
  web: MountServer;
  handle: SlackAppHandle;
  eventsUrl: string;
  close(): Promise<void>;
}

export interface SlackHttpTestBedOptions {
  /** The app's settings, Slack's bot token and signing secret among them. */
  env: Record<string, string>;
  /** Channels and users the stand-in knows before the app starts and asks it about them. */
  prepare?: (slack: SlackStandIn) => void;
  snapshotUrl?: StartSlackAppOptions['snapshotUrl'];
  diffUrl?: StartSlackAppOptions['diffUrl'];
}

export async function startSlackHttpTestBed(options: SlackHttpTestBedOptions): Promise<SlackHttpTestBed> {
  const started: Partial<SlackHttpTestBed> = {};
  const close = async () => {
    await started.handle?.stop();
    await started.testApp?.close();
    await Promise.all([started.fixtures?.close(), started.slack?.close(), started.web?.close()]);
  };
  try {
    const testApp = (started.testApp = await startTestApp({ env: options.env }));
    started.fixtures = await startFixtureServer();
    const slack = (started.slack = await startSlackStandIn());
    const web = (started.web = await startMountServer());
    options.prepare?.(slack);
    const config = { ...testApp.config, slack: { ...testApp.config.slack, apiUrl: slack.apiUrl } };
    started.handle = await startSlackApp({
      service: testApp.service,
      config,
      logger: testApp.logger,
      snapshotUrl: options.snapshotUrl ?? snapshotUrl,
      diffUrl: options.diffUrl,
      http: web,
      retries: 0,
    });
    started.eventsUrl = `${web.url}/slack/events`;
  } catch (error) {
    // A half-started bed has no owner to close it, and its servers would hold the run open.
    await close();
    throw error;
  }
  return { ...(started as Omit<SlackHttpTestBed, 'close'>), close };
}
