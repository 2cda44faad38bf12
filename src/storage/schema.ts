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
  /** 0: asked for explicitly (/snap, web, CLI); 1: captured from a posted message. Lower goes first. */
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
}

export interface LinkCheckRow {
  link_id: string;
  checked_at: string;
  alive: number;
  http_status: number | null;
  error: string | null;
}

export interface ScheduleRunRow {
  name: string;
  slot: string;
  owner: string;
  claimed_at: string;
}

export interface Database {
  link_checks: LinkCheckRow;
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
