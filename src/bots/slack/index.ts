// The Slack app: /snap, /find with paging, /tags, /snapconfig, /watch, /unwatch, /watches, Retag/Forget
// buttons, auto-capture of links posted in channels the app is in, and the notices it posts on its
// own (a watched page changed, a link died, a channel digest).
// Socket Mode when an app-level token is set (no public URL needed; it wins when both are set),
// otherwise HTTP mode on the web server's `/slack/events`, where Bolt verifies every request's
// signature and timestamp before anything is handled (after events-guard.ts has refused requests
// without signature headers and capped the body at 64 KiB).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { App, HTTPModuleFunctions, HTTPReceiver, LogLevel, SocketModeReceiver } from '@slack/bolt';
import type { Config } from '../../config.js';
import type { Logger } from '../../core/logger.js';
import { FairUse } from '../../core/chat/fair-use.js';
import { MessageProgress } from '../../core/chat/message-progress.js';
import type { SnapService } from '../../core/service-api.js';
import type { Snapshot } from '../../core/types.js';
import { registerAutoCapture } from './auto-capture.js';
import { slackChatPort } from './chat-port.js';
import { boltLogger } from './bolt-logger.js';
import { SlackDirectory } from './directory.js';
import { registerConfigCommand } from './config-command.js';
import { registerFindCommand } from './find-command.js';
import { registerLifecycleEvents } from './lifecycle-events.js';
import { registerManageActions } from './manage-actions.js';
import { guardSlackRequest } from './events-guard.js';
import { createShareEventHandler } from './share-events.js';
import { NoticeLinkActionPrefix } from './notice-message.js';
import { createNoticePoster } from './notice-poster.js';
import { isPermanentSlackError, SlackSetupError } from './slack-errors.js';
import { registerSnapCommand } from './snap-command.js';
import { registerTagsCommand } from './tags-command.js';
import { ThumbnailUploader } from './thumbnails.js';
import { registerWatchCommands } from './watch-commands.js';

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

export interface SlackHttpMount {
  mount(prefix: string, listener: RequestListener): void;
}

export interface StartSlackAppOptions {
  service: SnapService;
  config: Pick<Config, 'slack' | 'rateLimit'>;
  logger: Logger;
  snapshotUrl: (snapshot: Pick<Snapshot, 'id'>) => string;
  /** The signed diff view from `againstId` to the snapshot (change notices, "changed since" cards). */
  diffUrl?: (snapshot: Pick<Snapshot, 'id'>, againstId: string) => string;
  /** The web server, for HTTP mode. */
  http?: SlackHttpMount;
  /** Web API retries on network errors and 5xx (default: the client's ten over about half an hour); tests use 0. */
  retries?: number;
}

export interface SlackAppHandle {
  app: App;
  mode: 'socket' | 'http';
  stop(): Promise<void>;
}

export const SlackEventsPath = '/slack/events';

export async function startSlackApp(options: StartSlackAppOptions): Promise<SlackAppHandle> {
  const { service, config, logger, snapshotUrl, diffUrl } = options;
  const { botToken, appToken, signingSecret } = config.slack;
  if (!botToken) throw new SlackSetupError('SLACK_BOT_TOKEN is not set');
  const mode = appToken ? 'socket' : 'http';
  if (mode === 'http' && !signingSecret) throw new SlackSetupError('set SLACK_APP_TOKEN for Socket Mode, or SLACK_SIGNING_SECRET for HTTP mode');
  if (mode === 'http' && !options.http) throw new SlackSetupError('HTTP mode needs the web server to mount /slack/events on');

  const clientOptions = {
    slackApiUrl: config.slack.apiUrl.endsWith('/') ? config.slack.apiUrl : `${config.slack.apiUrl}/`,
    ...(options.retries === undefined ? {} : { retryConfig: { retries: options.retries } }),
  };
  const log = boltLogger(logger);
  const receiver =
    mode === 'socket'
      ? new SocketModeReceiver({ appToken: appToken!, logger: log, installerOptions: { clientOptions } })
      : new HTTPReceiver({
          signingSecret: signingSecret!,
          endpoints: SlackEventsPath,
          logger: log,
          // Ack as soon as a handler calls ack(): the 3 s deadline is Slack's, the work happens after.
          processBeforeResponse: false,
        });
  const app = new App({
    token: botToken,
    receiver,
    logger: log,
    logLevel: LogLevel.INFO,
    clientOptions,
    // auth.test runs in init(), where a wrong token or URL is an error we can report, not an unhandled rejection.
    deferInitialization: true,
  });
  app.error(async (error) => {
    logger({ level: 'error', context: 'slack', message: 'Unhandled error in a Slack listener', details: { error } });
  });
  try {
    await app.init();
  } catch (error) {
    throw new SlackSetupError(`auth.test failed at ${clientOptions.slackApiUrl}: ${(error as Error).message}`);
  }

  const client = app.client;
  const directory = new SlackDirectory({ client, logger });
  const uploader = new ThumbnailUploader({ client, logger, open: (ref) => service.openArtifact(ref) });
  const port = slackChatPort({ client, directory, service, uploader, snapshotUrl, diffUrl, logger });
  const progress = new MessageProgress({ service, port, logger });
  const fairUse = new FairUse({ snapsPerUserPerMinute: config.rateLimit.snapsPerUserPerMinute });
  const chat = { service, port, fairUse, progress, logger, snapshotUrl };
  const deliver = createShareEventHandler({ client, service, uploader, snapshotUrl, diffUrl, logger, progress });
  const common = { client, service, uploader, snapshotUrl, diffUrl, logger, directory, chat };
  registerSnapCommand(app, common);
  registerFindCommand(app, common);
  registerTagsCommand(app, common);
  registerConfigCommand(app, common);
  registerWatchCommands(app, common);
  // Slack sends a click on a notice's link button to the app too; it only has to be acknowledged.
  app.action(new RegExp(`^${NoticeLinkActionPrefix}`), async ({ ack }) => {
    await ack();
  });
  registerManageActions(app, common);
  registerAutoCapture(app, common);
  registerLifecycleEvents(app, logger);

  let stopped = false;
  if (mode === 'socket') {
    await app.start();
  } else {
    const http = receiver as HTTPReceiver;
    options.http!.mount(SlackEventsPath, (req, res) => {
      if (stopped) {
        res.writeHead(503).end();
        return;
      }
      // A mount may hand the request on with its prefix stripped; Bolt routes on the full path.
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname === '/' || url.pathname === '') req.url = `${SlackEventsPath}${url.search}`;
      // Headers checked and body read within the API's cap before Bolt sees the request (events-guard.ts).
      guardSlackRequest(req, res, (buffered) => {
        try {
          http.requestListener(buffered, res);
        } catch (error) {
          HTTPModuleFunctions.defaultDispatchErrorHandler({ error: error as never, logger: log, request: buffered, response: res });
        }
      });
    });
  }
  const unsubscribe = service.subscribe('slack', deliver);
  const unsubscribeNotices = service.subscribeNotices('slack', createNoticePoster({ client, uploader, snapshotUrl, diffUrl, logger }), {
    isPermanentFailure: isPermanentSlackError,
  });

  return {
    app,
    mode,
    async stop() {
      if (stopped) return;
      stopped = true;
      unsubscribe();
      unsubscribeNotices();
      if (mode === 'socket') await app.stop();
    },
  };
}
