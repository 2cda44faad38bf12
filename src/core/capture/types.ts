// What one capture produces, before storage turns artifacts into content-addressed blobs.
import type { ArtifactKind, PageMetadata } from '../types.js';

export interface CapturedArtifact {
  data: Buffer;
  mime: string;
}

export interface BlockedRequestRecord {
  url: string;
  /** Why: `ad or tracker (<rule>)`, or the egress policy's reason. */
  reason: string;
}

export interface ConsentOutcome {
  /** Consent manager found on the page, if any. */
  cmp: string | null;
  /** The banner was refused (opt-out clicked or hidden). */
  optedOut: boolean;
}

export interface CaptureOutput {
  /** `html`: rendered by the browser. `file`: a non-HTML download saved as fetched. */
  kind: 'html' | 'file';
  finalUrl: string;
  httpStatus: number | null;
  contentType: string | null;
  metadata: PageMetadata;
  degraded: boolean;
  degradedReason: string | null;
  /** Navigation hit its deadline after content arrived; what was there was kept. */
  partial: boolean;
  blockedRequests: BlockedRequestRecord[];
  artifacts: Partial<Record<ArtifactKind, CapturedArtifact>>;
  /** For full-text search: the readable text, else the visible text. */
  text: string;
  consent: ConsentOutcome | null;
  /** Milliseconds spent in each step, by step name, plus `total`. */
  timings: Record<string, number>;
  /** Artifacts left out, with why (over a size cap, failed to render). */
  dropped: Array<{ kind: ArtifactKind; reason: string }>;
}
