// The product under test, in a process of its own (forked by capture-bench.ts): what `linksnap
// serve` starts (src/server.ts) without the chat bots and the link-check schedule, that is
// createApp (store, egress policy, browser pool, service, job queue) and the web server with the
// HTTP API, from loadConfig over the environment the benchmark gives it. The only differences from
// `linksnap serve` are the injected resolver of scenario 2 (and the browser flag that makes Chromium
// accept the simulated internet's self-signed certificate), and a wrapper around the real
// captureUrl that records each capture's step timings (the function the service would call anyway).
//
// IPC: sends {type:'ready', baseUrl, concurrency}; on {type:'stop'} closes everything and sends
// {type:'stopped', timings, log, limits}; on {type:'timings'} sends the step timings collected so far.
import { createApp, type CreateAppOptions } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { captureUrl } from '../src/core/capture/capture-url.js';
import type { LogEvent, Logger } from '../src/core/logger.js';
import { createWebServer } from '../src/web/index.js';
import { isEntryPoint, simulatedResolver } from './capture-shared.js';

export interface ServerChildOptions {
  env: Record<string, string>;
  /** Every name resolves to this address, except reserved test names (scenario 2); null: the system resolver. */
  resolveTo: string | null;
  /** Extra Chromium flags, through CreateAppOptions.browserArgs (see the benchmark's notes). */
  browserArgs: string[];
}

export interface LogSummary {
  /** Count of warn and error lines by level, context and message. */
  counts: Record<string, number>;
  /** The first few warn/error events, details included. */
  samples: Array<{ level: string; context: string; message: string; details?: string }>;
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as ServerChildOptions;
  const log: LogSummary = { counts: {}, samples: [] };
  // The adaptive concurrency's limit after each change (src/app.ts logs them), to report its peak.
  const limits: number[] = [];
  const logger: Logger = (event: LogEvent) => {
    if (event.context === 'queue' && event.message === 'Capture concurrency changed') limits.push(Number((event.details as { limit?: number })?.limit));
    if (event.level !== 'warn' && event.level !== 'error') return;
    const key = `${event.level} ${event.context}: ${event.message}`;
    log.counts[key] = (log.counts[key] ?? 0) + 1;
    if (log.samples.length < 12) {
      let details: string | undefined;
      try {
        details = event.details ? JSON.stringify(event.details, (_k, v) => (v instanceof Error ? { name: v.name, message: v.message } : v)).slice(0, 400) : undefined;
      } catch {
        details = undefined;
      }
      log.samples.push({ level: event.level, context: event.context, message: event.message, details });
    }
  };
  // `linksnap serve` installs the last-resort handler (src/server.ts serve()); so does this stand-in,
  // when the product has one: an error escaping one capture fails that capture, not the process.
  const scope = (await import('../src/core/capture-scope.js').catch(() => null)) as { installLastResortHandler?: (o: { logger: Logger }) => unknown } | null;
  scope?.installLastResortHandler?.({ logger });
  const config = loadConfig(options.env, process.cwd());
  const timings: Array<Record<string, number>> = [];
  const timedCapture: typeof captureUrl = async (...args) => {
    const output = await captureUrl(...args);
    timings.push(output.timings);
    return output;
  };
  // `browserArgs` goes to BrowserPool's extraArgs (src/app.ts). Should a version of the product not
  // have it, the flag is ignored; the benchmark notices and falls back (see capture-bench.ts).
  const appOptions: CreateAppOptions & { browserArgs?: string[] } = {
    config,
    logger,
    resolve: options.resolveTo ? simulatedResolver(options.resolveTo) : undefined,
    captureUrl: timedCapture,
    browserArgs: options.browserArgs,
  };
  const app = await createApp(appOptions);
  const web = createWebServer({ service: app.service, config, logger });
  const baseUrl = await web.listen();
  process.on('disconnect', () => process.exit(0));
  process.on('message', (message: { type?: string }) => {
    if (message?.type === 'timings') process.send?.({ type: 'timings', timings: timings.splice(0) });
    if (message?.type === 'stop') {
      void (async () => {
        await web.close().catch(() => {});
        await app.close().catch(() => {});
        process.send?.({ type: 'stopped', timings, log, limits, poolStats: app.pool?.stats ?? null }, () => process.exit(0));
      })();
    }
  });
  process.send?.({ type: 'ready', baseUrl, concurrency: config.concurrency });
}

if (isEntryPoint(import.meta.url)) {
  main().catch((error) => {
    process.stderr.write(`capture-server: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
