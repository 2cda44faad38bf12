// The domain vocabulary every front end speaks. Adapters translate their platform's payloads into
// these shapes and back; nothing here knows about Discord, Slack or HTTP.

export type Platform = 'discord' | 'slack' | 'web' | 'cli';

/** Where a request came from. `local` is the workspace of the web page and the CLI. */
export interface WorkspaceRef {
  /** Stable id, namespaced by platform: `discord:<guildId>`, `discord:dm:<userId>`, `slack:<teamId>`, `local`. */
  id: string;
  platform: Platform;
  name?: string;
}

export interface Requester {
  /** Platform user id (`local` for the web page and CLI). */
  id: string;
  name?: string;
}

/** Where a link was shared, so a reply can be posted later and visibility can be enforced. */
export interface SourceRef {
  platform: Platform;
  channelId?: string | null;
  channelName?: string | null;
  /** True when not every member of the workspace can read the channel (private channel, DM, group DM). */
  channelPrivate?: boolean;
  messageId?: string | null;
  /** True when the link was picked up from a posted message rather than an explicit /snap. */
  auto?: boolean;
  /** The text of the message that shared it, kept with the share (capped at MessageTextChars). */
  messageText?: string | null;
  /**
   * Opaque, JSON-serialisable context the adapter needs to answer later (interaction token, channel,
   * message ts…). Stored with the request so a reply survives a restart.
   */
  replyTo?: unknown;
}

export interface SnapRequest {
  url: string;
  tags?: string[];
  workspace: WorkspaceRef;
  requester: Requester;
  source: SourceRef;
  /** Capture again even when a recent snapshot of the same link exists. */
  force?: boolean;
}

/**
 * 'not_captured': a link kept without a capture (an import with --no-capture); it has no job until
 * someone snaps it or a later import captures it.
 */
export type SnapshotStatus = 'queued' | 'capturing' | 'done' | 'failed' | 'not_captured';

export type ArtifactKind =
  | 'screenshot' // viewport PNG, 1280x800
  | 'fullpage' // full-page screenshot, height capped (JPEG)
  | 'thumbnail' // at most 400 px wide, WebP
  | 'mhtml' // the page as rendered, from the browser
  | 'archive' // single self-contained HTML made from the MHTML
  | 'text' // readable text (Readability), falling back to the visible text
  | 'visibleText' // all visible text of the page
  | 'original' // a non-HTML download (PDF, image, file) stored as fetched
  | 'wacz'; // every response the page loaded, as WARC records in a WACZ package (replayable with its scripts)

export interface ArtifactRef {
  kind: ArtifactKind;
  sha256: string;
  size: number;
  mime: string;
}

/** Inclusive byte positions, as in an HTTP Range header. */
export interface ByteRange {
  start: number;
  end: number;
}

/** A stored artifact opened for reading: the bytes asked for, and the size of the whole blob. */
export interface OpenedArtifact {
  stream: NodeJS.ReadableStream & { destroy(error?: Error): unknown };
  size: number;
}

export interface PageMetadata {
  title: string | null;
  description: string | null;
  siteName: string | null;
  author: string | null;
  publishedTime: string | null;
  lang: string | null;
  dir: 'ltr' | 'rtl' | null;
  favicon: string | null;
  canonicalUrl: string | null;
}

export interface Snapshot extends PageMetadata {
  id: string;
  linkId: string;
  workspaceId: string;
  url: string;
  status: SnapshotStatus;
  /** Human-readable reason when failed. */
  error: string | null;
  /** Stable machine code when failed (see errors.ts ErrorCode). */
  errorCode: string | null;
  /** Kept, but the page looked like a bot wall, login wall, error page or was nearly empty. */
  degraded: boolean;
  degradedReason: string | null;
  finalUrl: string | null;
  httpStatus: number | null;
  contentType: string | null;
  contentHash: string | null;
  createdAt: string; // ISO
  startedAt: string | null;
  capturedAt: string | null;
  artifacts: Partial<Record<ArtifactKind, ArtifactRef>>;
  /**
   * How this version's readable text differs from the link's previous done version, volatile parts
   * (times, counters, tokens) ignored: null for a first version, a failed capture, or one not compared.
   */
  change: SnapshotChange | null;
  /** Made from a page someone uploaded ("upload your own"), and who; absent or null for a capture. */
  uploadedBy?: string | null;
  /** The uploaded file's blob the capture job renders offline (internal; never in the JSON). */
  uploadSha256?: string | null;
}

export interface SnapshotChange {
  previousId: string;
  /** When the previous version was captured ("changed since <date>"). */
  previousCapturedAt: string | null;
  /** False when only what changes on every load changed (a timestamp, a counter): a re-capture, not a change. */
  changed: boolean;
  /** Lines of readable text added and removed. */
  added: number;
  removed: number;
}

/** One run of changed lines with context, as a unified diff's hunk: lines start with ' ', '-' or '+'. */
export interface DiffHunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  lines: string[];
}

/** The readable-text difference between two snapshots of a link. */
export interface TextDiff {
  changed: boolean;
  added: number;
  removed: number;
  hunks: DiffHunk[];
  /** True when the texts were too far apart to diff line by line in time: counts are by distinct lines, no hunks. */
  approximate: boolean;
}

export interface Link {
  id: string;
  workspaceId: string;
  /** Normalised URL, unique per workspace. */
  url: string;
  createdAt: string;
  tags: string[];
  /** Whether the original URL still answered when last checked (schedule.ts); absent until checked. */
  lastCheck?: LinkCheck | null;
}

export interface LinkCheck {
  checkedAt: string;
  alive: boolean;
  httpStatus: number | null;
  error: string | null;
  /** This check found the page gone: 404/410, a host that no longer resolves, or a soft 404. */
  gone?: boolean;
  /** Checks in a row that found it gone. */
  failures?: number;
  /** Set once two checks in a row found it gone; cleared when it answers again. */
  deadSince?: string | null;
  deadReason?: string | null;
}

/** How often a watch captures its page: hourly, daily, weekly, or a five-field cron expression. */
export type WatchEvery = string;

/** A link captured again on a schedule; changes are posted to the channel it was set in. */
export interface Watch {
  id: string;
  workspaceId: string;
  linkId: string;
  url: string;
  platform: Platform;
  /** The channel that set it; null for the web page and the CLI. */
  channelId: string | null;
  channelName: string | null;
  every: WatchEvery;
  createdBy: string;
  createdAt: string;
  nextRunAt: string;
  lastRunAt: string | null;
  lastSnapshotId: string | null;
  /** The capture the latest run started, until that run is judged (then it is lastSnapshotId, or counted as a failure). */
  pendingSnapshotId: string | null;
  /** Runs in a row whose capture failed. */
  failures: number;
}

export interface WatchRequest {
  url: string;
  every: WatchEvery;
  workspace: WorkspaceRef;
  requester: Requester;
  /** Where it was set: a chat channel (changes are posted there), or the web page / CLI (channelId null). */
  place: { platform: Platform; channelId: string | null; channelName?: string | null; private?: boolean };
}

export interface WatchAccepted {
  watch: Watch;
  /** False when the place already watched the link (its schedule was changed). */
  created: boolean;
}

/** What one look for due watches started. */
export interface WatchRunReport {
  started: Array<{ watch: Watch; snapshotId: string }>;
}

/** The readable-text difference from `from` (older) to `to`. */
export interface SnapshotDiff extends TextDiff {
  from: Snapshot;
  to: Snapshot;
}

/** What a chat bot posts on its own, kept in the notices outbox until the platform took it. */
export type NoticePayload =
  | {
      kind: 'change';
      watchId: string;
      linkId: string;
      url: string;
      title: string | null;
      before: NoticeSnapshot;
      after: NoticeSnapshot;
      added: number;
      removed: number;
      /** The first changed lines, '-' or '+' first, capped for a chat message. */
      excerpt: string[];
      locale: string | null;
    }
  | { kind: 'watch-failing'; watchId: string; linkId: string; url: string; failures: number; error: string | null; locale: string | null }
  | {
      kind: 'dead';
      linkId: string;
      url: string;
      title: string | null;
      /** The latest done snapshot, the page as it was; null when it was never captured. */
      snapshot: NoticeSnapshot | null;
      reason: string;
      deadSince: string;
      /** The message it was shared in, to answer in its thread (rot_alerts: thread); null: the channel. */
      threadOf: { channelId: string; messageId: string } | null;
      locale: string | null;
    }
  | {
      kind: 'digest';
      period: 'daily' | 'weekly';
      from: string;
      to: string;
      groups: Array<{ tag: string | null; items: Array<{ linkId: string; url: string; title: string | null; snapshot: NoticeSnapshot }> }>;
      total: number;
      locale: string | null;
    };

/** A snapshot as a notice names it: enough to link to it and show its thumbnail. */
export interface NoticeSnapshot {
  snapshotId: string;
  capturedAt: string | null;
  /** The thumbnail artifact, when there is one. */
  thumbnail: ArtifactRef | null;
}

export interface Notice {
  id: string;
  workspaceId: string;
  platform: Platform;
  channelId: string;
  createdAt: string;
  payload: NoticePayload;
}

export type NoticeHandler = (notice: Notice) => Promise<void>;

/** One time someone shared or snapped a link: who, where, and how to answer them. */
export interface Share {
  id: string;
  workspaceId: string;
  linkId: string;
  snapshotId: string;
  platform: Platform;
  userId: string;
  userName: string | null;
  channelId: string | null;
  channelName: string | null;
  channelPrivate: boolean;
  messageId: string | null;
  auto: boolean;
  /** The text of the message that shared it, when it came from one. */
  messageText: string | null;
  replyTo: unknown;
  createdAt: string;
}

export interface SnapAccepted {
  snapshot: Snapshot;
  link: Link;
  share: Share;
  /** True when a recent snapshot was reused instead of capturing again. */
  deduplicated: boolean;
  /** The first time this link was shared in the workspace, when it was shared before this request. */
  firstShare: Share | null;
}

/** Which channels a viewer can read; links shared only in private channels outside this set are hidden. */
export interface Viewer {
  channelIds: string[];
}

export interface FindQuery {
  workspaceId: string;
  /** ANDed; normalised like stored tags. */
  tags?: string[];
  /** Full-text over title, description, URL and page text; substrings of any script. */
  text?: string;
  limit?: number;
  cursor?: string | null;
  /** Absent or null: no channel restriction (web page, CLI). */
  viewer?: Viewer | null;
  /** Only links the link check found dead, most recently dead first (tags still apply). */
  dead?: boolean;
}

export interface FindItem {
  link: Link;
  /** Latest snapshot of the link. */
  snapshot: Snapshot;
}

export interface FindResult {
  items: FindItem[];
  nextCursor: string | null;
}

/** A message the bot posted that shows a link's snapshot. */
export interface ChatCard {
  platform: Platform;
  channelId: string;
  messageId: string;
  workspaceId: string;
  linkId: string;
  shareId: string | null;
}

/** How the links of one posted message stand. */
export interface MessageProgressCounts {
  /** Queued or capturing. */
  pending: number;
  done: number;
  failed: number;
}

/** Where tags are given (a channel, or null for the web page and CLI), so they are seen only where that place is. */
export interface TagPlace {
  channelId: string | null;
  private: boolean;
}

/** Where a retag happens and who does it: tags they cannot see are kept, new ones are given at the place. */
export interface TagsAt {
  place: TagPlace;
  viewer: Viewer | null;
}

export interface TagCount {
  tag: string;
  count: number;
}

export type SnapshotEventType = 'queued' | 'capturing' | 'done' | 'failed';

/** Progress of one share's snapshot, delivered to the adapter of the share's platform. */
export interface ShareEvent {
  type: SnapshotEventType;
  share: Share;
  snapshot: Snapshot;
}

export type ShareEventHandler = (event: ShareEvent) => Promise<void> | void;

/** Per-workspace settings set from chat (/snapconfig) or the web page. */
export interface WorkspaceSettings {
  /** Channels where posted links are captured; null means every channel. */
  autoCaptureChannels: string[] | null;
  /** Channels excluded from auto-capture. */
  autoCaptureExcluded: string[];
  autoCapture: boolean;
  /**
   * What captures a posted link when auto-capture is on: `auto`, every posted link; `reaction`,
   * only messages someone reacts to with `captureEmoji`.
   */
  captureTrigger: 'auto' | 'reaction';
  /** The reaction that captures a message in `reaction` mode (a Unicode emoji, or a custom emoji's name). */
  captureEmoji: string;
  /** Reply in a thread after an auto-capture (otherwise reactions only). */
  replyInThread: boolean;
  /** How to answer a re-posted link: a reaction only, or a short reply. */
  duplicateNotice: 'reaction' | 'reply' | 'off';
  /** Deleting the source message removes its auto-capture. */
  forgetOnDelete: boolean;
  /** A refused or failed auto-capture also says why, to the poster (ephemeral, or in the thread). */
  explainFailures: boolean;
  locale: string | null;
  /** Where a dead link is announced: in the thread of the message that shared it, in its channel, or not at all. */
  rotAlerts: 'thread' | 'channel' | 'off';
  /** Channels that get a digest of the links captured there, and how often (absent: off). */
  digests: Record<string, 'daily' | 'weekly'>;
  /** Keep only the newest N versions of each link (null: keep everything). */
  keepVersions: number | null;
  /** Drop full-page screenshots of versions older than this many days (null: never). */
  dropFullPageAfterDays: number | null;
}

export const DefaultWorkspaceSettings: WorkspaceSettings = {
  autoCaptureChannels: null,
  autoCaptureExcluded: [],
  autoCapture: true,
  captureTrigger: 'auto',
  captureEmoji: '📌',
  replyInThread: false,
  duplicateNotice: 'reaction',
  forgetOnDelete: true,
  explainFailures: true,
  locale: null,
  rotAlerts: 'thread',
  digests: {},
  keepVersions: null,
  dropFullPageAfterDays: null,
};
