// What the service needs from storage: the narrow seam between the core and the database.
// src/storage implements it over Kysely; nothing in the core imports the database directly.
import type { DigestDeps } from './digests.js';
import type { LinkCheckStore } from './link-check.js';
import type { NoticeStore } from './notices.js';
import type { LeasedJob } from './queue.js';
import type { NotificationStore } from './snapshot-events.js';
import type { WatchStore } from './watches.js';
import type {
  ArtifactKind,
  ChatCard,
  FindQuery,
  FindResult,
  Link,
  Platform,
  Share,
  Snapshot,
  MessageProgressCounts,
  TagCount,
  TagPlace,
  Viewer,
  WorkspaceSettings,
} from './types.js';

/** The share being answered: it and other shares of its message are not "earlier" shares. */
export interface ShareExcept {
  shareId: string;
  channelId: string | null;
  messageId: string | null;
}

export interface JobLease {
  jobId: string;
  owner: string;
}

/** A share as the service records it: everything but the id the store gives it. */
export type NewShare = Omit<Share, 'id' | 'createdAt'> & { createdAt: Date };

/** The fields of a snapshot a capture may change; identity, link and artifacts are not among them. */
/** What a capture may change; who uploaded a version is set when the version is made, never after. */
export type SnapshotPatch = Partial<Omit<Snapshot, 'id' | 'linkId' | 'workspaceId' | 'url' | 'createdAt' | 'artifacts' | 'uploadedBy' | 'uploadSha256'>>;

export interface StoredArtifact {
  kind: ArtifactKind;
  sha256: string;
  size: number;
  mime: string;
}

/** One link of an import as the store writes it (URL and tags already normalised). */
export interface ImportRow {
  url: string;
  title: string | null;
  tags: string[];
  /** Kept as the share time; null: the import's time. */
  addedAt: Date | null;
}

export interface ImportBatchOptions {
  workspaceId: string;
  platform: Platform;
  userId: string;
  userName: string | null;
  /** Queue a capture for every new link and every link kept without one; null: keep links only (not_captured). */
  capture: { maxAttempts: number; priority: number; hostIntervalMs: number } | null;
  now: Date;
}

export interface ImportBatchResult {
  /** Links that were not in the workspace (each with a share and a snapshot, queued or not_captured). */
  added: number;
  /** Links the workspace already had: they gain the tags they lack, nothing else. */
  existing: number;
  /** Existing links that gained at least one tag. */
  tagged: number;
  /** Captures queued. */
  queued: number;
}

export interface ServiceStore extends NotificationStore, WatchStore, NoticeStore, LinkCheckStore, Omit<DigestDeps, 'notices'> {
  /** The link's newest done snapshot (the page as it was, for a dead link). */
  latestDoneSnapshot(linkId: string): Promise<Snapshot | null>;
  /** Links called dead, most recently dead first. */
  findDead(query: FindQuery & { limit: number }): Promise<FindResult>;
  ensureWorkspace(id: string, platform: Platform, name: string | null): Promise<void>;
  upsertLink(workspaceId: string, url: string, now: Date): Promise<Link>;
  getLink(workspaceId: string, linkId: string, viewer?: Viewer | null): Promise<Link>;
  findLinkByUrl(workspaceId: string, url: string): Promise<Link | null>;
  deleteLink(workspaceId: string, linkId: string): Promise<string[]>;
  /** Deletes the link only if no share is left, in one transaction; null when it was kept. */
  deleteLinkIfUnshared(workspaceId: string, linkId: string): Promise<string[] | null>;

  /** The latest queued, capturing or done snapshot of the link created since `since`. */
  recentSnapshot(workspaceId: string, linkId: string, since: Date): Promise<Snapshot | null>;
  recordCard(card: ChatCard): Promise<void>;
  cardAt(platform: Platform, channelId: string, messageId: string): Promise<ChatCard | null>;
  /** Bytes of artifacts the workspace keeps (each blob once). */
  workspaceBytes(workspaceId: string): Promise<number>;
  /** A queued snapshot and its capture job, in one transaction. */
  /** priority 0: asked for (/snap, web, CLI); 1: captured from a posted message. */
  createSnapshotWithJob(workspaceId: string, linkId: string, url: string, maxAttempts: number, now: Date, priority?: number): Promise<Snapshot>;
  /** A new version of the link made from an uploaded page: queued like a /snap, rendered offline. */
  createUploadedVersion(workspaceId: string, linkId: string, url: string, upload: { by: string; sha256: string }, maxAttempts: number, now: Date): Promise<Snapshot>;
  /** The link's latest snapshot, if it is not_captured, queued for capture with its job (moving the link to the top); else null. */
  queueUncaptured(workspaceId: string, linkId: string, maxAttempts: number, now: Date, priority: number): Promise<Snapshot | null>;
  /** Writes one batch of an import in one transaction (see storage/imports.ts). */
  importBatch(rows: ImportRow[], options: ImportBatchOptions): Promise<ImportBatchResult>;
  getSnapshot(workspaceId: string, snapshotId: string): Promise<Snapshot>;
  /** The newest done snapshot of the link created before this one (what a new capture is compared with). */
  previousDoneSnapshot(snapshotId: string): Promise<Snapshot | null>;
  updateSnapshot(snapshotId: string, patch: SnapshotPatch): Promise<void>;
  listVersions(workspaceId: string, linkId: string): Promise<Snapshot[]>;

  createShare(share: NewShare): Promise<Share>;
  /**
   * Tells worker processes that jobs were queued (NOTIFY on Postgres; nothing on SQLite, whose
   * workers poll). Called once the job's share exists, so the capture's progress reaches it.
   */
  announceJob(): Promise<void>;
  firstShare(linkId: string): Promise<Share | null>;
  firstShareVisibleTo(workspaceId: string, linkId: string, viewer: Viewer | null, except: ShareExcept | null): Promise<Share | null>;
  setChannelPrivacy(workspaceId: string, channelId: string, isPrivate: boolean): Promise<number>;
  messageProgress(workspaceId: string, channelId: string, messageId: string): Promise<MessageProgressCounts>;
  listShares(workspaceId: string, linkId: string): Promise<Share[]>;
  deleteSharesByMessage(workspaceId: string, channelId: string, messageId: string): Promise<string[]>;

  addTags(workspaceId: string, linkId: string, tags: string[], place?: TagPlace): Promise<void>;
  removeTags(workspaceId: string, linkId: string, tags: string[]): Promise<void>;
  setTags(workspaceId: string, linkId: string, tags: string[], place?: TagPlace, viewer?: Viewer | null): Promise<void>;
  listTags(workspaceId: string, viewer: Viewer | null): Promise<TagCount[]>;

  find(query: FindQuery & { limit: number }): Promise<FindResult>;
  listWorkspaces(): Promise<Array<{ id: string; platform: Platform; name: string | null; links: number }>>;
  getSettings(workspaceId: string): Promise<WorkspaceSettings>;
  updateSettings(workspaceId: string, patch: Partial<WorkspaceSettings>): Promise<WorkspaceSettings>;

  leaseNextJob(owner: string, leaseMs: number, now: Date): Promise<LeasedJob | null>;
  renewLease(jobId: string, owner: string, leaseMs: number, now: Date): Promise<boolean>;
  releaseJob(jobId: string, owner: string): Promise<void>;
  /** Completes the job (by its lease holder) and records the capture, in one transaction; false when the lease is not held. */
  completeCapture(lease: JobLease, snapshotId: string, patch: SnapshotPatch, artifacts: StoredArtifact[], search: { title: string | null; description: string | null; url: string; text: string }): Promise<boolean>;
  /** Records a failed attempt by the lease holder (job and snapshot together); false when the lease is not held. */
  failCapture(lease: JobLease, snapshotId: string, error: { message: string; code: string }, retryAt: Date | null): Promise<boolean>;
  /** The store failed under a capture: back to the queue, the attempt not counted. */
  requeueLeasedJob(lease: JobLease, runAfter: Date, error: string): Promise<boolean>;
  completeJob(jobId: string): Promise<void>;
  /** retryAt null: failed for good. */
}
