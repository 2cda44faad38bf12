// A matching link as the Netscape, JSON-lines and zip exports describe it: its tags, the shares the
// exporter may see, and every version with its artifacts' SHA-256.
import { matchingItems, type ExportQuery } from './export-matching.js';
import type { ExportLink, ExportVersion } from './export/export-types.js';
import { artifactHashes } from './snapshot-json.js';
import type { FindItem, FindQuery, FindResult, Share, Snapshot } from './types.js';
import { isVisible, sharePlace } from './visibility.js';

export interface ExportLinkSource {
  find(query: FindQuery): Promise<FindResult>;
  listVersions(workspaceId: string, linkId: string): Promise<Snapshot[]>;
  listShares(workspaceId: string, linkId: string): Promise<Share[]>;
}

export interface ExportOptions {
  /** The snapshot view's address (a signed link), when the front end can make one. */
  viewUrl?: (snapshotId: string) => string;
}

export async function* exportLinks(source: ExportLinkSource, query: ExportQuery, options: ExportOptions = {}): AsyncGenerator<{ item: FindItem; link: ExportLink }> {
  for await (const item of matchingItems(source, query)) {
    yield { item, link: await exportLinkOf(source, item, query, options) };
  }
}

export async function exportLinkOf(source: ExportLinkSource, item: FindItem, query: ExportQuery, options: ExportOptions = {}): Promise<ExportLink> {
  const { link } = item;
  const [versions, shares] = await Promise.all([source.listVersions(link.workspaceId, link.id), source.listShares(link.workspaceId, link.id)]);
  const oldestFirst = [...versions].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const newestDone = [...oldestFirst].reverse().find((v) => v.status === 'done');
  return {
    url: link.url,
    title: newestDone?.title ?? item.snapshot.title ?? null,
    tags: link.tags,
    createdAt: link.createdAt,
    // A chat viewer sees only the shares of channels they are in; the web page and CLI see all.
    shares: shares
      .filter((share) => query.viewer === null || query.viewer === undefined || isVisible(sharePlace(share), query.viewer))
      .map((share) => ({ platform: share.platform, channelName: share.channelName, userName: share.userName, sharedAt: share.createdAt, auto: share.auto })),
    versions: oldestFirst.map((version) => versionOf(version, options)),
  };
}

function versionOf(snapshot: Snapshot, options: ExportOptions): ExportVersion {
  return {
    id: snapshot.id,
    createdAt: snapshot.createdAt,
    capturedAt: snapshot.capturedAt,
    status: snapshot.status,
    httpStatus: snapshot.httpStatus,
    title: snapshot.title,
    sha256: artifactHashes(snapshot),
    viewUrl: options.viewUrl ? options.viewUrl(snapshot.id) : null,
  };
}
