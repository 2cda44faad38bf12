// Row types of every table, as stored. Flags are integers (0/1) and JSON is text, so the same
// migrations run on SQLite and, later, Postgres; the repositories map rows to domain types.
import type { Kysely } from 'kysely';

export interface WorkspaceRow {
  id: string;
  platform: string;
  name: string | null;
  /** JSON of a Partial<WorkspaceSettings>; defaults are merged in on read. */
  settings: string;
  created_at: string;
}

export interface LinkRow {
  id: string;
  workspace_id: string;
  url: string;
  created_at: string;
  /** Time of the latest snapshot (or of creation, before the first one). */
  updated_at: string;
  /**
   * Global, strictly increasing position of the link's latest activity, reassigned with
   * updated_at. Newest-first paging and the search index key on it, so no two links tie.
   */
  seq: number;
  latest_snapshot_id: string | null;
  /** 1 when some share of the link is readable by every member (public channel, web, CLI). */
  public: number;
}

export interface SnapshotRow {
  id: string;
  link_id: string;
  workspace_id: string;
  url: string;
  status: string;
  error: string | null;
  error_code: string | null;
  degraded: number;
  degraded_reason: string | null;
  final_url: string | null;
  http_status: number | null;
  content_type: string | null;
  content_hash: string | null;
  title: string | null;
  description: string | null;
  site_name: string | null;
  author: string | null;
  published_time: string | null;
  lang: string | null;
  dir: string | null;
  favicon: string | null;
  canonical_url: string | null;
  created_at: string;
  started_at: string | null;
  captured_at: string | null;
  /** The previous done snapshot of the link this one was compared with; null for a first version. */
  change_previous_id: string | null;
  /** When that previous version was captured, so a reply can say "changed since <date>" without reading it. */
  change_previous_at: string | null;
  /** 1 when the readable text changed (volatile parts ignored), 0 when not; null when not compared. */
  change_changed: number | null;
  /** Lines of readable text added and removed against change_previous_id. */
  change_added: number | null;
  change_removed: number | null;
  /** Who uploaded the page this version was made from (migration 0014); null for a capture. */
  uploaded_by?: string | null;
  /** The uploaded file's blob, rendered offline by the capture job instead of fetching the URL. */
  upload_sha256?: string | null;
}

export interface ArtifactRow {
  snapshot_id: string;
  kind: string;
  sha256: string;
  size: number;
  mime: string;
}

export interface TagRow {
  workspace_id: string;
  name: string;
  created_at: string;
}

export interface LinkTagRow {
  link_id: string;
  tag: string;
  /** Copies of the link's workspace and seq, so one tag's links are read newest first from an index. */
  workspace_id: string;
  seq: number;
  /** The channel the tag was given in; '' for the web page and CLI (open to the workspace). */
  channel_id: string;
  /** 1 while that place is open to the whole workspace; follows the channel's privacy. */
  public: number;
  /** A copy of links.public, kept with it, so tag counts read no link row. */
  link_public: number;
}

export interface ShareRow {
  id: string;
  workspace_id: string;
  link_id: string;
  snapshot_id: string;
  platform: string;
  user_id: string;
  user_name: string | null;
  channel_id: string | null;
  channel_name: string | null;
  channel_private: number;
  message_id: string | null;
  auto: number;
  /** JSON, or null. */
  reply_to: string | null;
  created_at: string;
  notified_at: string | null;
  last_event: string | null;
  /** Failed tries at delivering the share's terminal reply. */
  delivery_attempts: number;
  /** No new try before this time (backoff); null: at once. */
  next_delivery_at: string | null;
  /** The text of the message that shared the link (capped), so people remember why it mattered. */
  message_text: string | null;
}

export interface ChatCardRow {
  platform: string;
  channel_id: string;
  message_id: string;
  workspace_id: string;
  link_id: string;
  share_id: string | null;
  created_at: string;
}

export interface JobRow {
  id: string;
  snapshot_id: string;
  /** The workspace the capture is for: leases are shared fairly between workspaces. */
  workspace_id: string;
  /** 0: asked for explicitly (/snap, web, CLI); 1: captured from a posted message or a watch; 2: an import. Lower goes first. */
  priority: number;
  status: string;
  attempts: number;
  max_attempts: number;
  run_after: string;
  lease_owner: string | null;
  lease_expires_at: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  /** The host the job captures (migration 0013): imported captures are spaced and held per host. Null on older jobs. */
  host: string | null;
}

export interface LinkCheckRow {
  link_id: string;
  checked_at: string;
  alive: number;
  http_status: number | null;
  error: string | null;
  /** Checks in a row that found the link gone (404/410, no such host, a soft 404). */
  failures: number;
  /** When the link was called dead (the second failed check in a row); null while it is not. */
  dead_since: string | null;
  dead_reason: string | null;
}

export interface WatchRow {
  id: string;
  workspace_id: string;
  link_id: string;
  platform: string;
  /** The channel the watch was set in; '' for the web page and the CLI. */
  channel_id: string;
  channel_name: string | null;
  channel_private: number;
  /** As given: hourly, daily, weekly, or a cron expression. */
  every: string;
  created_by: string;
  created_at: string;
  next_run_at: string;
  last_run_at: string | null;
  /** The capture the latest run started, until that run is judged. */
  pending_snapshot_id: string | null;
  last_snapshot_id: string | null;
  /** Runs in a row whose capture failed. */
  failures: number;
  /** 1 once the channel was told the watch keeps failing (told once, until it works again). */
  failing_told: number;
}

export interface NoticeRow {
  id: string;
  workspace_id: string;
  platform: string;
  channel_id: string;
  kind: string;
  /** What makes the post unique (e.g. a change of one snapshot for one watch): it is made once. */
  dedup_key: string;
  /** JSON of the Notice's payload. */
  payload: string;
  created_at: string;
  delivered_at: string | null;
  given_up_at: string | null;
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
}

export interface ScheduleRunRow {
  name: string;
  slot: string;
  owner: string;
  claimed_at: string;
}

export interface Database {
  link_checks: LinkCheckRow;
  watches: WatchRow;
  notices: NoticeRow;
  chat_cards: ChatCardRow;
  schedule_runs: ScheduleRunRow;
  workspaces: WorkspaceRow;
  links: LinkRow;
  snapshots: SnapshotRow;
  artifacts: ArtifactRow;
  tags: TagRow;
  link_tags: LinkTagRow;
  shares: ShareRow;
  jobs: JobRow;
}

export type Db = Kysely<Database>;
