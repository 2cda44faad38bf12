// What an export writes about a link. The service fills it from its store and decides what the
// exporter may see (shares in channels they cannot read are left out before it gets here).
import type { ArtifactKind, Platform, SnapshotStatus } from '../types.js';

export interface ExportLink {
  /** Normalised URL. */
  url: string;
  /** The latest title known (the newest done version's). */
  title: string | null;
  tags: string[];
  /** When the link was first shared in the workspace (ISO); written as ADD_DATE and re-imported as the share time. */
  createdAt: string;
  shares: ExportShare[];
  /** Oldest first. */
  versions: ExportVersion[];
}

export interface ExportShare {
  platform: Platform;
  channelName: string | null;
  userName: string | null;
  sharedAt: string;
  /** Picked up from a posted message rather than an explicit /snap. */
  auto: boolean;
}

export interface ExportVersion {
  id: string;
  createdAt: string;
  capturedAt: string | null;
  status: SnapshotStatus;
  httpStatus: number | null;
  title: string | null;
  /** SHA-256 of each stored artifact, so a copy can be checked against the export. */
  sha256: Partial<Record<ArtifactKind, string>>;
  /** Where the snapshot can be viewed, when the service has a public base URL. */
  viewUrl?: string | null;
}

/** Links in any order, from memory or streamed from the store. */
export type ExportSource = Iterable<ExportLink> | AsyncIterable<ExportLink>;
