// `linksnap serve` (npm start): the web page and API, the capture workers, and whichever chat
// bots are configured, in one process over one store. Stops cleanly on SIGINT/SIGTERM: jobs in
// flight get a grace period, then go back to the queue for the next start.
import { redactDatabaseUrl } from './storage/postgres.js';
import { createApp } from './app.js';
import { installLastResortHandler } from './core/capture-scope.js';
import type { Config } from './config.js';
import type { Logger } from './core/logger.js';
import { startSchedule } from './core/schedule.js';
import { createWebServer } from './web/index.js';

export interface RunningServer {
  baseUrl: string;
  stop(): Promise<void>;
}

/** `workers: false` (`serve --no-workers`): web page and bots only; `linksnap worker` processes capture. */
export async function startServer(config: Config, logger: Logger, options: { workers?: boolean } = {}): Promise<RunningServer> {
  const workers = options.workers ?? true;
  const app = await createApp({ config, logger, captures: workers });
  if (!workers) logger({ level: 'info', context: 'queue', message: 'Started without capture workers (--no-workers): run `linksnap worker` on this store to capture' });
  const web = createWebServer({ service: app.service, config, logger });
  const stops: Array<() => Promise<void>> = [];

  // A chat platform that refuses our token or cannot be reached is logged clearly; the web page
  // and the other platform keep running, and captures already queued still complete.
  if (config.slack.botToken) {
    try {
      const { startSlackApp } = await import('./bots/slack/index.js');
      const slack = await startSlackApp({ service: app.service, config, logger, snapshotUrl: web.snapshotUrl, diffUrl: web.diffUrl, http: web });
      stops.push(() => slack.stop());
      logger({ level: 'info', context: 'slack', message: `Slack app started in ${slack.mode === 'socket' ? 'Socket Mode' : 'HTTP mode (/slack/events)'}` });
    } catch (error) {
      logger({ level: 'error', context: 'slack', message: 'Slack app could not start; the rest of linksnap keeps running', details: { error } });
    }
  } else {
    logger({ level: 'info', context: 'slack', message: 'Slack app not started: SLACK_BOT_TOKEN is not set' });
  }

  const baseUrl = await web.listen();
  logger({ level: 'info', context: 'web', message: `linksnap is running at ${baseUrl}`, details: { dataDir: config.dataDir } });

  if (config.discord.token) {
    try {
      const { startDiscordBot } = await import('./bots/discord/index.js');
      const discord = await startDiscordBot({ service: app.service, config, logger, snapshotUrl: web.snapshotUrl, diffUrl: web.diffUrl });
      stops.push(() => discord.stop());
      logger({ level: 'info', context: 'discord', message: 'Discord bot started' });
    } catch (error) {
      logger({ level: 'error', context: 'discord', message: 'Discord bot could not start; the rest of linksnap keeps running', details: { error } });
    }
  } else {
    logger({ level: 'info', context: 'discord', message: 'Discord bot not started: DISCORD_TOKEN is not set' });
  }

  const schedule = startSchedule({
    config,
    logger,
    store: app.linkChecks,
    checkLinks: () => app.service.checkLinks(),
    collectGarbage: () => app.collectGarbage(),
    postDigests: (slot) => app.service.postDigests(slot),
    tickWatches: () => app.service.tickWatches(),
  });
  stops.push(async () => schedule.stop());

  return {
    baseUrl,
    async stop() {
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
      await web.close();
      await app.close();
    },
  };
}

/** `linksnap worker`: captures queued jobs from the store, nothing else (no web page, no bots). */
export async function startWorker(config: Config, logger: Logger): Promise<RunningServer> {
  const app = await createApp({ config, logger, captures: true });
  logger({ level: 'info', context: 'queue', message: 'Capture worker started', details: { dataDir: config.dataDir, concurrency: config.concurrency } });
  return { baseUrl: '', stop: () => app.close() };
}

export async function serve(config: Config, logger: Logger, options: { workers?: boolean; workerOnly?: boolean } = {}): Promise<void> {
  installLastResortHandler({ logger });
  const server = options.workerOnly ? await startWorker(config, logger) : await startServer(config, logger, { workers: options.workers });
  process.stdout.write(options.workerOnly ? `linksnap worker is capturing from ${config.databaseUrl ? redactDatabaseUrl(config.databaseUrl) : config.dataDir}\n` : `linksnap is running at ${server.baseUrl}\n`);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger({ level: 'info', context: 'web', message: `Stopping on ${signal}` });
    server.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}
