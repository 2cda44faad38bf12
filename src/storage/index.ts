// The store: SQLite through Kysely, repository functions of `db`, and the blob store.
export { openDatabase, type OpenDatabaseOptions, type OpenedDatabase } from './db.js';
export { migrateToLatest, Migrations } from './migrate.js';
export { MigrationError } from './errors.js';
export type { Database, Db } from './schema.js';
export { writeTransaction } from './transaction.js';
export { newId, isoNow } from './ids.js';
export { ensureWorkspace, getSettings, updateSettings, listWorkspaces, workspaceBytes, type WorkspaceInfo } from './workspaces.js';
export { upsertLink, getLink, findLinkByUrl, deleteLink, deleteLinkIfUnshared } from './links.js';
export {
  createSnapshot,
  updateSnapshot,
  setArtifacts,
  indexSnapshotText,
  completeSnapshot,
  completeCapture,
  failCapture,
  getSnapshot,
  getSnapshotById,
  latestSnapshotOfLink,
  recentSnapshot,
  listVersions,
  type NewSnapshot,
  type SnapshotPatch,
  type StoredArtifact,
} from './snapshots.js';
export {
  createShare,
  firstShare,
  firstShareVisibleTo,
  messageProgress,
  setChannelPrivacy,
  listShares,
  sharesBySnapshot,
  sharesPendingNotification,
  markShareNotified,
  recordDeliveryFailure,
  deleteSharesByMessage,
  type NewShare,
} from './shares.js';
export { addTags, removeTags, setTags, listTags, OpenPlace } from './tags.js';
export { placedVisibleTo, shareColumns, tagColumns, visibleTo } from './visibility.js';
export { find, DefaultFindLimit, MaxFindLimit, type FindTuning } from './find.js';
export { searchTerms, type SearchDocument } from './search-index.js';
export { enqueueJob, leaseNextJob, renewLease, releaseJob, completeJob, failJob, requeueLeasedJob, countJobs, getJob, type JobStatus, type LeasedJob } from './jobs.js';
export { FileBlobStore, assertSha256, type BlobStore, type StoredBlob } from './blob-store.js';
export { createServiceStore } from './service-store.js';
