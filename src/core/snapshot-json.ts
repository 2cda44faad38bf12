// The JSON shape of a snapshot that scripts depend on (CLI --json, HTTP API). Documented in the
// README; fields are only ever added, never renamed.
import type { ArtifactKind, Link, Snapshot, SnapshotChange } from './types.js';

export interface SnapshotJson {
  id: string;
  linkId: string;
  workspace: string;
  url: string;
  finalUrl: string | null;
  status: Snapshot['status'];
  title: string | null;
  description: string | null;
  siteName: string | null;
  author: string | null;
  publishedTime: string | null;
  lang: string | null;
  tags: string[];
  createdAt: string;
  capturedAt: string | null;
  httpStatus: number | null;
  contentType: string | null;
  contentHash: string | null;
  degraded: boolean;
  degradedReason: string | null;
  error: string | null;
  errorCode: string | null;
  /** Where each stored artifact is (a file path, or s3://bucket/key); absent kinds are null. */
  artifacts: Record<ArtifactKind, string | null>;
  /** SHA-256 of each stored artifact, for evidence. */
  sha256: Partial<Record<ArtifactKind, string>>;
  /**
   * null for a first version; else how its readable text differs from the previous version
   * (`changed: false`: only what changes on every load changed, a re-capture).
   */
  change: SnapshotChange | null;
  /** Made from a page someone saved in their browser and uploaded ("upload your own"): who; null for a capture. */
  uploadedBy: string | null;
}

const Kinds: ArtifactKind[] = ['screenshot', 'thumbnail', 'fullpage', 'archive', 'mhtml', 'text', 'visibleText', 'original', 'wacz'];

/** The SHA-256 of each stored artifact, by kind. */
export function artifactHashes(snapshot: Snapshot): Partial<Record<ArtifactKind, string>> {
  const sha256: Partial<Record<ArtifactKind, string>> = {};
  for (const kind of Kinds) {
    const ref = snapshot.artifacts[kind];
    if (ref) sha256[kind] = ref.sha256;
  }
  return sha256;
}

/** `locate` names where a blob is stored (BlobStore.locator); the snapshot itself does not know. */
export function snapshotJson(snapshot: Snapshot, link: Link | null, locate: (sha256: string) => string): SnapshotJson {
  const artifacts = Object.fromEntries(
    Kinds.map((kind) => {
      const ref = snapshot.artifacts[kind];
      return [kind, ref ? locate(ref.sha256) : null];
    }),
  ) as Record<ArtifactKind, string | null>;
  const sha256 = artifactHashes(snapshot);
  return {
    id: snapshot.id,
    linkId: snapshot.linkId,
    workspace: snapshot.workspaceId,
    url: snapshot.url,
    finalUrl: snapshot.finalUrl,
    status: snapshot.status,
    title: snapshot.title,
    description: snapshot.description,
    siteName: snapshot.siteName,
    author: snapshot.author,
    publishedTime: snapshot.publishedTime,
    lang: snapshot.lang,
    tags: link?.tags ?? [],
    createdAt: snapshot.createdAt,
    capturedAt: snapshot.capturedAt,
    httpStatus: snapshot.httpStatus,
    contentType: snapshot.contentType,
    contentHash: snapshot.contentHash,
    degraded: snapshot.degraded,
    degradedReason: snapshot.degradedReason,
    error: snapshot.error,
    errorCode: snapshot.errorCode,
    artifacts,
    sha256,
    change: snapshot.change,
    uploadedBy: snapshot.uploadedBy ?? null,
  };
}
