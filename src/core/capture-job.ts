// One capture of one snapshot: run the browser pipeline, write every artifact to the blob store,
// then record metadata, artifacts, search text and the job's completion in one transaction, only
// while this worker holds the job's lease. Blobs are written first: a crash in between leaves
// unreferenced files (harmless, identical content is stored once), never rows that point at
// missing files. After the commit each blob is checked once more and written again if missing: the
// one interleaving gc's final checks cannot see (a touch landing between gc's last look and its
// delete) then costs a re-upload, not an artifact.
import { createHash } from 'node:crypto';
import type { CaptureLimits } from '../config.js';
import { normalisedTextHash } from './text-hash.js';
import type { BrowserPool } from './capture/browser-pool.js';
import { captureUrl } from './capture/capture-url.js';
import { renderOffline } from './capture/offline-render.js';
import { readUploadedPage } from './upload/uploaded-page.js';
import type { CaptureOutput } from './capture/types.js';
import type { EgressPolicy } from './egress/policy.js';
import type { Logger } from './logger.js';
import { LeaseLostError } from './errors.js';
import type { JobLease, ServiceStore, StoredArtifact } from './service-store.js';
import type { ArtifactKind, Snapshot, SnapshotChange } from './types.js';
import { compareTexts } from './change.js';

/** Where artifacts go; content-addressed, so writing the same bytes twice stores them once. */
export interface ArtifactBlobs {
  put(data: Buffer): Promise<{ sha256: string; size: number }>;
  exists(sha256: string): Promise<boolean>;
  read(sha256: string): Promise<Buffer>;
}

export interface CaptureDeps {
  pool: BrowserPool;
  policy: EgressPolicy;
  limits: CaptureLimits;
  blockAds: boolean;
  /** LINKSNAP_WACZ: keep each capture as a WACZ web archive too. */
  recordWacz: boolean;
  blobs: ArtifactBlobs;
  logger: Logger;
  /** Replaces the browser pipeline (benchmarks of the queue alone); the real one by default. */
  captureUrl?: typeof captureUrl;
}

/** A version made from an uploaded page: rendered from the stored upload, reaching nothing. */
async function renderUpload(deps: CaptureDeps, snapshot: Snapshot, sha256: string, signal: AbortSignal): Promise<CaptureOutput> {
  const upload = await readUploadedPage(await deps.blobs.read(sha256), snapshot.url, {
    maxBytes: Number.MAX_SAFE_INTEGER, // checked when it was uploaded
    maxArchiveBytes: deps.limits.maxArchiveBytes,
    signal,
  });
  const { output } = await renderOffline(upload, { pool: deps.pool, limits: deps.limits, logger: deps.logger, signal });
  return output;
}

export async function captureSnapshot(
  deps: CaptureDeps,
  store: Pick<ServiceStore, 'completeCapture' | 'previousDoneSnapshot'>,
  snapshot: Snapshot,
  signal: AbortSignal,
  lease: JobLease,
  /** This attempt's share of the job's time; the configured capture timeout by default. */
  timeoutMs: number = deps.limits.captureTimeoutMs,
): Promise<CaptureOutput> {
  const capture = deps.captureUrl ?? captureUrl;
  const output = snapshot.uploadSha256
    ? await renderUpload(deps, snapshot, snapshot.uploadSha256, AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]))
    : await capture(snapshot.url, {
        pool: deps.pool,
        policy: deps.policy,
        limits: { ...deps.limits, captureTimeoutMs: timeoutMs },
        blockAds: deps.blockAds,
        recordWacz: deps.recordWacz,
        logger: deps.logger,
        signal,
        jobId: lease.jobId,
      });
  signal.throwIfAborted();

  const stored: StoredArtifact[] = [];
  const written: Array<{ sha256: string; data: Buffer }> = [];
  for (const [kind, artifact] of Object.entries(output.artifacts) as Array<[ArtifactKind, { data: Buffer; mime: string }]>) {
    if (!artifact) continue;
    const blob = await deps.blobs.put(artifact.data);
    stored.push({ kind, sha256: blob.sha256, size: blob.size, mime: artifact.mime });
    written.push({ sha256: blob.sha256, data: artifact.data });
  }
  const { metadata } = output;
  const hash = await contentHash(output);
  const change = await changeSincePrevious(deps, store, snapshot, output, hash);
  // Written only by the lease holder, with the job's completion: exactly once.
  const recorded = await store.completeCapture(
    lease,
    snapshot.id,
    {
      ...metadata,
      status: 'done',
      error: null,
      errorCode: null,
      degraded: output.degraded,
      degradedReason: output.degradedReason,
      finalUrl: output.finalUrl,
      httpStatus: output.httpStatus,
      contentType: output.contentType,
      contentHash: hash,
      capturedAt: new Date().toISOString(),
      change,
    },
    stored,
    { title: metadata.title, description: metadata.description, url: output.finalUrl || snapshot.url, text: output.text },
  );
  if (!recorded) throw new LeaseLostError(lease.jobId);
  for (const blob of written) {
    if (!(await deps.blobs.exists(blob.sha256))) await deps.blobs.put(blob.data);
  }
  return output;
}

/**
 * How this capture differs from the link's previous done version (null for a first version). A
 * previous text that can no longer be read (its blob gone) leaves the change unknown rather than
 * failing a good capture.
 */
async function changeSincePrevious(
  deps: CaptureDeps,
  store: Pick<ServiceStore, 'previousDoneSnapshot'>,
  snapshot: Snapshot,
  output: CaptureOutput,
  hash: string,
): Promise<SnapshotChange | null> {
  const previous = await store.previousDoneSnapshot(snapshot.id);
  if (!previous) return null;
  const previousText = previous.artifacts.text;
  if (output.kind === 'file' || !previousText) {
    return { previousId: previous.id, previousCapturedAt: previous.capturedAt, changed: previous.contentHash !== hash, added: 0, removed: 0 };
  }
  try {
    const before = (await deps.blobs.read(previousText.sha256)).toString('utf8');
    const diff = compareTexts(before, output.text);
    return { previousId: previous.id, previousCapturedAt: previous.capturedAt, changed: diff.changed, added: diff.added, removed: diff.removed };
  } catch (error) {
    deps.logger({ level: 'warn', context: 'capture', message: 'Could not compare with the previous version', details: { snapshotId: snapshot.id, previousId: previous.id, error } });
    return null;
  }
}

/**
 * What the page said, independent of when it was captured: the hash of its text (or of the file),
 * so two versions of a link can be compared at a glance.
 */
async function contentHash(output: CaptureOutput): Promise<string> {
  if (output.kind !== 'file') return normalisedTextHash(output.text);
  return createHash('sha256')
    .update(output.artifacts.original?.data ?? Buffer.alloc(0))
    .digest('hex');
}
