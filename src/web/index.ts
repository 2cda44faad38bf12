// The web page and HTTP API on node:http: pages, JSON API, artifacts, signed links, and mount
// points for other listeners (Slack's Bolt on /slack/events). See api-routes.ts and page-routes.ts.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpOrigin, type Config } from '../config.js';
import { asLinksnapError, ForbiddenError, NotFoundError, type LinksnapError } from '../core/errors.js';
import { describeError, localeFromAcceptLanguage, pickLocale, type Locale } from '../core/i18n.js';
import type { Logger } from '../core/logger.js';
import type { SnapService } from '../core/service-api.js';
import type { Snapshot } from '../core/types.js';
import { AccessPolicy, hostnameOf } from './access.js';
import { registerApiRoutes } from './api-routes.js';
import { registerChangeRoutes } from './change-routes.js';
import { cookie, parseCookies, redirect, sendHtml, sendJson, sendText } from './http-io.js';
import { loadLinkSecret, LinkSigner } from './link-signer.js';
import { translator } from './messages.js';
import { layoutOptions, registerPageRoutes, secureCookies } from './page-routes.js';
import { ProgressHub } from './progress.js';
import { createReplayServer } from './replay/replay-server.js';
import { registerReplayRoutes } from './replay/replay-routes.js';
import { Router } from './router.js';
import { checkWorkspaceId, LangCookie, WorkspaceCookie, type WebContext, type WebDeps } from './web-context.js';
import { AuthRequiredError, BadRequestError, httpStatusFor } from './web-errors.js';
import { errorPage } from './views/error-page.js';

export type RequestListener = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface WebServer {
  server: http.Server;
  /** Hands every request under `prefix` to `listener`, before any token check (Slack signs its own). */
  mount(prefix: string, listener: RequestListener): void;
  /** The link chat replies carry: opens this one snapshot without signing in. */
  snapshotUrl(snapshot: Pick<Snapshot, 'id'>): string;
  /**
   * The link a change notice carries: the diff view from `againstId` to this snapshot, opened with
   * the snapshot's own signature (`against` must be another version of the same link).
   */
  diffUrl(snapshot: Pick<Snapshot, 'id'>, againstId: string): string;
  /**
   * The replay origin (LINKSNAP_REPLAY_URL) as browsers reach it: after listen, with the port it
   * actually got when it asked for any.
   */
  replayOrigin(): string;
  /** Starts listening on config.host:config.port, and the replay origin beside it; resolves with the base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export interface WebServerOptions {
  service: SnapService;
  config: Config;
  logger: Logger;
}

const UnsafeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function createWebServer({ service, config, logger }: WebServerOptions): WebServer {
  const signer = new LinkSigner(loadLinkSecret(config.dataDir, config.linkSecret), { ttlSec: config.linkTtlSec });
  const policy = new AccessPolicy({ apiToken: config.apiToken, signer, allowedHosts: allowedHosts(config) });
  const hub = new ProgressHub(service, logger);
  const deps: WebDeps = { service, config, logger, signer, policy, hub, publicBase: () => publicBase() };
  const replay = createReplayServer({ service, config, logger, signer });
  const router = new Router<WebContext>();
  registerReplayRoutes(router, deps, replay);
  // First: /api/snapshots/:id/diff must be matched before api-routes' /api/snapshots/:id/:kind.
  registerChangeRoutes(router, deps);
  registerApiRoutes(router, deps);
  registerPageRoutes(router, deps);
  const mounts: Array<{ prefix: string; listener: RequestListener }> = [];
  let baseUrl: string | null = null;

  const server = http.createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      logger({ level: 'error', context: 'web', message: 'Request handler failed after responding', details: { path: req.url, error } });
      if (!res.headersSent) sendText(res, 500, 'Internal error');
      else res.destroy();
    });
  });
  // Bounded header and request time, so slow or huge requests cannot pin the process.
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;
  server.maxHeadersCount = 100;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://linksnap.invalid');
    } catch {
      sendText(res, 400, 'Bad request target');
      return;
    }
    const mounted = mounts.find((m) => url.pathname === m.prefix || url.pathname.startsWith(`${m.prefix}/`));
    if (mounted) {
      mounted.listener(req, res);
      return;
    }
    const ctx = context(req, res, url);
    const isApi = url.pathname === '/api' || url.pathname.startsWith('/api/');
    try {
      if (!policy.hostAllowed(req)) throw new ForbiddenError(`Requests for host ${String(req.headers.host ?? '(none)').slice(0, 100)} are not served here`);
      if (UnsafeMethods.has(req.method ?? '') && !policy.sameOrigin(req)) throw new ForbiddenError('Cross-site requests that change data are refused');
      if (!isApi && req.method === 'GET' && url.searchParams.has('lang')) {
        // The language switch: remember the choice, then show the same page without the parameter.
        const lang = pickLocale(url.searchParams.get('lang'));
        url.searchParams.delete('lang');
        redirect(res, url.pathname + url.search, { 'set-cookie': cookie(LangCookie, lang, { maxAgeSec: 365 * 86_400, secure: secureCookies(deps) }) });
        return;
      }
      const match = router.match(req.method ?? 'GET', url.pathname);
      if (match.kind === 'not-found') throw new NotFoundError('page', url.pathname);
      if (match.kind === 'method-not-allowed') {
        req.resume();
        sendJson(res, 405, { error: { code: 'method_not_allowed', message: `${req.method} is not allowed on ${url.pathname}` } }, { allow: match.allow.join(', ') });
        return;
      }
      ctx.params = match.params;
      await match.handler(ctx);
    } catch (thrown) {
      await fail(ctx, isApi, thrown);
    }
  }

  function context(req: http.IncomingMessage, res: http.ServerResponse, url: URL): WebContext {
    const cookies = parseCookies(req.headers.cookie);
    const locale: Locale = cookies[LangCookie] ? pickLocale(cookies[LangCookie]) : localeFromAcceptLanguage(req.headers['accept-language']);
    let pageWorkspace = 'local';
    try {
      pageWorkspace = checkWorkspaceId(cookies[WorkspaceCookie]);
    } catch {
      // A mangled cookie falls back to the local workspace rather than locking the page.
    }
    return { req, res, url, params: {}, locale, t: translator(locale), authorized: policy.access(req).kind === 'full', pageWorkspace };
  }

  async function fail(ctx: WebContext, isApi: boolean, thrown: unknown): Promise<void> {
    const error: LinksnapError = asLinksnapError(thrown);
    const status = httpStatusFor(error);
    if (status >= 500) logger({ level: 'error', context: 'web', message: 'Request failed', details: { path: ctx.url.pathname, error: thrown } });
    else logger({ level: 'debug', context: 'web', message: 'Request refused', details: { path: ctx.url.pathname, status, code: error.code } });
    if (!ctx.req.complete) ctx.req.resume();
    if (ctx.res.headersSent) {
      ctx.res.destroy();
      return;
    }
    // Internal details stay in the log; the client learns only that something broke.
    const message = status >= 500 ? 'Internal error; see the server log' : error.message;
    const headers: Record<string, string> = {};
    if (status === 401) headers['www-authenticate'] = 'Bearer realm="linksnap"';
    if (status === 429 && typeof error.details.retryAfterMs === 'number') headers['retry-after'] = String(Math.ceil(error.details.retryAfterMs / 1000));
    if (status === 413) headers.connection = 'close';
    if (isApi || ctx.req.method !== 'GET') {
      if (!isApi && error instanceof AuthRequiredError) return redirect(ctx.res, '/login');
      sendJson(ctx.res, status, { error: { code: error.code, message, localized: describeError(ctx.locale, error.code, null) } }, headers);
      return;
    }
    if (error instanceof AuthRequiredError) return redirect(ctx.res, `/login?next=${encodeURIComponent(ctx.url.pathname + ctx.url.search)}`);
    try {
      const options = await layoutOptions(ctx, deps, true);
      sendHtml(ctx.res, status, errorPage(options, status, status === 404 ? '' : message), headers);
    } catch {
      sendText(ctx.res, status, message, headers);
    }
  }

  return {
    server,
    mount(prefix, listener) {
      const clean = `/${prefix.replace(/^\/+|\/+$/g, '')}`;
      if (['/', '/api', '/s', '/assets', '/links', '/add', '/login', '/logout'].some((taken) => clean === taken || clean.startsWith(`${taken}/`))) {
        throw new BadRequestError(`Cannot mount a listener on ${prefix}: it would shadow the web page or the API`);
      }
      mounts.push({ prefix: clean, listener });
    },
    snapshotUrl(snapshot) {
      return `${publicBase()}/s/${encodeURIComponent(snapshot.id)}?${signer.query(snapshot.id)}`;
    },
    diffUrl(snapshot, againstId) {
      return `${publicBase()}/s/${encodeURIComponent(snapshot.id)}/diff?against=${encodeURIComponent(againstId)}&${signer.query(snapshot.id)}`;
    },
    replayOrigin: () => replay.origin(),
    async listen() {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      try {
        await replay.listen();
      } catch (error) {
        // Without its replay origin the page would offer a Replay that cannot load; fail the start.
        await new Promise<void>((resolve) => server.close(() => resolve()));
        throw error;
      }
      hub.start();
      const { port } = server.address() as AddressInfo;
      const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
      baseUrl = httpOrigin(host, port);
      logger({ level: 'info', context: 'web', message: 'Web page listening', details: { url: baseUrl, publicUrl: publicBase(), replayUrl: replay.origin(), token: policy.tokenRequired } });
      return baseUrl;
    },
    async close() {
      hub.stop();
      await Promise.all([
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
        replay.close(),
      ]);
    },
  };

  /** The configured public URL; with an ephemeral port (`:0`, tests) the address actually bound. */
  function publicBase(): string {
    try {
      if (baseUrl && new URL(config.publicUrl).port === '0') return baseUrl;
    } catch {
      // An unparsable public URL is used as given; config.ts owns its validation.
    }
    return config.publicUrl;
  }
}

/** Host names the open (token-less) server answers to; null when it listens on every interface. */
function allowedHosts(config: Config): string[] | null {
  if (config.host === '0.0.0.0' || config.host === '::') return null;
  const hosts = ['localhost', '127.0.0.1', '[::1]', hostnameOf(config.host.includes(':') ? `[${config.host}]` : config.host)];
  try {
    hosts.push(new URL(config.publicUrl).hostname.toLowerCase());
  } catch {
    // See publicBase.
  }
  return hosts.filter((h): h is string => Boolean(h));
}
