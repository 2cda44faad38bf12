// Routes for pages that change and die: watches (the JSON API, and the snapshot view's form) and
// the difference between two versions of a link (the JSON API, and the side-by-side page a chat
// change notice links to with the newer snapshot's signature; a signature reaches only older
// versions, see signedMayShow). Registered before api-routes.ts,
// whose /api/snapshots/:id/:kind would otherwise answer /api/snapshots/:id/diff.
import { LinksnapError, NotFoundError, InvalidInputError } from '../core/errors.js';
import { errorMessage } from '../core/chat/present.js';
import type { Snapshot, SnapshotDiff, Watch, WatchRequest } from '../core/types.js';
import { PublicViewer } from '../core/visibility.js';
import { workspaceRef } from './api-routes.js';
import { sendArtifact } from './artifact-response.js';
import { readForm, readJson, redirect, sendHtml, sendJson } from './http-io.js';
import { layoutOptions, renderSnapshotPage } from './page-routes.js';
import type { Router } from './router.js';
import { artifactPath } from './snapshot-json.js';
import { checkId, checkSignedAgainst, checkWorkspaceId, requireAuth, snapshotGrant, type WebContext, type WebDeps } from './web-context.js';
import { BadRequestError } from './web-errors.js';
import { diffPage } from './views/diff-page.js';

/** What the web page and the API set a watch from: no chat channel, so changes are only kept as versions. */
const WebPlace: WatchRequest['place'] = { platform: 'web', channelId: null };
const WebRequester = { id: 'local', name: 'web' };

export function registerChangeRoutes(router: Router<WebContext>, deps: WebDeps): void {
  const { service } = deps;

  router.on('GET', '/api/watches', async (ctx) => {
    requireAuth(ctx);
    const workspaceId = checkWorkspaceId(ctx.url.searchParams.get('workspace'));
    sendJson(ctx.res, 200, { watches: (await service.listWatches(workspaceId)).map(watchJson) });
  });

  router.on('POST', '/api/watches', async (ctx) => {
    requireAuth(ctx);
    const body = await readJson(ctx.req);
    if (typeof body.url !== 'string' || !body.url.trim()) throw new InvalidInputError('Send the link to watch as "url" (a string)');
    if (body.url.length > 4096) throw new InvalidInputError('"url" is longer than 4096 characters');
    if (typeof body.every !== 'string' || !body.every.trim()) throw new InvalidInputError('Send how often to capture it as "every": hourly, daily, weekly or a five-field cron expression');
    if (body.every.length > 200) throw new InvalidInputError('"every" is longer than 200 characters');
    if (body.workspace !== undefined && typeof body.workspace !== 'string') throw new InvalidInputError('"workspace" must be a string');
    const workspace = await workspaceRef(deps, checkWorkspaceId(body.workspace as string | undefined));
    const accepted = await service.watch({ url: body.url.trim(), every: body.every, workspace, requester: WebRequester, place: WebPlace });
    sendJson(ctx.res, accepted.created ? 201 : 200, { watch: watchJson(accepted.watch), created: accepted.created }, { location: `/api/watches/${encodeURIComponent(accepted.watch.id)}` });
  });

  router.on('DELETE', '/api/watches/:id', async (ctx) => {
    requireAuth(ctx);
    const id = checkId(ctx.params.id, 'watch');
    const workspaceId = checkWorkspaceId(ctx.url.searchParams.get('workspace'));
    if (!(await service.removeWatch(workspaceId, id))) throw new NotFoundError('watch', id);
    sendJson(ctx.res, 204, null);
  });

  router.on('GET', '/api/snapshots/:id/diff', async (ctx) => {
    const id = checkId(ctx.params.id);
    // Before any lookup, so a missing and an existing id answer alike without a valid signature.
    const grant = snapshotGrant(ctx, deps, id);
    const against = optionalId(ctx.url.searchParams.get('against'));
    const snapshot = await service.getSnapshotById(id);
    if (grant && against) checkSignedAgainst(grant, snapshot, await service.getSnapshot(snapshot.workspaceId, against));
    sendJson(ctx.res, 200, diffJson(await service.diff(snapshot.workspaceId, id, against)));
  });

  // The other version's screenshot for the diff view, reachable with this snapshot's signature:
  // the signature opens the older versions of its own link as far as comparing them goes.
  router.on('GET', '/api/snapshots/:id/diff/screenshot', async (ctx) => {
    const id = checkId(ctx.params.id);
    const grant = snapshotGrant(ctx, deps, id);
    const againstId = optionalId(ctx.url.searchParams.get('against'));
    if (!againstId) throw new BadRequestError('Name the version whose screenshot to show as "against"');
    const snapshot = await service.getSnapshotById(id);
    const other = await service.getSnapshot(snapshot.workspaceId, againstId);
    if (other.linkId !== snapshot.linkId) throw new BadRequestError('"against" must be another version of the same link');
    checkSignedAgainst(grant, snapshot, other);
    const ref = service.artifact(other, 'screenshot');
    if (!ref) throw new NotFoundError('screenshot of snapshot', againstId);
    await sendArtifact(ctx.req, ctx.res, other, ref, (artifact, range) => service.openArtifact(artifact, range));
  });

  router.on('GET', '/s/:id/diff', async (ctx) => {
    const id = checkId(ctx.params.id);
    const grant = snapshotGrant(ctx, deps, id);
    const snapshot = await service.getSnapshotById(id);
    const againstId = optionalId(ctx.url.searchParams.get('against'));
    const diff = await orderedDiff(deps, snapshot, againstId, grant);
    const link = await service.getLink(snapshot.workspaceId, snapshot.linkId, grant ? PublicViewer : null);
    const suffix = grant ? `?${grant}` : '';
    const urls = (version: Snapshot) => {
      const screenshot = !version.artifacts.screenshot
        ? null
        : !grant
          ? artifactPath(version.id, 'screenshot')
          : version.id === id
            ? `${artifactPath(id, 'screenshot')}${suffix}`
            : `/api/snapshots/${encodeURIComponent(id)}/diff/screenshot?against=${encodeURIComponent(version.id)}&${grant}`;
      const view = !grant || version.id === id ? `/s/${encodeURIComponent(version.id)}${version.id === id ? suffix : ''}` : null;
      return { screenshot, view };
    };
    sendHtml(ctx.res, 200, diffPage(await layoutOptions(ctx, deps, grant !== null), { diff, link, urls }));
  });

  router.on('POST', '/s/:id/watch', async (ctx) => {
    requireAuth(ctx);
    const id = checkId(ctx.params.id);
    const form = await readForm(ctx.req);
    const snapshot = await service.getSnapshotById(id);
    const link = await service.getLink(snapshot.workspaceId, snapshot.linkId);
    const choice = (form.get('every') ?? '').trim();
    const cron = (form.get('cron') ?? '').trim();
    try {
      await service.watch({
        url: link.url,
        every: choice === 'cron' ? cron : choice,
        workspace: await workspaceRef(deps, snapshot.workspaceId),
        requester: WebRequester,
        place: WebPlace,
      });
    } catch (error) {
      if (!(error instanceof LinksnapError) || error.code === 'internal') throw error;
      await renderSnapshotPage(ctx, deps, id, 400, { every: choice, cron, error: errorMessage(ctx.locale, error) });
      return;
    }
    redirect(ctx.res, `/s/${encodeURIComponent(id)}#watch`);
  });

  router.on('POST', '/s/:id/unwatch', async (ctx) => {
    requireAuth(ctx);
    const id = checkId(ctx.params.id);
    await readForm(ctx.req);
    const snapshot = await service.getSnapshotById(id);
    const link = await service.getLink(snapshot.workspaceId, snapshot.linkId);
    await service.unwatch(snapshot.workspaceId, WebPlace.channelId, link.url);
    redirect(ctx.res, `/s/${encodeURIComponent(id)}#watch`);
  });
}

/** The page reads older to newer whichever of the two was named first; the API keeps the order it was asked in. */
async function orderedDiff(deps: WebDeps, snapshot: Snapshot, againstId: string | null, grant: string | null): Promise<SnapshotDiff> {
  if (!againstId) return deps.service.diff(snapshot.workspaceId, snapshot.id);
  const other = await deps.service.getSnapshot(snapshot.workspaceId, againstId);
  checkSignedAgainst(grant, snapshot, other);
  return Date.parse(other.createdAt) > Date.parse(snapshot.createdAt)
    ? deps.service.diff(snapshot.workspaceId, other.id, snapshot.id)
    : deps.service.diff(snapshot.workspaceId, snapshot.id, other.id);
}

function optionalId(value: string | null): string | null {
  return value === null || value === '' ? null : checkId(value);
}

export function watchJson(watch: Watch) {
  return {
    id: watch.id,
    workspaceId: watch.workspaceId,
    linkId: watch.linkId,
    url: watch.url,
    platform: watch.platform,
    channelId: watch.channelId,
    channelName: watch.channelName,
    every: watch.every,
    createdBy: watch.createdBy,
    createdAt: watch.createdAt,
    nextRunAt: watch.nextRunAt,
    lastRunAt: watch.lastRunAt,
    lastSnapshotId: watch.lastSnapshotId,
    failures: watch.failures,
  };
}

/** The two versions by id and time only: a signed link's holder sees the diff, not the other version's files. */
export function diffJson(diff: SnapshotDiff) {
  const version = (s: Snapshot) => ({ id: s.id, status: s.status, createdAt: s.createdAt, capturedAt: s.capturedAt, title: s.title });
  return {
    from: version(diff.from),
    to: version(diff.to),
    changed: diff.changed,
    added: diff.added,
    removed: diff.removed,
    approximate: diff.approximate,
    hunks: diff.hunks.map((h) => ({ oldStart: h.oldStart, oldLines: h.oldLines, newStart: h.newStart, newLines: h.newLines, lines: h.lines })),
  };
}
