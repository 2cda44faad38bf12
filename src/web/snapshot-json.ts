// The API's view of a snapshot: everything but the blob paths on disk, plus a URL per artifact.
import type { ArtifactKind, Link, Snapshot } from '../core/types.js';

export interface ArtifactJson {
  kind: ArtifactKind;
  sha256: string;
  size: number;
  mime: string;
  url: string;
}

export type SnapshotJson = Omit<Snapshot, 'artifacts' | 'uploadSha256'> & { artifacts: Partial<Record<ArtifactKind, ArtifactJson>>; viewUrl: string };

/** `grantQuery` (`sig=…`) is appended when the caller reached the snapshot through a signed link. */
export function snapshotJson(snapshot: Snapshot, grantQuery: string | null = null): SnapshotJson {
  const suffix = grantQuery ? `?${grantQuery}` : '';
  const artifacts: Partial<Record<ArtifactKind, ArtifactJson>> = {};
  for (const [kind, ref] of Object.entries(snapshot.artifacts) as Array<[ArtifactKind, NonNullable<Snapshot['artifacts'][ArtifactKind]>]>) {
    artifacts[kind] = { kind, sha256: ref.sha256, size: ref.size, mime: ref.mime, url: artifactPath(snapshot.id, kind) + suffix };
  }
  const { artifacts: _paths, uploadSha256: _upload, ...rest } = snapshot;
  return { ...rest, uploadedBy: snapshot.uploadedBy ?? null, artifacts, viewUrl: `/s/${encodeURIComponent(snapshot.id)}${suffix}` };
}

export function linkJson(link: Link): Link {
  return { id: link.id, workspaceId: link.workspaceId, url: link.url, createdAt: link.createdAt, tags: link.tags, lastCheck: link.lastCheck ?? null };
}

/** Artifact kinds served over HTTP, by the path segment that names them. */
export const ServedKinds: Record<string, ArtifactKind> = {
  thumbnail: 'thumbnail',
  screenshot: 'screenshot',
  fullpage: 'fullpage',
  archive: 'archive',
  mhtml: 'mhtml',
  text: 'text',
  'visible-text': 'visibleText',
  original: 'original',
  wacz: 'wacz',
};

export function artifactPath(snapshotId: string, kind: ArtifactKind): string {
  const segment = Object.entries(ServedKinds).find(([, k]) => k === kind)?.[0] ?? kind;
  return `/api/snapshots/${encodeURIComponent(snapshotId)}/${segment}`;
}
