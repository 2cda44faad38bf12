// The replay origin (LINKSNAP_REPLAY_URL): ReplayWeb.page's viewer, its service worker and the
// WACZ files it loads, on a node:http server of its own. Archived scripts run during replay, so
// this origin holds nothing worth taking: it sets no cookies, has no API and no sign-in, reads the
// service only to open one snapshot's WACZ, and opens it only for that snapshot's signed link.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Config } from '../../config.js';
import { asLinksnapError, ErrorCode, ForbiddenError, LinksnapError, NotFoundError } from '../../core/errors.js';
import { localeFromAcceptLanguage } from '../../core/i18n.js';
import type { Logger } from '../../core/logger.js';
import type { SnapService } from '../../core/service-api.js';
import { sendArtifact } from '../artifact-response.js';
import type { LinkSigner } from '../link-signer.js';
import { translator } from '../messages.js';
import { httpStatusFor } from '../web-errors.js';
import { replayIndexPage, viewerPage } from './replay-page.js';

/**
 * Every response of this origin: it may load and connect to itself only. The viewer needs inline
 * styles and eval (its bundled UI), blob: and data: for what it rebuilds from the archive.
 */
export const ReplayOriginCsp =
  "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
  "font-src 'self' data:; media-src 'self' data: blob:; connect-src 'self'; worker-src 'self' blob:; frame-src 'self' data: blob:; " +
  "object-src 'none'; base-uri 'self'; form-action 'self'";

const CommonHeaders: Record<string, string> = {
  'content-security-policy': ReplayOriginCsp,
  'x-content-type-options': 'nosniff',
  // Viewer and WACZ URLs carry the signature; never hand it to another site.
  'referrer-policy': 'no-referrer',
  // Nothing here is for other origins to load as a script or an image.
  'cross-origin-resource-policy': 'same-origin',
};

/** The one signed link per snapshot this origin answers to; the `.wacz` ending tells the viewer what it loads. */
const ViewerPath = /^\/view\/([A-Za-z0-9_-]{1,100})$/;
const WaczPath = /^\/wacz\/([A-Za-z0-9_-]{1,100})\.wacz$/;

export interface ReplayServer {
  server: http.Server;
  /** Starts listening; resolves with the replay origin as browsers reach it. */
  listen(): Promise<string>;
  /** The replay origin: LINKSNAP_REPLAY_URL, with the port actually bound when it asked for any (0). */
  origin(): string;
  /** The viewer of one snapshot's WACZ, opened by `grant` (`sig=…&exp=…`, that snapshot's signature). */
  viewerUrl(snapshotId: string, grant: string): string;
  close(): Promise<void>;
}

export interface ReplayServerOptions {
  service: Pick<SnapService, 'getSnapshotById' | 'artifact' | 'openArtifact'>;
  config: Pick<Config, 'host' | 'port' | 'replayUrl'>;
  logger: Logger;
  signer: LinkSigner;
}

export function createReplayServer({ service, config, logger, signer }: ReplayServerOptions): ReplayServer {
  const viewerFiles = loadViewerFiles();
  let boundOrigin: string | null = null;

  const server = http.createServer((req, res) => {
    void handle(req, res).catch((thrown: unknown) => {
      const error = asLinksnapError(thrown);
      const status = httpStatusFor(error);
      if (status >= 500) logger({ level: 'error', context: 'web', message: 'Replay request failed', details: { path: req.url?.split('?')[0], error: thrown } });
      if (!res.headersSent) sendText(res, status, status >= 500 ? 'Internal error' : error.message);
      else res.destroy();
    });
  });
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;
  server.maxHeadersCount = 100;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      req.resume();
      sendText(res, 405, 'Only GET and HEAD are served here', { allow: 'GET, HEAD' });
      return;
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://replay.invalid');
    } catch {
      sendText(res, 400, 'Bad request target');
      return;
    }
    const file = viewerFiles.get(url.pathname);
    if (file) return sendViewerFile(req, res, file);
    if (url.pathname === '/replay/' || url.pathname === '/replay/index.html') {
      // What the service worker serves here once it runs; the first load, before it controls
      // the frame, reaches the network and gets the same page.
      sendPage(req, res, replayIndexPage());
      return;
    }
    const viewer = ViewerPath.exec(url.pathname);
    if (viewer) {
      const id = viewer[1];
      const grant = checkGrant(id, url);
      const snapshot = await service.getSnapshotById(id);
      if (!service.artifact(snapshot, 'wacz')) throw new NotFoundError('web archive (WACZ) of snapshot', id);
      const t = translator(localeFromAcceptLanguage(req.headers['accept-language']));
      sendPage(req, res, viewerPage({ snapshot, waczPath: `/wacz/${id}.wacz?${grant}`, origin: origin(), t }));
      return;
    }
    const wacz = WaczPath.exec(url.pathname);
    if (wacz) {
      const id = wacz[1];
      checkGrant(id, url);
      const snapshot = await service.getSnapshotById(id);
      const ref = service.artifact(snapshot, 'wacz');
      if (!ref) throw new NotFoundError('web archive (WACZ) of snapshot', id);
      await sendArtifact(req, res, snapshot, ref, (r, range) => service.openArtifact(r, range));
      return;
    }
    sendText(res, 404, 'Not found');
  }

  /** The snapshot's own signature, or 403; the answer is the same whether or not the id exists. */
  function checkGrant(id: string, url: URL): string {
    const sig = url.searchParams.get('sig');
    const exp = url.searchParams.get('exp');
    if (!signer.verify(id, sig, exp)) throw new ForbiddenError('This replay link is not valid for this snapshot, or it has expired');
    return `sig=${sig}${exp ? `&exp=${exp}` : ''}`;
  }

  function origin(): string {
    return boundOrigin ?? config.replayUrl;
  }

  return {
    server,
    origin,
    viewerUrl(snapshotId, grant) {
      return `${origin()}/view/${encodeURIComponent(snapshotId)}?${grant}`;
    },
    async listen() {
      const port = listenPort(config);
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, config.host, () => {
            server.off('error', reject);
            resolve();
          });
        });
      } catch (error) {
        // The port is not one the admin typed (LINKSNAP_PORT + 1 by default): say where it came from.
        throw new LinksnapError(ErrorCode.Internal, `The replay server could not listen on ${config.host}:${port} (LINKSNAP_REPLAY_URL ${config.replayUrl}, or LINKSNAP_PORT + 1): ${(error as Error).message}`, { cause: error });
      }
      const configured = new URL(config.replayUrl);
      if (configured.port === '0') {
        configured.port = String((server.address() as AddressInfo).port);
        boundOrigin = configured.origin;
      }
      logger({ level: 'info', context: 'web', message: 'Replay origin listening', details: { url: origin(), port: (server.address() as AddressInfo).port } });
      return origin();
    },
    async close() {
      await new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/**
 * The port LINKSNAP_REPLAY_URL names (0: any free one); an origin that names none (https:// behind
 * a proxy, on its default port) is served on LINKSNAP_PORT + 1.
 */
export function listenPort(config: Pick<Config, 'port' | 'replayUrl'>): number {
  const named = new URL(config.replayUrl).port;
  if (named !== '') return Number(named);
  return config.port === 0 ? 0 : config.port + 1;
}

interface ViewerFile {
  body: Buffer;
  etag: string;
}

/**
 * ReplayWeb.page's prebuilt browser files, read once and served unmodified (AGPL-3.0): its UI
 * script and its service worker, which must sit under /replay/ to take that scope.
 */
function loadViewerFiles(): Map<string, ViewerFile> {
  // The package exports index.html but not its folder; the files sit beside it.
  const dir = path.dirname(createRequire(import.meta.url).resolve('replaywebpage/index.html'));
  const files = new Map<string, ViewerFile>();
  for (const name of ['ui.js', 'sw.js']) {
    const body = readFileSync(path.join(dir, name));
    files.set(`/replay/${name}`, { body, etag: `"${createHash('sha256').update(body).digest('base64url')}"` });
  }
  return files;
}

function sendViewerFile(req: http.IncomingMessage, res: http.ServerResponse, file: ViewerFile): void {
  const headers = { ...CommonHeaders, etag: file.etag, 'cache-control': 'no-cache' };
  if (req.headers['if-none-match'] === file.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'content-type': 'text/javascript; charset=utf-8', 'content-length': String(file.body.length) });
  res.end(req.method === 'HEAD' ? undefined : file.body);
}

function sendPage(req: http.IncomingMessage, res: http.ServerResponse, page: { value: string }): void {
  res.writeHead(200, { ...CommonHeaders, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : page.value);
}

function sendText(res: http.ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...CommonHeaders, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(text);
}
