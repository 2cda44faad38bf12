// The one service behind every front end: snap, find, tag, forget. It validates input, applies the
// egress policy before accepting a link, records the request durably, and leaves the capture to the
// job runner, so adapters get an answer at once and nothing accepted is lost.
import { randomBytes } from 'node:crypto';
import { DefaultCaptureLimits, DefaultMaxUploadBytes, type Config } from '../config.js';
import { captureSnapshot, type CaptureDeps } from './capture-job.js';
import { unusableTerm } from './search-terms.js';
import type { EgressPolicy } from './egress/policy.js';
import { runInCaptureScope, type CaptureScope } from './capture-scope.js';
import { asLinksnapError, CaptureCrashError, ErrorCode, InvalidInputError, isTransientStoreError, LeaseLostError, LinksnapError, QuotaExceededError } from './errors.js';
import type { Logger } from './logger.js';
import { JobPriority, JobRunner, type LeasedJob } from './queue.js';
import { importLinks, type ImportReport, type ImportRequest } from './import-links.js';
import type { SnapService } from './service-api.js';
import { SnapshotEvents, type SubscribeOptions } from './snapshot-events.js';
import type { ServiceStore } from './service-store.js';
import { normalizeTags } from './tags.js';
import type {
  ArtifactKind,
  ArtifactRef,
  ByteRange,
  OpenedArtifact,
  ChatCard,
  FindQuery,
  FindResult,
  Link,
  MessageProgressCounts,
  Platform,
  Share,
  ShareEventHandler,
  SnapAccepted,
  SnapRequest,
  Snapshot,
  TagCount,
  TagsAt,
  Viewer,
  WorkspaceSettings,
  NoticeHandler,
  SnapshotDiff,
  Watch,
  WatchAccepted,
  WatchRequest,
  WatchRunReport,
} from './types.js';
import { normalizeUrl } from './url.js';
import { readUploadedPage } from './upload/uploaded-page.js';
import { compareTexts } from './change.js';
import { postDigests, type DigestReport } from './digests.js';
import { checkLinks, type LinkCheckReport } from './link-check.js';
import { NoticeDelivery, type NoticeSubscription } from './notices.js';
import { announceDeath } from './rot-alerts.js';
import { parseWatchEvery } from './watch-every.js';
import { WatchRunner, type WatchTickReport } from './watches.js';

export interface ServiceDeps {
  store: ServiceStore;
  /** Where artifacts are read from, for the web page and the chat adapters. */
  blobs: { open(sha256: string, range?: ByteRange): Promise<OpenedArtifact>; put(data: Buffer): Promise<{ sha256: string; size: number }> };
  policy: EgressPolicy;
  config: Pick<Config, 'dedupWindowMs' | 'concurrency' | 'jobMaxAttempts' | 'jobLeaseMs' | 'watches'> & Partial<Pick<Config, 'workspaceQuotaBytes' | 'importHostIntervalMs' | 'maxUploadBytes'>> & { capture?: Pick<Config['capture'], 'maxArchiveBytes'> };
  logger: Logger;
  /** What a job does; absent when this process only accepts work (another process captures). */
  capture: CaptureDeps | null;
  /** Captures at once, asked before each lease; config.concurrency when absent. */
  concurrencyLimit?: () => number;
  /** Delay before a failed transient job runs again. */
  retryDelayMs: (attempt: number) => number;
  /**
   * How often finished captures not yet answered are looked for in the store. A process that does
   * not capture (`serve --no-workers`) learns of results from other processes only this way.
   */
  redeliverEveryMs?: number;
  /** How often the job runner looks for jobs nobody woke it for (1 s by default). */
  jobPollMs?: number;
  /** How often notices not yet posted are looked for (2 s by default; 0: only when woken). */
  noticePollMs?: number;
  now?: () => Date;
}

const MaxTagsPerRequest = 25;

export interface UploadRequest {
  /** The version whose capture could not see the page. */
  snapshotId: string;
  data: Buffer;
  /** Shown as "uploaded by <who>". */
  uploadedBy: string;
}

export class LinksnapService implements SnapService {
  readonly #deps: ServiceDeps;
  readonly #store: ServiceStore;
  readonly events: SnapshotEvents;
  readonly runner: JobRunner | null;
  /** Posts the chat bots make on their own (changes, dead links, digests). */
  readonly notices: NoticeDelivery;
  readonly watches: WatchRunner;
  readonly #owner = `${process.pid}-${randomBytes(4).toString('hex')}`;

  constructor(deps: ServiceDeps) {
    this.#deps = deps;
    this.#store = deps.store;
    this.events = new SnapshotEvents(deps.store, deps.logger, deps.redeliverEveryMs ?? (deps.capture ? 30_000 : 1_000));
    this.runner = deps.capture
      ? new JobRunner({
          source: {
            leaseNextJob: (owner, leaseMs) => this.#store.leaseNextJob(owner, leaseMs, this.#now()),
            renewLease: (jobId, owner, leaseMs) => this.#store.renewLease(jobId, owner, leaseMs, this.#now()),
            releaseJob: (jobId, owner) => this.#store.releaseJob(jobId, owner),
          },
          run: (job, signal) => this.#runJob(job, signal),
          owner: this.#owner,
          concurrency: deps.concurrencyLimit ?? deps.config.concurrency,
          leaseMs: deps.config.jobLeaseMs,
          pollMs: deps.jobPollMs,
          logger: deps.logger,
        })
      : null;
    this.notices = new NoticeDelivery({ store: deps.store, logger: deps.logger, pollMs: deps.noticePollMs, now: () => this.#now() });
    this.watches = new WatchRunner({
      store: deps.store,
      capturer: {
        recapture: (workspaceId, linkId) => this.recapture(workspaceId, linkId),
        getSnapshotById: (snapshotId) => this.#store.getSnapshotById(snapshotId),
        diff: (workspaceId, snapshotId, againstId) => this.diff(workspaceId, snapshotId, againstId),
        getSettings: (workspaceId) => this.#store.getSettings(workspaceId),
      },
      notices: this.notices,
      logger: deps.logger,
      now: () => this.#now(),
    });
  }

  /** Starts capturing queued jobs (including those a crashed process left behind). */
  start(): void {
    this.runner?.start();
  }

  async close(): Promise<void> {
    await this.runner?.stop();
    this.events.close();
    this.notices.close();
  }

  async snap(request: SnapRequest): Promise<SnapAccepted> {
    const url = normalizeUrl(request.url);
    // Refuse blocked hosts before anything is stored. A name that does not resolve right now is
    // accepted, so the link is kept: the job ends at once with a DNS error when DNS says the name
    // does not exist, and retries when DNS was only unreachable.
    try {
      await this.#deps.policy.checkUrl(url);
    } catch (error) {
      if (!(error instanceof LinksnapError && error.code === ErrorCode.DnsFailed)) throw error;
    }
    const tags = normalizeTags(request.tags ?? []);
    if (tags.length > MaxTagsPerRequest) throw new InvalidInputError(`At most ${MaxTagsPerRequest} tags per link`);

    const now = this.#now();
    const workspace = request.workspace;
    const since = new Date(now.getTime() - this.#deps.config.dedupWindowMs);
    await this.#checkQuota(workspace.id, url, since, request.force ?? false);
    await this.#store.ensureWorkspace(workspace.id, workspace.platform, workspace.name ?? null);
    const link = await this.#store.upsertLink(workspace.id, url, now);
    // Tags are seen where they were given: a private channel's tags stay in it.
    const place = { channelId: request.source.channelId ?? null, private: request.source.channelPrivate ?? false };
    if (tags.length) await this.#store.addTags(workspace.id, link.id, tags, place);
    const firstShare = await this.#store.firstShare(link.id);

    const recent = request.force ? null : await this.#store.recentSnapshot(workspace.id, link.id, since);
    let snapshot: Snapshot;
    let deduplicated = false;
    if (recent) {
      snapshot = recent;
      deduplicated = true;
    } else {
      // A link someone asked for goes before links captured from posted messages.
      const priority = request.source.auto ? JobPriority.fromMessage : JobPriority.asked;
      snapshot = await this.#newCapture(workspace.id, link.id, url, now, priority);
    }
    const share = await this.#store.createShare({
      workspaceId: workspace.id,
      linkId: link.id,
      snapshotId: snapshot.id,
      platform: request.source.platform,
      userId: request.requester.id,
      userName: request.requester.name ?? null,
      channelId: request.source.channelId ?? null,
      channelName: request.source.channelName ?? null,
      channelPrivate: request.source.channelPrivate ?? false,
      messageId: request.source.messageId ?? null,
      auto: request.source.auto ?? false,
      messageText: request.source.messageText ?? null,
      replyTo: request.source.replyTo ?? null,
      createdAt: now,
    });
    this.#deps.logger({
      level: 'info',
      context: 'service',
      message: deduplicated ? 'Link shared again; reusing a recent snapshot' : 'Link accepted',
      details: { workspace: workspace.id, url, snapshotId: snapshot.id, shareId: share.id },
    });
    if (!deduplicated) await this.#announceQueued();
    // Progress goes out after snap() returned, so the adapter has its answer first.
    // Never not_captured here: a link kept without a capture was just queued (#newCapture).
    const type = snapshot.status === 'not_captured' ? 'queued' : snapshot.status;
    setImmediate(() => void this.events.deliver({ type, share, snapshot }));
    const freshLink = await this.#store.getLink(workspace.id, link.id);
    return { snapshot, link: freshLink, share, deduplicated, firstShare };
  }

  /**
   * A new capture of the link: a link an import kept without one ("not captured yet") has it made
   * in that snapshot, which the import's share already points at, rather than in a second version.
   */
  async #newCapture(workspaceId: string, linkId: string, url: string, now: Date, priority: number): Promise<Snapshot> {
    const maxAttempts = this.#deps.config.jobMaxAttempts;
    return (await this.#store.queueUncaptured(workspaceId, linkId, maxAttempts, now, priority)) ?? this.#store.createSnapshotWithJob(workspaceId, linkId, url, maxAttempts, now, priority);
  }

  /**
   * Brings links in from a file (Netscape bookmarks, Pocket CSV, Karakeep or Linkwarden JSON, a URL
   * list): see import-links.ts. Throws InvalidInputError / TooLargeError for a file it cannot read,
   * QuotaExceededError when captures are asked for at the workspace's quota.
   */
  async importLinks(request: ImportRequest): Promise<ImportReport> {
    const { config } = this.#deps;
    return importLinks(
      {
        store: this.#store,
        config: { jobMaxAttempts: config.jobMaxAttempts, importHostIntervalMs: config.importHostIntervalMs ?? DefaultImportHostIntervalMs, workspaceQuotaBytes: config.workspaceQuotaBytes ?? null },
        logger: this.#deps.logger,
        announce: () => this.#announceQueued(),
        now: () => this.#now(),
      },
      request,
    );
  }

  /**
   * Wakes this process's workers and tells other processes' (NOTIFY on Postgres) that captures were
   * queued; a failed announcement only delays them to those workers' next poll.
   */
  async #announceQueued(): Promise<void> {
    this.runner?.wake();
    await this.#store.announceJob().catch((error) => this.#deps.logger({ level: 'warn', context: 'service', message: 'Could not announce queued captures; workers will find them at their next poll', details: { error } }));
  }

  /**
   * "Upload your own": the page someone saved in their own browser (SingleFile HTML, MHTML or WACZ)
   * becomes a new version of a link whose capture was degraded or failed, rendered offline by a
   * capture job. Only the newest version can take an upload, so an upload link works once.
   */
  async uploadVersion(request: UploadRequest): Promise<Snapshot> {
    const snapshot = await this.#store.getSnapshotById(request.snapshotId);
    const [newest] = await this.#store.listVersions(snapshot.workspaceId, snapshot.linkId);
    if (newest && newest.id !== snapshot.id) {
      throw new InvalidInputError('This link has a newer version already; an upload link works once, for the newest version');
    }
    const blocked = snapshot.status === 'failed' || (snapshot.status === 'done' && snapshot.degraded);
    if (!blocked) throw new InvalidInputError('Only a capture that failed or came out incomplete (a login, a paywall, a bot wall) takes an upload');
    // Read now, not only in the job: the person uploading hears at once what is wrong with the file.
    await readUploadedPage(request.data, snapshot.url, {
      maxBytes: this.#deps.config.maxUploadBytes ?? DefaultMaxUploadBytes,
      maxArchiveBytes: this.#deps.config.capture?.maxArchiveBytes ?? DefaultCaptureLimits.maxArchiveBytes,
    });
    const now = this.#now();
    await this.#checkQuota(snapshot.workspaceId, snapshot.url, now, true);
    const blob = await this.#deps.blobs.put(request.data);
    const version = await this.#store.createUploadedVersion(
      snapshot.workspaceId,
      snapshot.linkId,
      snapshot.url,
      { by: request.uploadedBy, sha256: blob.sha256 },
      this.#deps.config.jobMaxAttempts,
      now,
    );
    this.#deps.logger({ level: 'info', context: 'service', message: 'A saved page was uploaded as a new version', details: { workspace: snapshot.workspaceId, snapshotId: version.id, from: snapshot.id, bytes: request.data.length } });
    await this.#announceQueued();
    return version;
  }

  /**
   * Refuses a new capture once the workspace keeps its quota (LINKSNAP_WORKSPACE_QUOTA), before
   * anything is written; a link that would reuse a recent snapshot needs no space and is accepted.
   * The quota is soft: captures already queued finish even if they pass it.
   */
  async #checkQuota(workspaceId: string, url: string, since: Date, force: boolean): Promise<void> {
    const quota = this.#deps.config.workspaceQuotaBytes ?? null;
    if (quota === null) return;
    const used = await this.#store.workspaceBytes(workspaceId);
    if (used < quota) return;
    const existing = force ? null : await this.#store.findLinkByUrl(workspaceId, url);
    if (existing && (await this.#store.recentSnapshot(workspaceId, existing.id, since))) return;
    throw new QuotaExceededError(used, quota);
  }

  async waitFor(snapshotId: string, signal?: AbortSignal): Promise<Snapshot> {
    const current = await this.#store.getSnapshotById(snapshotId);
    if (isTerminal(current)) return current;
    return new Promise<Snapshot>((resolve, reject) => {
      const changes = this.events.snapshotChanges;
      // Another process may be the one capturing: look at the row now and then as well.
      const poll = setInterval(() => {
        this.#store.getSnapshotById(snapshotId).then(onChange, (error) => finish(() => reject(error)));
      }, 1_000);
      const onAbort = () => finish(() => reject(signal?.reason ?? new Error('aborted')));
      function onChange(snapshot: Snapshot) {
        if (isTerminal(snapshot)) finish(() => resolve(snapshot));
      }
      function finish(settle: () => void) {
        clearInterval(poll);
        changes.off(snapshotId, onChange);
        signal?.removeEventListener('abort', onAbort);
        settle();
      }
      changes.on(snapshotId, onChange);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  subscribe(platform: Platform, handler: ShareEventHandler, options?: SubscribeOptions): () => void {
    return this.events.subscribe(platform, handler, options);
  }

  find(query: FindQuery): Promise<FindResult> {
    if (!query.workspaceId) throw new InvalidInputError('A search needs a workspace');
    const limit = Math.min(Math.max(1, Math.floor(query.limit ?? 20)), 100);
    const text = query.text?.trim() || undefined;
    if (text && [...text].length > 500) throw new InvalidInputError('Search text is limited to 500 characters');
    const tooShort = unusableTerm({ tags: query.tags, text });
    // Without a tag, a term this short would be looked for in every page's text, on the main thread.
    if (tooShort !== null) throw new InvalidInputError(`"${tooShort}" is too short to search for: use at least two CJK characters or three of other scripts, or add a tag`);
    if (query.dead) {
      if (text) throw new InvalidInputError('dead:true lists dead links by tag; leave the text out');
      return this.#store.findDead({ ...query, tags: normalizeTags(query.tags ?? []), limit });
    }
    return this.#store.find({ ...query, tags: normalizeTags(query.tags ?? []), text, limit });
  }

  getSnapshot(workspaceId: string, snapshotId: string): Promise<Snapshot> {
    return this.#store.getSnapshot(workspaceId, snapshotId);
  }

  getSnapshotById(snapshotId: string): Promise<Snapshot> {
    return this.#store.getSnapshotById(snapshotId);
  }

  getLink(workspaceId: string, linkId: string, viewer?: Viewer | null): Promise<Link> {
    return this.#store.getLink(workspaceId, linkId, viewer ?? null);
  }

  findLinkByUrl(workspaceId: string, url: string): Promise<Link | null> {
    return this.#store.findLinkByUrl(workspaceId, normalizeUrl(url));
  }

  listVersions(workspaceId: string, linkId: string): Promise<Snapshot[]> {
    return this.#store.listVersions(workspaceId, linkId);
  }

  listShares(workspaceId: string, linkId: string): Promise<Share[]> {
    return this.#store.listShares(workspaceId, linkId);
  }

  /** The oldest share of a link: one indexed row, where listShares would read every re-post. */
  async firstShare(workspaceId: string, linkId: string): Promise<Share | null> {
    const first = await this.#store.firstShare(linkId);
    return first && first.workspaceId === workspaceId ? first : null;
  }

  async firstShareVisibleTo(workspaceId: string, linkId: string, viewer: Viewer | null, except: Share | null = null): Promise<Share | null> {
    const skip = except ? { shareId: except.id, channelId: except.channelId, messageId: except.messageId } : null;
    return this.#store.firstShareVisibleTo(workspaceId, linkId, viewer, skip);
  }

  recordCard(card: ChatCard): Promise<void> {
    return this.#store.recordCard(card);
  }

  cardAt(platform: Platform, channelId: string, messageId: string): Promise<ChatCard | null> {
    return this.#store.cardAt(platform, channelId, messageId);
  }

  messageProgress(workspaceId: string, channelId: string, messageId: string): Promise<MessageProgressCounts> {
    return this.#store.messageProgress(workspaceId, channelId, messageId);
  }

  async setChannelPrivacy(workspaceId: string, channelId: string, isPrivate: boolean): Promise<void> {
    const changed = await this.#store.setChannelPrivacy(workspaceId, channelId, isPrivate);
    if (changed) {
      this.#deps.logger({ level: 'info', context: 'service', message: isPrivate ? 'Channel became private; its shares are hidden from non-members' : 'Channel became public; its shares are open to the workspace', details: { workspace: workspaceId, channelId, shares: changed } });
    }
  }

  listTags(workspaceId: string, viewer?: Viewer | null): Promise<TagCount[]> {
    return this.#store.listTags(workspaceId, viewer ?? null);
  }

  listWorkspaces() {
    return this.#store.listWorkspaces();
  }

  async addTags(workspaceId: string, linkId: string, tags: string[]): Promise<Link> {
    await this.#store.getLink(workspaceId, linkId);
    await this.#store.addTags(workspaceId, linkId, normalizeTags(tags));
    return this.#store.getLink(workspaceId, linkId);
  }

  async removeTags(workspaceId: string, linkId: string, tags: string[]): Promise<Link> {
    await this.#store.getLink(workspaceId, linkId);
    await this.#store.removeTags(workspaceId, linkId, normalizeTags(tags));
    return this.#store.getLink(workspaceId, linkId);
  }

  async setTags(workspaceId: string, linkId: string, tags: string[], at?: TagsAt): Promise<Link> {
    const normalized = normalizeTags(tags);
    if (normalized.length > MaxTagsPerRequest) throw new InvalidInputError(`At most ${MaxTagsPerRequest} tags per link`);
    await this.#store.getLink(workspaceId, linkId);
    await this.#store.setTags(workspaceId, linkId, normalized, at?.place, at?.viewer ?? null);
    return this.#store.getLink(workspaceId, linkId, at?.viewer ?? null);
  }

  async forgetLink(workspaceId: string, linkId: string): Promise<void> {
    // Its files are deleted by the next gc (linksnap gc, LINKSNAP_GC_CRON), after a grace period,
    // so a capture that found one of them already stored can never lose it to this delete.
    const orphanedBlobs = await this.#store.deleteLink(workspaceId, linkId);
    this.#deps.logger({ level: 'info', context: 'service', message: 'Link forgotten', details: { workspace: workspaceId, linkId, filesForGc: orphanedBlobs.length } });
  }

  async forgetMessage(workspaceId: string, channelId: string, messageId: string): Promise<string[]> {
    const linkIds = await this.#store.deleteSharesByMessage(workspaceId, channelId, messageId);
    const removed: string[] = [];
    for (const linkId of linkIds) {
      // Checked and deleted in one transaction, so a share made meanwhile keeps its link.
      const orphanedBlobs = await this.#store.deleteLinkIfUnshared(workspaceId, linkId);
      if (orphanedBlobs === null) continue;
      removed.push(linkId);
    }
    if (removed.length) {
      this.#deps.logger({ level: 'info', context: 'service', message: 'Source message deleted; its captures forgotten', details: { workspace: workspaceId, links: removed } });
    }
    return removed;
  }

  artifact(snapshot: Snapshot, kind: ArtifactKind): ArtifactRef | null {
    return snapshot.artifacts[kind] ?? null;
  }

  openArtifact(ref: ArtifactRef, range?: ByteRange): Promise<OpenedArtifact> {
    return this.#deps.blobs.open(ref.sha256, range);
  }

  getSettings(workspaceId: string): Promise<WorkspaceSettings> {
    return this.#store.getSettings(workspaceId);
  }

  /**
   * Watches a link from a place: refused like snap() for a blocked address, for a schedule more
   * often than LINKSNAP_WATCH_MIN_INTERVAL, and past LINKSNAP_WATCHES_PER_WORKSPACE. A link never
   * captured is captured at once (the first version is the one later ones are compared with).
   */
  async watch(request: WatchRequest): Promise<WatchAccepted> {
    const settings = this.#deps.config.watches;
    const schedule = parseWatchEvery(request.every, settings.minIntervalMs);
    const url = normalizeUrl(request.url);
    try {
      await this.#deps.policy.checkUrl(url);
    } catch (error) {
      if (!(error instanceof LinksnapError && error.code === ErrorCode.DnsFailed)) throw error;
    }
    const workspace = request.workspace;
    const now = this.#now();
    await this.#store.ensureWorkspace(workspace.id, workspace.platform, workspace.name ?? null);
    const existing = await this.#store.findLinkByUrl(workspace.id, url);
    const channelId = request.place.channelId ?? null;
    const already = existing ? (await this.#store.listWatches(workspace.id, channelId)).some((watch) => watch.linkId === existing.id) : false;
    if (!already && (await this.#store.countWatches(workspace.id)) >= settings.perWorkspace) {
      throw new InvalidInputError(`This workspace has ${settings.perWorkspace} watches already, the most this server allows (LINKSNAP_WATCHES_PER_WORKSPACE); remove one first`);
    }
    const link = existing ?? (await this.#store.upsertLink(workspace.id, url, now));
    const captured = existing ? await this.#store.latestDoneSnapshot(link.id) : null;
    const accepted = await this.#store.putWatch({
      workspaceId: workspace.id,
      linkId: link.id,
      platform: request.place.platform,
      channelId,
      channelName: request.place.channelName ?? null,
      channelPrivate: request.place.private ?? false,
      every: schedule.every,
      createdBy: request.requester.id,
      nextRunAt: captured ? schedule.next(now) : now,
      now,
    });
    this.#deps.logger({ level: 'info', context: 'watch', message: accepted.created ? 'Watch set' : 'Watch schedule changed', details: { workspace: workspace.id, url, every: schedule.every, watchId: accepted.watch.id } });
    // Never captured: its first capture starts now (only this watch's run, not every due one).
    if (!captured && accepted.watch.pendingSnapshotId === null) await this.watches.startRun(accepted.watch, now);
    return { watch: (await this.#store.getWatch(workspace.id, accepted.watch.id)) ?? accepted.watch, created: accepted.created };
  }

  /** Stops the place's watch of a link; null when it had none. */
  async unwatch(workspaceId: string, channelId: string | null, url: string): Promise<Watch | null> {
    const link = await this.#store.findLinkByUrl(workspaceId, normalizeUrl(url));
    if (!link) return null;
    const watch = (await this.#store.listWatches(workspaceId, channelId)).find((candidate) => candidate.linkId === link.id);
    if (!watch) return null;
    await this.#store.deleteWatch(workspaceId, watch.id);
    this.#deps.logger({ level: 'info', context: 'watch', message: 'Watch removed', details: { workspace: workspaceId, url: link.url, watchId: watch.id } });
    return watch;
  }

  async removeWatch(workspaceId: string, watchId: string): Promise<Watch | null> {
    const watch = await this.#store.getWatch(workspaceId, watchId);
    if (!watch) return null;
    await this.#store.deleteWatch(workspaceId, watchId);
    this.#deps.logger({ level: 'info', context: 'watch', message: 'Watch removed', details: { workspace: workspaceId, url: watch.url, watchId } });
    return watch;
  }

  /** A workspace's watches; with `channelId`, one place's (null: the web page and the CLI). */
  listWatches(workspaceId: string, channelId?: string | null): Promise<Watch[]> {
    return this.#store.listWatches(workspaceId, channelId);
  }

  /** Starts the watch runs due now (`all`: every watch now), once per due time across processes. */
  async runWatches(options: { all?: boolean } = {}): Promise<WatchRunReport> {
    return { started: await this.watches.startDue(this.#now(), options.all ?? false) };
  }

  /** Judges the watch runs that ended (posting changes) and starts the due ones: the scheduled tick. */
  tickWatches(): Promise<WatchTickReport> {
    return this.watches.tick(this.#now());
  }

  /**
   * A capture of the link that nobody asked for in chat (a watch run): no share, so no chat reply.
   * A capture of the link already queued or running is reused.
   */
  async recapture(workspaceId: string, linkId: string): Promise<Snapshot> {
    const link = await this.#store.getLink(workspaceId, linkId);
    const inFlight = await this.#store.recentSnapshot(workspaceId, linkId, new Date(0));
    if (inFlight && (inFlight.status === 'queued' || inFlight.status === 'capturing')) return inFlight;
    // A watch stores a new version on every run: a workspace at its quota stores no more.
    await this.#checkQuota(workspaceId, link.url, this.#now(), true);
    // Behind anything a person asked for.
    const snapshot = await this.#newCapture(workspaceId, linkId, link.url, this.#now(), JobPriority.fromMessage);
    await this.#announceQueued();
    return snapshot;
  }

  /**
   * How the readable text changed from `againstId` to `snapshotId` (both versions of one link);
   * `againstId` defaults to the version the snapshot was compared with when it was captured.
   */
  async diff(workspaceId: string, snapshotId: string, againstId?: string | null): Promise<SnapshotDiff> {
    const to = await this.#store.getSnapshot(workspaceId, snapshotId);
    const fromId = againstId ?? to.change?.previousId ?? null;
    if (!fromId) throw new InvalidInputError(`Snapshot ${snapshotId} is its link's first version: name another version to compare it with`);
    const from = await this.#store.getSnapshot(workspaceId, fromId);
    if (from.linkId !== to.linkId) throw new InvalidInputError('Both snapshots must be versions of the same link');
    const [before, after] = await Promise.all([this.#readText(from), this.#readText(to)]);
    return { from, to, ...compareTexts(before, after) };
  }

  async #readText(snapshot: Snapshot): Promise<string> {
    const ref = snapshot.artifacts.text;
    if (!ref) {
      if (snapshot.status !== 'done') throw new InvalidInputError(`Snapshot ${snapshot.id} has no text to compare: it is ${snapshot.status}`);
      return '';
    }
    const opened = await this.#deps.blobs.open(ref.sha256);
    const chunks: Buffer[] = [];
    for await (const chunk of opened.stream as AsyncIterable<Buffer | string>) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    return Buffer.concat(chunks).toString('utf8');
  }

  /** Receives the notices (changes, dead links, digests) of one platform, at least once. */
  subscribeNotices(platform: Platform, handler: NoticeHandler, options?: NoticeSubscription): () => void {
    return this.notices.subscribe(platform, handler, options);
  }

  /**
   * The link check: every link not checked in the last 20 hours (`all`: every link now). A link
   * found gone twice in a row is dead, and the places it was shared in are told (rot_alerts).
   */
  checkLinks(options: { all?: boolean; signal?: AbortSignal } = {}): Promise<LinkCheckReport> {
    const before = options.all ? null : new Date(this.#now().getTime() - RecheckAfterMs);
    return checkLinks(
      {
        store: this.#store,
        policy: this.#deps.policy,
        onDeath: async (link, recorded) => {
          const written = await announceDeath(
            { deadLinkPlaces: (id) => this.#store.deadLinkPlaces(id), latestDoneSnapshot: (id) => this.#store.latestDoneSnapshot(id), getSettings: (id) => this.#store.getSettings(id), notices: this.notices },
            link,
            recorded,
          );
          if (recorded.becameDead || written) {
            this.#deps.logger({ level: 'info', context: 'schedule', message: 'Link found dead', details: { linkId: link.id, url: link.url, reason: recorded.deadReason, alerts: written } });
          }
        },
        onError: (link, error) => this.#deps.logger({ level: 'warn', context: 'schedule', message: 'Could not write the dead-link alerts; the next check tries again', details: { linkId: link.id, url: link.url, error } }),
      },
      before,
      options.signal,
    );
  }

  /** The channel digests due at `slot` (daily ones, and weekly ones when the slot is a Monday). */
  postDigests(slot: Date = this.#now()): Promise<DigestReport> {
    return postDigests(
      { workspacesWithDigests: () => this.#store.workspacesWithDigests(), channelName: (...args) => this.#store.channelName(...args), linksSharedIn: (...args) => this.#store.linksSharedIn(...args), notices: this.notices },
      slot,
    );
  }

  async updateSettings(workspaceId: string, patch: Partial<WorkspaceSettings>): Promise<WorkspaceSettings> {
    checkSettings(patch);
    // Settings may be the first thing a workspace does (an admin configures before anyone shares).
    await this.#store.ensureWorkspace(workspaceId, platformOfWorkspace(workspaceId), null);
    return this.#store.updateSettings(workspaceId, patch);
  }

  /** One attempt at one job: capture, persist, and record the outcome so the job never stays stuck. */
  async #runJob(job: LeasedJob, signal: AbortSignal): Promise<void> {
    const { logger } = this.#deps;
    const capture = this.#deps.capture!;
    const snapshot = await this.#store.getSnapshotById(job.snapshotId).catch(() => null);
    if (!snapshot) {
      // The link was forgotten while its job waited.
      await this.#store.completeJob(job.id);
      return;
    }
    const details = { jobId: job.id, url: snapshot.url, workspace: snapshot.workspaceId, attempt: job.attempts };
    const lease = { jobId: job.id, owner: this.#owner };
    if (snapshot.status === 'done') {
      // Its result is already recorded (a worker died after writing it): capturing again could only
      // turn a done snapshot back.
      await this.#store.completeJob(job.id);
      logger({ level: 'info', context: 'capture', message: 'Job leased again after its capture was recorded; closing it', details });
      return;
    }
    // Every lease counts as an attempt. More leases than attempts means earlier ones never
    // reported back: the page took the whole process down each time. Stop feeding it to the browser.
    if (job.attempts > job.maxAttempts) {
      const error = new LinksnapError(
        ErrorCode.CaptureFailed,
        `Capturing ${snapshot.url} stopped the capture worker ${job.attempts - 1} times; giving up on this page`,
      );
      if (!(await this.#recordFailure(lease, snapshot.id, error, null))) return;
      logger({ level: 'error', context: 'capture', message: 'Capture keeps crashing the worker; failed for good', details });
      await this.#publish(snapshot.id, 'failed');
      return;
    }

    const budget = jobBudget(snapshot, job, capture.limits.captureTimeoutMs, this.#now());
    let outcome: 'done' | 'failed' | 'retry' | 'released' | 'lost';
    try {
      await this.#store.updateSnapshot(snapshot.id, { status: 'capturing', startedAt: budget.startedAt.toISOString() });
      await this.#publish(snapshot.id, 'capturing');
      logger({ level: 'info', context: 'capture', message: 'Capture started', details: { ...details, timeoutMs: budget.remainingMs } });
      // An error that escapes the capture code still fails only this capture (capture-scope.ts).
      const crashed = new AbortController();
      const scope: CaptureScope = {
        jobId: job.id,
        url: snapshot.url,
        active: true,
        fail: (error) => crashed.abort(new CaptureCrashError(snapshot.url, error)),
      };
      try {
        await runInCaptureScope(scope, () =>
          captureSnapshot(capture, this.#store, snapshot, AbortSignal.any([signal, crashed.signal]), lease, budget.remainingMs),
        );
      } finally {
        scope.active = false;
      }
      logger({ level: 'info', context: 'capture', message: 'Capture done', details });
      outcome = 'done';
    } catch (thrown) {
      if (signal.aborted && isShuttingDown(signal)) {
        // Given back to the queue by the runner; the next start captures it again.
        await this.#store.updateSnapshot(snapshot.id, { status: 'queued' });
        outcome = 'released';
      } else if (thrown instanceof LeaseLostError || signal.reason instanceof LeaseLostError) {
        // Another worker holds the job now; whatever it records is the result.
        logger({ level: 'warn', context: 'capture', message: 'Lease lost during the capture; its result was not recorded', details });
        outcome = 'lost';
      } else if (isTransientStoreError(thrown)) {
        // The database or disk failed, not the page: try the job again, without counting this attempt.
        const retryAt = new Date(this.#now().getTime() + StoreRetryDelayMs);
        // The store may still be failing: keep trying for a while; if it never answers, the lease
        // runs out and the job is leased again anyway.
        let requeued: boolean | 'failed' = 'failed';
        for (let attempt = 1; attempt <= StoreRetryAttempts && requeued === 'failed'; attempt += 1) {
          // true: back in the queue; false: another worker holds it now; 'failed': the store still fails.
          requeued = await this.#store.requeueLeasedJob(lease, retryAt, asLinksnapError(thrown).message).catch(async () => {
            await new Promise((resolve) => setTimeout(resolve, StoreRetryDelayMs * attempt));
            return 'failed' as const;
          });
        }
        await this.#store.updateSnapshot(snapshot.id, { status: 'queued' }).catch(() => undefined);
        logger({ level: 'error', context: 'capture', message: 'The store failed under a capture; the job goes back to the queue', details: { ...details, error: thrown, requeued, retryAt } });
        outcome = 'retry';
      } else {
        const error = asLinksnapError(thrown);
        // Retry only while the job's time allows another real attempt, with a delay that fits in it.
        const now = this.#now().getTime();
        const left = budget.deadline - now;
        const delay = Math.min(this.#deps.retryDelayMs(job.attempts), Math.max(MinRetryDelayMs, left - budget.minAttemptMs));
        const retry = error.transient && job.attempts < job.maxAttempts && left - delay >= budget.minAttemptMs;
        const retryAt = retry ? new Date(now + delay) : null;
        const recorded = await this.#recordFailure(lease, snapshot.id, error, retryAt);
        logger({
          level: 'warn',
          context: 'capture',
          message: retry ? 'Capture failed; will retry' : 'Capture failed',
          details: { ...details, error, retryAt },
        });
        outcome = !recorded ? 'lost' : retry ? 'retry' : 'failed';
      }
    }
    // Telling adapters happens after the outcome is recorded: a failure to notify must never
    // turn a finished capture into a failed one (notifications are retried on their own).
    if (outcome === 'done' || outcome === 'failed') await this.#publish(snapshot.id, outcome);
  }

  /**
   * Records a failed attempt (back to the queue until retryAt, or failed for good when null) by the
   * lease holder only, job and snapshot together; false when the lease was lost and nothing was written.
   */
  async #recordFailure(lease: { jobId: string; owner: string }, snapshotId: string, error: LinksnapError, retryAt: Date | null): Promise<boolean> {
    return this.#store.failCapture(lease, snapshotId, { message: error.message, code: error.code }, retryAt);
  }

  async #publish(snapshotId: string, type: 'capturing' | 'done' | 'failed'): Promise<void> {
    try {
      await this.events.publish(snapshotId, type);
    } catch (error) {
      this.#deps.logger({ level: 'warn', context: 'service', message: 'Publishing progress failed', details: { snapshotId, type, error } });
    }
  }

  #now(): Date {
    return this.#deps.now?.() ?? new Date();
  }
}

/** Refuses settings no front end should be able to store (each adapter checks its own syntax first). */
function checkSettings(patch: Partial<WorkspaceSettings>): void {
  if (patch.keepVersions !== undefined && patch.keepVersions !== null && !(Number.isInteger(patch.keepVersions) && patch.keepVersions >= 1)) {
    throw new InvalidInputError('keep_versions is a whole number of at least 1 (or all)');
  }
  if (patch.dropFullPageAfterDays !== undefined && patch.dropFullPageAfterDays !== null && !(Number.isInteger(patch.dropFullPageAfterDays) && patch.dropFullPageAfterDays >= 0)) {
    throw new InvalidInputError('drop_fullpage_after is a whole number of days, 0 or more (or never)');
  }
  if (patch.rotAlerts !== undefined && !['thread', 'channel', 'off'].includes(patch.rotAlerts)) throw new InvalidInputError('rot_alerts is thread, channel or off');
  if (patch.digests !== undefined && Object.values(patch.digests).some((period) => period !== 'daily' && period !== 'weekly')) {
    throw new InvalidInputError('A channel digest is daily or weekly (off removes it)');
  }
}

/** Workspace ids are namespaced by platform (`discord:…`, `slack:…`, `local`). */
function platformOfWorkspace(workspaceId: string): Platform {
  const prefix = workspaceId.split(':')[0];
  return prefix === 'discord' || prefix === 'slack' ? prefix : 'web';
}

/** LINKSNAP_IMPORT_HOST_INTERVAL's default, for a service built without it (tests). */
const DefaultImportHostIntervalMs = 10_000;

/** A link checked within this window is not checked again by the scheduled check. */
const RecheckAfterMs = 20 * 3_600_000;

/** The shortest attempt worth making (or a third of the budget when that is less): a retry that would get less is not made. */
const MinAttemptMs = 20_000;
const MinRetryDelayMs = 1_000;
/** After the store failed under a capture (busy, full disk, lost connection). */
const StoreRetryDelayMs = 5_000;
const StoreRetryAttempts = 5;

/**
 * One time budget for a job and all its retries (LINKSNAP_CAPTURE_TIMEOUT), counted from its
 * first attempt, so a server that never answers fails the job within that time, not once per
 * attempt. A job leased again after its process died (its budget long gone) starts a fresh one.
 */
function jobBudget(snapshot: Snapshot, job: LeasedJob, budgetMs: number, now: Date) {
  const minAttemptMs = Math.min(MinAttemptMs, budgetMs / 3);
  const first = job.attempts > 1 && snapshot.startedAt ? new Date(snapshot.startedAt) : null;
  // Retries are only scheduled while they fit, so a budget already over at lease time means the
  // previous attempt never reported back (its process died): start afresh.
  const startedAt = first && first.getTime() + budgetMs > now.getTime() ? first : now;
  const deadline = startedAt.getTime() + budgetMs;
  return { startedAt, deadline, remainingMs: deadline - now.getTime(), minAttemptMs };
}

function isTerminal(snapshot: Snapshot): boolean {
  return snapshot.status === 'done' || snapshot.status === 'failed';
}

function isShuttingDown(signal: AbortSignal): boolean {
  return signal.reason instanceof Error && signal.reason.message === 'shutting down';
}

