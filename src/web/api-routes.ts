// The JSON API under /api. Shapes are documented in the README (web section).
import { PublicViewer } from '../core/visibility.js';
import { InvalidInputError, NotFoundError } from '../core/errors.js';
import { describeError } from '../core/i18n.js';
import { normalizeTags, parseTagList } from '../core/tags.js';
import type { Platform, Snapshot, WorkspaceRef } from '../core/types.js';
import { sendArtifact } from './artifact-response.js';
import { readJson, sendJson } from './http-io.js';
import type { Router } from './router.js';
import { linkJson, ServedKinds, snapshotJson } from './snapshot-json.js';
import { checkId, checkWorkspaceId, LocalWorkspace, requireAuth, signedMayShow, snapshotGrant, type WebContext, type WebDeps } from './web-context.js';
import { BadRequestError } from './web-errors.js';
import { registerExportRoutes } from './export-routes.js';
import { registerImportRoutes } from './import-routes.js';
import { registerFeedRoutes } from './feed-routes.js';
import { registerUploadRoutes } from './upload-routes.js';

const MaxTags = 50;
const DefaultPageSize = 24;
const MaxPageSize = 100;

export function registerApiRoutes(router: Router<WebContext>, deps: WebDeps): void {
  const { service } = deps;
  registerExportRoutes(router, deps);
  registerImportRoutes(router, deps);
  registerFeedRoutes(router, deps);
  registerUploadRoutes(router, deps);

  router.on('GET', '/api/workspaces', async (ctx) => {
    requireAuth(ctx);
    sendJson(ctx.res, 200, { workspaces: await listWorkspaces(deps) });
  });

  router.on('GET', '/api/tags', async (ctx) => {
    requireAuth(ctx);
    const workspaceId = checkWorkspaceId(ctx.url.searchParams.get('workspace'));
    sendJson(ctx.res, 200, { tags: await service.listTags(workspaceId, null) });
  });

  router.on('GET', '/api/snapshots', async (ctx) => {
    requireAuth(ctx);
    const query = findQueryFrom(ctx.url.searchParams);
    const result = await service.find(query);
    sendJson(ctx.res, 200, {
      items: result.items.map((item) => ({ link: linkJson(item.link), snapshot: snapshotJson(item.snapshot) })),
      nextCursor: result.nextCursor,
    });
  });

  router.on('POST', '/api/snapshots', async (ctx) => {
    requireAuth(ctx);
    const body = await readJson(ctx.req);
    const request = snapRequestFrom(body);
    const workspace = await workspaceRef(deps, request.workspaceId);
    const accepted = await service.snap({
      url: request.url,
      tags: request.tags,
      force: request.force,
      workspace,
      requester: { id: 'local', name: 'web' },
      source: { platform: 'web' },
    });
    deps.logger({
      level: 'info',
      context: 'web',
      message: accepted.deduplicated ? 'Web snap reused a recent snapshot' : 'Web snap queued',
      details: { snapshotId: accepted.snapshot.id, url: accepted.link.url, workspace: workspace.id },
    });
    sendJson(
      ctx.res,
      202,
      {
        snapshot: snapshotJson(accepted.snapshot),
        link: linkJson(accepted.link),
        deduplicated: accepted.deduplicated,
        firstShare: accepted.firstShare ? shareJson(accepted.firstShare) : null,
        eventsUrl: `/api/snapshots/${encodeURIComponent(accepted.snapshot.id)}/events`,
      },
      { location: `/api/snapshots/${encodeURIComponent(accepted.snapshot.id)}` },
    );
  });

  router.on('GET', '/api/snapshots/:id', async (ctx) => {
    const id = checkId(ctx.params.id);
    const grant = snapshotGrant(ctx, deps, id);
    const snapshot = await service.getSnapshotById(id);
    const link = await service.getLink(snapshot.workspaceId, snapshot.linkId, grant ? PublicViewer : null);
    const versions = await service.listVersions(snapshot.workspaceId, snapshot.linkId);
    const body: Record<string, unknown> = {
      snapshot: snapshotJson(snapshot, grant),
      link: linkJson(link),
      // A signed link opens one snapshot; the older versions are listed, not opened, and later ones not at all.
      versions: grant
        ? versions.filter((v) => signedMayShow(v, snapshot)).map((v) => ({ id: v.id, status: v.status, createdAt: v.createdAt, capturedAt: v.capturedAt }))
        : versions.map((v) => snapshotJson(v)),
    };
    if (!grant) body.shares = (await service.listShares(snapshot.workspaceId, snapshot.linkId)).map(shareJson);
    sendJson(ctx.res, 200, body);
  });

  router.on('PATCH', '/api/snapshots/:id', async (ctx) => {
    requireAuth(ctx);
    const id = checkId(ctx.params.id);
    const body = await readJson(ctx.req);
    const snapshot = await service.getSnapshotById(id);
    const set = body.tags === undefined ? null : tagList(body.tags, 'tags');
    const add = body.add === undefined ? [] : tagList(body.add, 'add');
    const remove = body.remove === undefined ? [] : tagList(body.remove, 'remove');
    if (set === null && !add.length && !remove.length) throw new BadRequestError('Send "tags" (the new list), "add" or "remove"');
    let link = set !== null ? await service.setTags(snapshot.workspaceId, snapshot.linkId, set) : await service.getLink(snapshot.workspaceId, snapshot.linkId);
    if (add.length) link = await service.addTags(snapshot.workspaceId, snapshot.linkId, add);
    if (remove.length) link = await service.removeTags(snapshot.workspaceId, snapshot.linkId, remove);
    sendJson(ctx.res, 200, { link: linkJson(link) });
  });

  router.on('DELETE', '/api/snapshots/:id', async (ctx) => {
    requireAuth(ctx);
    const id = checkId(ctx.params.id);
    const snapshot = await service.getSnapshotById(id);
    await service.forgetLink(snapshot.workspaceId, snapshot.linkId);
    deps.logger({ level: 'info', context: 'web', message: 'Link deleted from the web page', details: { snapshotId: id, linkId: snapshot.linkId } });
    sendJson(ctx.res, 204, null);
  });

  router.on('GET', '/api/snapshots/:id/events', async (ctx) => {
    const id = checkId(ctx.params.id);
    const grant = snapshotGrant(ctx, deps, id);
    const snapshot = await service.getSnapshotById(id);
    deps.hub.stream(ctx.req, ctx.res, snapshot, (s: Snapshot) => ({
      ...snapshotJson(s, grant),
      errorText: s.status === 'failed' ? describeError(ctx.locale, s.errorCode, s.error) : null,
    }));
  });

  router.on('GET', '/api/snapshots/:id/:kind', async (ctx) => {
    const id = checkId(ctx.params.id);
    const kind = Object.hasOwn(ServedKinds, ctx.params.kind) ? ServedKinds[ctx.params.kind] : null;
    if (!kind) throw new NotFoundError('artifact kind', ctx.params.kind);
    snapshotGrant(ctx, deps, id);
    const snapshot = await service.getSnapshotById(id);
    const ref = service.artifact(snapshot, kind);
    if (!ref) throw new NotFoundError(`${kind} of snapshot`, id);
    await sendArtifact(ctx.req, ctx.res, snapshot, ref, (artifact, range) => service.openArtifact(artifact, range));
  });
}

export async function listWorkspaces(deps: WebDeps): Promise<Array<{ id: string; platform: Platform; name: string | null; links: number }>> {
  const all = await deps.service.listWorkspaces();
  return all.some((w) => w.id === LocalWorkspace) ? all : [{ id: LocalWorkspace, platform: 'web', name: null, links: 0 }, ...all];
}

/** Web captures go to `local` unless the page switched to another workspace the host keeps. */
export async function workspaceRef(deps: WebDeps, workspaceId: string): Promise<WorkspaceRef> {
  if (workspaceId === LocalWorkspace) return { id: LocalWorkspace, platform: 'web' };
  const found = (await deps.service.listWorkspaces()).find((w) => w.id === workspaceId);
  if (!found) throw new NotFoundError('workspace', workspaceId);
  return { id: found.id, platform: found.platform, ...(found.name ? { name: found.name } : {}) };
}

export function findQueryFrom(params: URLSearchParams) {
  const tags = normalizeTags(params.getAll('tag').flatMap((value) => parseTagList(value)));
  const text = params.get('q')?.trim() || undefined;
  if (text && text.length > 500) throw new BadRequestError('The search text is longer than 500 characters');
  const limitRaw = params.get('limit');
  const limit = limitRaw === null ? DefaultPageSize : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 1 || limit > MaxPageSize) throw new BadRequestError(`limit must be a whole number from 1 to ${MaxPageSize}`);
  const cursor = params.get('cursor') || null;
  if (cursor && cursor.length > 500) throw new BadRequestError('The cursor is not valid');
  return { workspaceId: checkWorkspaceId(params.get('workspace')), tags, text, limit, cursor, viewer: null, dead: flag(params.get('dead'), 'dead') };
}

/** A yes/no query parameter: true or 1, false or 0; absent is false. */
function flag(value: string | null, name: string): boolean {
  if (value === null || value === '' || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  throw new BadRequestError(`${name} must be true or false`);
}

function snapRequestFrom(body: Record<string, unknown>): { url: string; tags: string[]; force: boolean; workspaceId: string } {
  if (typeof body.url !== 'string' || !body.url.trim()) throw new InvalidInputError('Send the link to capture as "url" (a string)');
  if (body.url.length > 4096) throw new InvalidInputError('"url" is longer than 4096 characters');
  if (body.force !== undefined && typeof body.force !== 'boolean') throw new InvalidInputError('"force" must be true or false');
  if (body.workspace !== undefined && typeof body.workspace !== 'string') throw new InvalidInputError('"workspace" must be a string');
  return {
    url: body.url.trim(),
    tags: body.tags === undefined ? [] : tagList(body.tags, 'tags'),
    force: body.force === true,
    workspaceId: checkWorkspaceId(body.workspace as string | undefined),
  };
}

/** Tags as a JSON array of strings, or one string separated by spaces or commas. */
function tagList(value: unknown, field: string): string[] {
  let tags: string[];
  if (typeof value === 'string') tags = parseTagList(value);
  else if (Array.isArray(value) && value.every((item) => typeof item === 'string')) tags = normalizeTags(value as string[]);
  else throw new InvalidInputError(`"${field}" must be an array of strings or one string of tags`);
  if (tags.length > MaxTags) throw new InvalidInputError(`"${field}" has more than ${MaxTags} tags`);
  return tags;
}

function shareJson(share: import('../core/types.js').Share) {
  return {
    id: share.id,
    platform: share.platform,
    userId: share.userId,
    userName: share.userName,
    channelId: share.channelId,
    channelName: share.channelName,
    auto: share.auto,
    messageText: share.messageText,
    createdAt: share.createdAt,
  };
}
