// The core's ServiceStore seam (src/core/service-store.ts) over the repository functions: binds
// the database.
import type { ServiceStore } from '../core/service-store.js';
import type { Db } from './schema.js';
import * as cards from './chat-cards.js';
import * as jobs from './jobs.js';
import * as links from './links.js';
import { find } from './find.js';
import * as shares from './shares.js';
import * as snapshots from './snapshots.js';
import * as tags from './tags.js';
import * as workspaces from './workspaces.js';
import * as digests from './digests.js';
import { importBatch } from './imports.js';
import { createLinkCheckStore, findDead } from './link-checks.js';
import { createNoticeStore } from './notices.js';
import { createWatchStore } from './watches.js';

export function createServiceStore(db: Db): ServiceStore {
  return {
    ...createWatchStore(db),
    ...createNoticeStore(db),
    ...createLinkCheckStore(db),
    workspacesWithDigests: () => digests.workspacesWithDigests(db),
    linksSharedIn: (workspaceId, channelId, from, to, limit) => digests.linksSharedIn(db, workspaceId, channelId, from, to, limit),
    latestDoneSnapshot: (linkId) => digests.latestDoneSnapshot(db, linkId),
    channelName: (workspaceId, channelId) => digests.channelName(db, workspaceId, channelId),
    findDead: (query) => findDead(db, query),
    async ensureWorkspace(id, platform, name) {
      await workspaces.ensureWorkspace(db, { id, platform, name });
    },
    upsertLink: (workspaceId, url, now) => links.upsertLink(db, workspaceId, url, now),
    getLink: (workspaceId, linkId, viewer) => links.getLink(db, workspaceId, linkId, viewer ?? null),
    findLinkByUrl: (workspaceId, url) => links.findLinkByUrl(db, workspaceId, url),
    deleteLink: (workspaceId, linkId) => links.deleteLink(db, workspaceId, linkId),
    deleteLinkIfUnshared: (workspaceId, linkId) => links.deleteLinkIfUnshared(db, workspaceId, linkId),

    recentSnapshot: (workspaceId, linkId, since) => snapshots.recentSnapshot(db, workspaceId, linkId, since),
    createSnapshotWithJob: (workspaceId, linkId, url, maxAttempts, now, priority) =>
      snapshots.createSnapshot(db, { workspaceId, linkId, url, now, job: { maxAttempts, priority } }),
    createUploadedVersion: (workspaceId, linkId, url, upload, maxAttempts, now) =>
      snapshots.createSnapshot(db, { workspaceId, linkId, url, now, job: { maxAttempts, priority: 0 }, upload }),
    queueUncaptured: (workspaceId, linkId, maxAttempts, now, priority) => snapshots.queueUncaptured(db, workspaceId, linkId, { maxAttempts, priority }, now),
    importBatch: (rows, options) => importBatch(db, rows, options),
    getSnapshot: (workspaceId, snapshotId) => snapshots.getSnapshot(db, workspaceId, snapshotId),
    getSnapshotById: (snapshotId) => snapshots.getSnapshotById(db, snapshotId),
    previousDoneSnapshot: (snapshotId) => snapshots.previousDoneSnapshot(db, snapshotId),
    updateSnapshot: (snapshotId, patch) => snapshots.updateSnapshot(db, snapshotId, patch),
    listVersions: (workspaceId, linkId) => snapshots.listVersions(db, workspaceId, linkId),

    createShare: (share) => shares.createShare(db, share),
    announceJob: () => jobs.announceJob(db),
    firstShare: (linkId) => shares.firstShare(db, linkId),
    firstShareVisibleTo: (workspaceId, linkId, viewer, except) => shares.firstShareVisibleTo(db, workspaceId, linkId, viewer, except),
    messageProgress: (workspaceId, channelId, messageId) => shares.messageProgress(db, workspaceId, channelId, messageId),
    setChannelPrivacy: (workspaceId, channelId, isPrivate) => shares.setChannelPrivacy(db, workspaceId, channelId, isPrivate),
    listShares: (workspaceId, linkId) => shares.listShares(db, workspaceId, linkId),
    deleteSharesByMessage: (workspaceId, channelId, messageId) => shares.deleteSharesByMessage(db, workspaceId, channelId, messageId),
    sharesBySnapshot: (snapshotId) => shares.sharesBySnapshot(db, snapshotId),
    sharesPendingNotification: (platform) => shares.sharesPendingNotification(db, platform),
    markShareNotified: (shareId) => shares.markShareNotified(db, shareId),
    recordDeliveryFailure: (shareId, policy) => shares.recordDeliveryFailure(db, shareId, policy),

    addTags: (workspaceId, linkId, names, place) => tags.addTags(db, workspaceId, linkId, names, place),
    removeTags: (workspaceId, linkId, names) => tags.removeTags(db, workspaceId, linkId, names),
    setTags: (workspaceId, linkId, names, place, viewer) => tags.setTags(db, workspaceId, linkId, names, place, viewer ?? null),
    listTags: (workspaceId, viewer) => tags.listTags(db, workspaceId, viewer),

    find: (query) => find(db, query),
    listWorkspaces: () => workspaces.listWorkspaces(db),
    recordCard: (card) => cards.recordCard(db, card),
    cardAt: (platform, channelId, messageId) => cards.cardAt(db, platform, channelId, messageId),
    workspaceBytes: (workspaceId) => workspaces.workspaceBytes(db, workspaceId),
    getSettings: (workspaceId) => workspaces.getSettings(db, workspaceId),
    updateSettings: (workspaceId, patch) => workspaces.updateSettings(db, workspaceId, patch),

    leaseNextJob: (owner, leaseMs, now) => jobs.leaseNextJob(db, owner, leaseMs, now),
    renewLease: (jobId, owner, leaseMs, now) => jobs.renewLease(db, jobId, owner, leaseMs, now),
    releaseJob: (jobId, owner) => jobs.releaseJob(db, jobId, owner),
    completeCapture: (lease, snapshotId, patch, artifacts, search) => snapshots.completeCapture(db, lease, snapshotId, patch, artifacts, search),
    failCapture: (lease, snapshotId, error, retryAt) => snapshots.failCapture(db, lease, snapshotId, error, retryAt),
    requeueLeasedJob: (lease, runAfter, error) => jobs.requeueLeasedJob(db, lease.jobId, lease.owner, runAfter, error),
    completeJob: (jobId) => jobs.completeJob(db, jobId),
  };
}
