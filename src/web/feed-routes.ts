// Atom feeds of a tag (GET /feeds/<workspace>/<tag>.atom) and of a workspace
// (GET /feeds/<workspace>.atom): the newest captured snapshots, for feed readers. A reader holds a
// signed link (GET /api/feeds gives it to someone with the token), never the token. A feed shows
// only what anyone in the workspace may see: links and tags shared in private channels stay out,
// whoever holds the link.
import { buffer } from 'node:stream/consumers';
import type { Readable } from 'node:stream';
import { ForbiddenError } from '../core/errors.js';
import { atomFeed, type AtomEntry } from '../core/feeds/atom.js';
import { normalizeTags } from '../core/tags.js';
import type { FindItem } from '../core/types.js';
import { PublicViewer } from '../core/visibility.js';
import { sendJson } from './http-io.js';
import type { Router } from './router.js';
import { checkWorkspaceId, requireAuth, type WebContext, type WebDeps } from './web-context.js';
import { BadRequestError } from './web-errors.js';

/** Entries per feed: readers poll and keep what they saw, so the newest are enough. */
const FeedEntries = 50;
/** Bytes of readable text read for each entry's summary (its first few hundred characters). */
const SummaryBytes = 4096;

export function registerFeedRoutes(router: Router<WebContext>, deps: WebDeps): void {
  router.on('GET', '/api/feeds', async (ctx) => {
    requireAuth(ctx);
    const workspaceId = checkWorkspaceId(ctx.url.searchParams.get('workspace'));
    const tag = tagParam(ctx.url.searchParams.get('tag'));
    const path = feedPath(workspaceId, tag);
    sendJson(ctx.res, 200, { url: `${deps.publicBase()}${path}?${deps.signer.feedQuery(workspaceId, tag)}`, workspace: workspaceId, tag });
  });

  const serve = async (ctx: WebContext, workspaceId: string, tag: string | null) => {
    const params = ctx.url.searchParams;
    if (!ctx.authorized && !deps.signer.verifyFeed(workspaceId, tag, params.get('sig'), params.get('exp'))) {
      throw new ForbiddenError('This feed link is not valid (or has expired); ask for a new one on the web page');
    }
    const base = deps.publicBase();
    const result = await deps.service.find({ workspaceId, tags: tag ? [tag] : [], viewer: PublicViewer, limit: FeedEntries });
    const captured = result.items.filter((item) => item.snapshot.status === 'done');
    const entries = await Promise.all(captured.map((item) => entryOf(item, base, deps)));
    const updated = entries.reduce((newest, entry) => (String(entry.updated) > newest ? String(entry.updated) : newest), '1970-01-01T00:00:00.000Z');
    const query = params.toString();
    const xml = atomFeed({
      id: `urn:linksnap:feed:${encodeURIComponent(workspaceId)}${tag ? `:${encodeURIComponent(tag)}` : ''}`,
      title: tag ? `#${tag} · linksnap` : `${workspaceId} · linksnap`,
      subtitle: tag ? `Links tagged #${tag}` : 'Newest links',
      updated,
      selfUrl: `${base}${feedPath(workspaceId, tag)}${query ? `?${query}` : ''}`,
      alternateUrl: `${base}/?workspace=${encodeURIComponent(workspaceId)}${tag ? `&tag=${encodeURIComponent(tag)}` : ''}`,
      entries,
    });
    ctx.res.writeHead(200, {
      'content-type': 'application/atom+xml; charset=utf-8',
      'cache-control': 'private, max-age=300',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    });
    ctx.res.end(xml);
  };

  router.on('GET', '/feeds/:workspace/:file', (ctx) => {
    const tag = atomName(ctx.params.file);
    return serve(ctx, checkWorkspaceId(ctx.params.workspace), tagParam(tag));
  });
  router.on('GET', '/feeds/:file', (ctx) => serve(ctx, checkWorkspaceId(atomName(ctx.params.file)), null));
}

async function entryOf(item: FindItem, base: string, deps: WebDeps): Promise<AtomEntry> {
  const { snapshot, link } = item;
  const grant = deps.signer.query(snapshot.id);
  const id = encodeURIComponent(snapshot.id);
  return {
    id: `urn:linksnap:snapshot:${snapshot.id}`,
    title: snapshot.title,
    viewUrl: `${base}/s/${id}?${grant}`,
    url: link.url,
    updated: snapshot.capturedAt ?? snapshot.createdAt,
    published: link.createdAt,
    thumbnailUrl: snapshot.artifacts.thumbnail ? `${base}/api/snapshots/${id}/thumbnail?${grant}` : null,
    text: await summarySource(item, deps),
    tags: link.tags,
  };
}

/** The start of the readable text, else the page's description. */
async function summarySource(item: FindItem, deps: WebDeps): Promise<string | null> {
  const ref = item.snapshot.artifacts.text;
  if (ref) {
    try {
      const opened = await deps.service.openArtifact(ref, { start: 0, end: Math.min(ref.size, SummaryBytes) - 1 });
      // Cut anywhere: a character split at the end decodes as U+FFFD, which is dropped.
      return (await buffer(opened.stream as Readable)).toString('utf8').replace(/\uFFFD+$/, '');
    } catch (error) {
      deps.logger({ level: 'warn', context: 'web', message: 'A feed entry goes without its summary: the text could not be read', details: { snapshotId: item.snapshot.id, error } });
    }
  }
  return item.snapshot.description ?? null;
}

function atomName(file: string): string {
  if (!file.endsWith('.atom') || file.length === '.atom'.length) throw new BadRequestError('A feed is named <workspace>.atom or <workspace>/<tag>.atom');
  return file.slice(0, -'.atom'.length);
}

function tagParam(raw: string | null): string | null {
  if (raw === null || raw.trim() === '') return null;
  const [tag] = normalizeTags([raw]);
  if (!tag) throw new BadRequestError(`"${raw}" is not a tag`);
  return tag;
}

function feedPath(workspaceId: string, tag: string | null): string {
  return tag ? `/feeds/${encodeURIComponent(workspaceId)}/${encodeURIComponent(tag)}.atom` : `/feeds/${encodeURIComponent(workspaceId)}.atom`;
}
