// The HTML pages: the home page (add link on top of link management), snapshot view, sign in.
// Each one reads through the same service calls as the API. The diff view and the watch form
// are in change-routes.ts.
import { PublicViewer } from '../core/visibility.js';
import { LinksnapError, RateLimitedError } from '../core/errors.js';
import { RateLimiter } from '../core/rate-limit.js';
import { parseTagList } from '../core/tags.js';
import { ShownTextChars } from '../core/text.js';
import type { OpenedArtifact, Snapshot, Watch } from '../core/types.js';
import { listWorkspaces, workspaceRef, findQueryFrom } from './api-routes.js';
import { errorMessage } from '../core/chat/present.js';
import { SessionCookie } from './access.js';
import { ClientScript } from './assets/client-script.js';
import { StyleSheet } from './assets/style-sheet.js';
import { cookie, readForm, redirect, sendHtml } from './http-io.js';
import type { Router } from './router.js';
import { checkId, checkWorkspaceId, requireAuth, signedMayShow, snapshotGrant, WorkspaceCookie, type WebContext, type WebDeps } from './web-context.js';
import type { AddFormState, ImportFormState } from './views/add-form.js';
import type { LayoutOptions } from './views/layout.js';
import { linksPage } from './views/links-page.js';
import { loginPage } from './views/login-page.js';
import { snapshotPage, type WatchFormState } from './views/snapshot-page.js';

/** Sign-in attempts per client address a minute: enough for typos, too few to guess a token. */
const LoginAttemptsPerMinute = 10;
const SessionMaxAgeSec = 30 * 86_400;

export function registerPageRoutes(router: Router<WebContext>, deps: WebDeps): void {
  const { service } = deps;
  const loginAttempts = new RateLimiter({ limit: LoginAttemptsPerMinute, windowMs: 60_000 });

  router.on('GET', '/', async (ctx) => {
    requireAuth(ctx);
    await renderHome(ctx, deps, 200, { url: ctx.url.searchParams.get('url') ?? '' });
  });

  router.on('GET', '/assets/style.css', (ctx) => sendAsset(ctx, StyleSheet, 'text/css; charset=utf-8'));
  router.on('GET', '/assets/app.js', (ctx) => sendAsset(ctx, ClientScript, 'text/javascript; charset=utf-8'));

  router.on('GET', '/healthz', (ctx) => {
    ctx.res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    ctx.res.end('{"ok":true}');
  });

  // The list and the add form used to be pages of their own; old bookmarks land on the home page.
  router.on('GET', '/links', (ctx) => redirect(ctx.res, `/${ctx.url.search}`));
  router.on('GET', '/add', (ctx) => redirect(ctx.res, `/${ctx.url.search}`));

  // Without scripts the form posts here; the page script uses the JSON API instead.
  router.on('POST', '/add', async (ctx) => {
    requireAuth(ctx);
    const form = await readForm(ctx.req);
    const url = (form.get('url') ?? '').trim();
    const tags = form.get('tags') ?? '';
    try {
      const accepted = await service.snap({
        url,
        tags: parseTagList(tags),
        force: form.get('force') === '1',
        workspace: await workspaceRef(deps, ctx.pageWorkspace),
        requester: { id: 'local', name: 'web' },
        source: { platform: 'web' },
      });
      redirect(ctx.res, `/s/${encodeURIComponent(accepted.snapshot.id)}`);
    } catch (error) {
      if (!(error instanceof LinksnapError) || error.code === 'internal') throw error;
      await renderHome(ctx, deps, 400, { url, tags, error: errorMessage(ctx.locale, error) });
    }
  });

  router.on('GET', '/s/:id', (ctx) => renderSnapshotPage(ctx, deps, checkId(ctx.params.id), 200));

  router.on('GET', '/workspace', async (ctx) => {
    requireAuth(ctx);
    const ws = checkWorkspaceId(ctx.url.searchParams.get('ws'));
    await workspaceRef(deps, ws);
    redirect(ctx.res, '/', { 'set-cookie': cookie(WorkspaceCookie, ws, { maxAgeSec: 365 * 86_400, secure: secureCookies(deps) }) });
  });

  router.on('GET', '/login', async (ctx) => {
    if (!deps.policy.tokenRequired || ctx.authorized) return redirect(ctx.res, safeNext(ctx.url.searchParams.get('next')));
    sendHtml(ctx.res, 200, loginPage(await layoutOptions(ctx, deps, true), safeNext(ctx.url.searchParams.get('next')), false));
  });

  router.on('POST', '/login', async (ctx) => {
    const attempt = loginAttempts.take(ctx.req.socket.remoteAddress ?? 'unknown');
    if (!attempt.ok) throw new RateLimitedError(attempt.retryAfterMs);
    const form = await readForm(ctx.req);
    const next = safeNext(form.get('next'));
    const session = deps.policy.sessionCookieValue();
    if (!session || !deps.policy.checkToken(form.get('token') ?? '')) {
      deps.logger({ level: 'warn', context: 'web', message: 'Sign-in with a wrong token', details: { remote: ctx.req.socket.remoteAddress } });
      sendHtml(ctx.res, 401, loginPage(await layoutOptions(ctx, deps, true), next, true));
      return;
    }
    redirect(ctx.res, next, { 'set-cookie': cookie(SessionCookie, session, { maxAgeSec: SessionMaxAgeSec, secure: secureCookies(deps) }) });
  });

  router.on('POST', '/logout', (ctx) => {
    redirect(ctx.res, '/login', { 'set-cookie': cookie(SessionCookie, '', { maxAgeSec: 0, secure: secureCookies(deps) }) });
  });
}

export async function layoutOptions(ctx: WebContext, deps: WebDeps, minimal = false): Promise<Omit<LayoutOptions, 'title'>> {
  const base = { locale: ctx.locale, t: ctx.t, here: ctx.url, workspace: ctx.pageWorkspace };
  if (minimal || !ctx.authorized) return base;
  const workspaces = (await listWorkspaces(deps)).map((w) => ({
    id: w.id,
    label: w.id === 'local' ? ctx.t('workspace.local') : `${w.name ?? w.id} (${w.platform}, ${w.links})`,
  }));
  return { ...base, workspaces, signOut: deps.policy.tokenRequired };
}

/**
 * The home page: the add form (re-shown with `add` after a refused link) on top of the link list;
 * `imported` is what an upload through the import form did (import-routes.ts).
 */
export async function renderHome(ctx: WebContext, deps: WebDeps, status: number, add: AddFormState, imported: ImportFormState | null = null, headers: Record<string, string> = {}): Promise<void> {
  const params = new URLSearchParams(ctx.url.searchParams);
  params.set('workspace', ctx.pageWorkspace);
  const query = findQueryFrom(params);
  const [result, tags, watches] = await Promise.all([
    deps.service.find(query),
    deps.service.listTags(ctx.pageWorkspace, null),
    deps.service.listWatches(ctx.pageWorkspace),
  ]);
  sendHtml(
    ctx.res,
    status,
    linksPage(await layoutOptions(ctx, deps), {
      result,
      tags,
      activeTags: query.tags,
      query: query.text ?? '',
      dead: query.dead,
      cursor: query.cursor,
      watches: byLink(watches),
      add,
      imported,
    }),
    headers,
  );
}

/**
 * The snapshot view, for GET and for the watch form re-shown with `watchForm` after a refused
 * schedule. Full access or the snapshot's signed link; only full access sees shares and watches.
 */
export async function renderSnapshotPage(ctx: WebContext, deps: WebDeps, id: string, status: number, watchForm?: WatchFormState): Promise<void> {
  const { service } = deps;
  const grant = snapshotGrant(ctx, deps, id);
  const snapshot = await service.getSnapshotById(id);
  const [link, allVersions, shares, watches] = await Promise.all([
    // A signed link may be passed on: it shows only tags given in places open to the workspace.
    service.getLink(snapshot.workspaceId, snapshot.linkId, grant ? PublicViewer : null),
    service.listVersions(snapshot.workspaceId, snapshot.linkId),
    grant ? Promise.resolve([]) : service.listShares(snapshot.workspaceId, snapshot.linkId),
    grant ? Promise.resolve([]) : service.listWatches(snapshot.workspaceId),
  ]);
  // A signed link shows its version and those before it, never a later one (nor offers it to compare).
  const versions = grant ? allVersions.filter((version) => signedMayShow(version, snapshot)) : allVersions;
  const options = await layoutOptions(ctx, deps, grant !== null);
  sendHtml(
    ctx.res,
    status,
    snapshotPage(options, {
      snapshot,
      link,
      versions,
      uploadable: uploadable(snapshot, allVersions),
      shares,
      text: await readText(deps, snapshot),
      grant,
      watches: watches.filter((watch) => watch.linkId === snapshot.linkId),
      watchForm,
    }),
  );
}

/** "Upload your own" is offered on the newest version of a link, when its capture failed or came out incomplete. */
export function uploadable(snapshot: Snapshot, versions: Snapshot[]): boolean {
  return versions[0]?.id === snapshot.id && (snapshot.status === 'failed' || (snapshot.status === 'done' && snapshot.degraded));
}

function byLink(watches: Watch[]): Map<string, Watch[]> {
  const map = new Map<string, Watch[]>();
  for (const watch of watches) map.set(watch.linkId, [...(map.get(watch.linkId) ?? []), watch]);
  return map;
}

export function secureCookies(deps: WebDeps): boolean {
  return deps.config.publicUrl.startsWith('https:');
}

/** Only paths on this site, so the login form cannot bounce someone elsewhere. */
function safeNext(next: string | null): string {
  return next && /^\/(?![/\\])[^\s]*$/.test(next) ? next : '/';
}

async function readText(deps: WebDeps, snapshot: Snapshot): Promise<{ content: string; truncated: boolean } | null> {
  const ref = deps.service.artifact(snapshot, 'text') ?? deps.service.artifact(snapshot, 'visibleText');
  if (!ref) return null;
  try {
    // UTF-8 takes up to 4 bytes a character; read enough for ShownTextChars and cut by characters.
    const wanted = Math.min(ref.size, ShownTextChars * 4);
    const buffer = wanted === 0 ? Buffer.alloc(0) : await readAll(await deps.service.openArtifact(ref, { start: 0, end: wanted - 1 }));
    const text = buffer.toString('utf8');
    const truncated = ref.size > buffer.length || text.length > ShownTextChars;
    return { content: truncated ? text.slice(0, ShownTextChars).replace(/\uFFFD$/, '') : text, truncated };
  } catch (error) {
    deps.logger({ level: 'warn', context: 'web', message: 'Could not read the text of a snapshot', details: { snapshotId: snapshot.id, error } });
    return null;
  }
}

async function readAll({ stream }: OpenedArtifact): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}

function sendAsset(ctx: WebContext, body: string, type: string): void {
  ctx.res.writeHead(200, {
    'content-type': type,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
  });
  ctx.res.end(ctx.req.method === 'HEAD' ? undefined : body);
}

