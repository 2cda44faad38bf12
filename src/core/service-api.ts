// The one API every front end (Discord, Slack, web page, CLI) calls. Implemented by
// LinksnapService in service.ts; adapters depend on this interface only.
import type { SubscribeOptions } from './snapshot-events.js';
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
import type { ImportReport, ImportRequest } from './import-links.js';
import type { UploadRequest } from './service.js';
import type { LinkCheckReport } from './link-check.js';
import type { NoticeSubscription } from './notices.js';

export interface SnapService {
  /**
   * Validates and normalises the URL, checks the egress policy, dedupes within the dedup window,
   * records tags and the share, persists a capture job and returns at once.
   * Throws InvalidUrlError / UnsupportedSchemeError / BlockedAddressError for refused input.
   */
  snap(request: SnapRequest): Promise<SnapAccepted>;

  /**
   * Brings in the links of a bookmark file (Netscape HTML, Pocket CSV, Karakeep or Linkwarden JSON,
   * a URL list): new links with a share at the file's saved time, their tags and folders as tags,
   * and a capture queued behind everything people asked for (`capture`), spaced per host, or kept
   * as not_captured. Links already there gain only the tags they lack. Bad lines are reported and
   * skipped. Throws InvalidInputError / TooLargeError for a file it cannot read.
   */
  importLinks(request: ImportRequest): Promise<ImportReport>;
  /** "Upload your own": a saved page becomes a new version of a link whose capture failed or came out incomplete. */
  uploadVersion(request: UploadRequest): Promise<Snapshot>;

  /** Resolves when the snapshot is done or failed (or the signal aborts). */
  waitFor(snapshotId: string, signal?: AbortSignal): Promise<Snapshot>;

  /**
   * Receives progress (queued → capturing → done / failed) of every share made from `platform`.
   * Terminal events are delivered at least once: one not acknowledged (handler threw, or the
   * process stopped) is delivered again when a handler subscribes after a restart.
   */
  subscribe(platform: Platform, handler: ShareEventHandler, options?: SubscribeOptions): () => void;

  find(query: FindQuery): Promise<FindResult>;
  getSnapshot(workspaceId: string, snapshotId: string): Promise<Snapshot>;
  /** Looks a snapshot up by id alone: for signed links and the local web page. */
  getSnapshotById(snapshotId: string): Promise<Snapshot>;
  /** The link with the tags `viewer` may see (absent or null: every tag). */
  getLink(workspaceId: string, linkId: string, viewer?: Viewer | null): Promise<Link>;
  /** The link stored for this address (normalised like snap() does), or null. */
  findLinkByUrl(workspaceId: string, url: string): Promise<Link | null>;
  /** Every snapshot (version) of a link, newest first. */
  listVersions(workspaceId: string, linkId: string): Promise<Snapshot[]>;
  /** Shares of a link, oldest first (the first is who shared it first). */
  listShares(workspaceId: string, linkId: string): Promise<Share[]>;
  /** The first share of a link (who shared it first), or null; one row however often it was re-posted. */
  firstShare(workspaceId: string, linkId: string): Promise<Share | null>;
  /**
   * The oldest share of the link `viewer` may see, leaving out `except` and the other shares of its
   * message: what "already shared" answers may point at without revealing a private channel.
   */
  firstShareVisibleTo(workspaceId: string, linkId: string, viewer: Viewer | null, except?: Share | null): Promise<Share | null>;
  /** How the captures of one posted message stand (shares made from it, by their snapshot's status). */
  messageProgress(workspaceId: string, channelId: string, messageId: string): Promise<MessageProgressCounts>;
  /** Remembers a card the bot posted, so a reaction on it (🔄) finds its link. */
  recordCard(card: ChatCard): Promise<void>;
  /** The card the bot posted as this message, or null. */
  cardAt(platform: Platform, channelId: string, messageId: string): Promise<ChatCard | null>;
  /** The platform reports a channel's privacy changed: its shares and tags are shown or hidden to match. */
  setChannelPrivacy(workspaceId: string, channelId: string, isPrivate: boolean): Promise<void>;
  /** Counts links through tags the viewer can see. */
  listTags(workspaceId: string, viewer?: Viewer | null): Promise<TagCount[]>;
  listWorkspaces(): Promise<Array<{ id: string; platform: Platform; name: string | null; links: number }>>;

  addTags(workspaceId: string, linkId: string, tags: string[]): Promise<Link>;
  removeTags(workspaceId: string, linkId: string, tags: string[]): Promise<Link>;
  /** Replaces the tags seen from `at` (absent: every tag, given openly); returns the link as seen from there. */
  setTags(workspaceId: string, linkId: string, tags: string[], at?: TagsAt): Promise<Link>;
  /** Deletes the link, all its snapshots and shares, and blobs nothing else references. */
  forgetLink(workspaceId: string, linkId: string): Promise<void>;
  /**
   * The message a link was auto-captured from was deleted: removes the shares made from it and
   * every link left with no share. Returns the ids of the links removed.
   */
  forgetMessage(workspaceId: string, channelId: string, messageId: string): Promise<string[]>;

  /** Opens a stored artifact for reading. */
  artifact(snapshot: Snapshot, kind: ArtifactKind): ArtifactRef | null;
  /** Streams a stored artifact (or the inclusive byte range of it) from the blob store. */
  openArtifact(ref: ArtifactRef, range?: ByteRange): Promise<OpenedArtifact>;

  getSettings(workspaceId: string): Promise<WorkspaceSettings>;
  updateSettings(workspaceId: string, patch: Partial<WorkspaceSettings>): Promise<WorkspaceSettings>;

  /**
   * Watches a link from a place (a chat channel, or the web page / CLI with channelId null): it is
   * captured again on `every` (hourly, daily, weekly or a cron expression) and a change is posted
   * to the channel. Setting it again from the same place changes its schedule. Throws
   * InvalidInputError for a bad or too frequent schedule or past the workspace's cap, and the
   * snap() errors for a refused URL.
   */
  watch(request: WatchRequest): Promise<WatchAccepted>;
  /** Stops the place's watch of the link; null when the place had none. */
  unwatch(workspaceId: string, channelId: string | null, url: string): Promise<Watch | null>;
  /** Stops a watch by id; null when the workspace has no such watch. */
  removeWatch(workspaceId: string, watchId: string): Promise<Watch | null>;
  /** A workspace's watches; with `channelId`, only that place's (null: the web page and the CLI). */
  listWatches(workspaceId: string, channelId?: string | null): Promise<Watch[]>;
  /** Starts the watch runs due now (`all`: every watch now); each due time runs once across processes. */
  runWatches(options?: { all?: boolean }): Promise<WatchRunReport>;
  /**
   * How the readable text changed from `againstId` to `snapshotId` (two versions of one link);
   * without `againstId`, against the version it was compared with when captured.
   */
  diff(workspaceId: string, snapshotId: string, againstId?: string | null): Promise<SnapshotDiff>;
  /** Receives the posts a platform's bot makes on its own (a watched page changed, a link died, a digest), at least once. */
  subscribeNotices(platform: Platform, handler: NoticeHandler, options?: NoticeSubscription): () => void;
  /** Runs the link check now: links not checked for 20 hours, or with `all` every link. */
  checkLinks(options?: { all?: boolean }): Promise<LinkCheckReport>;
}
