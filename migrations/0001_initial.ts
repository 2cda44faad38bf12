// The whole relational model, in portable SQL (text ids and ISO-8601 UTC timestamps, integer
// flags, JSON as text), so a Postgres dialect can run the same migration. Never edit after it lands.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('workspaces')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('settings', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('links')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('latest_snapshot_id', 'text')
    .addColumn('public', 'integer', (c) => c.notNull().defaultTo(0))
    .addUniqueConstraint('links_workspace_url_unique', ['workspace_id', 'url'])
    .execute();
  await db.schema.createIndex('links_seq_unique').unique().on('links').column('seq').execute();
  // find() without tags or text: one workspace's links, newest first, straight from the index.
  await db.schema.createIndex('links_workspace_seq').on('links').columns(['workspace_id', 'seq']).execute();

  await db.schema
    .createTable('snapshots')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('link_id', 'text', (c) => c.notNull().references('links.id').onDelete('cascade'))
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('error_code', 'text')
    .addColumn('degraded', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('degraded_reason', 'text')
    .addColumn('final_url', 'text')
    .addColumn('http_status', 'integer')
    .addColumn('content_type', 'text')
    .addColumn('content_hash', 'text')
    .addColumn('title', 'text')
    .addColumn('description', 'text')
    .addColumn('site_name', 'text')
    .addColumn('author', 'text')
    .addColumn('published_time', 'text')
    .addColumn('lang', 'text')
    .addColumn('dir', 'text')
    .addColumn('favicon', 'text')
    .addColumn('canonical_url', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text')
    .addColumn('captured_at', 'text')
    .execute();
  // Versions of a link newest first, and the dedupe lookup (latest snapshot since a time).
  await db.schema.createIndex('snapshots_link_created').on('snapshots').columns(['link_id', 'created_at']).execute();

  await db.schema
    .createTable('artifacts')
    .addColumn('snapshot_id', 'text', (c) => c.notNull().references('snapshots.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('mime', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('artifacts_pk', ['snapshot_id', 'kind'])
    .execute();
  // Whether a blob is still referenced after a delete.
  await db.schema.createIndex('artifacts_sha256').on('artifacts').column('sha256').execute();

  await db.schema
    .createTable('tags')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('tags_pk', ['workspace_id', 'name'])
    .execute();

  await db.schema
    .createTable('link_tags')
    .addColumn('link_id', 'text', (c) => c.notNull().references('links.id').onDelete('cascade'))
    .addColumn('tag', 'text', (c) => c.notNull())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('link_tags_pk', ['link_id', 'tag'])
    .execute();
  // find() by tag: one tag's links newest first; also tag counts per workspace.
  await db.schema.createIndex('link_tags_workspace_tag_seq').on('link_tags').columns(['workspace_id', 'tag', 'seq']).execute();

  await db.schema
    .createTable('shares')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('link_id', 'text', (c) => c.notNull().references('links.id').onDelete('cascade'))
    .addColumn('snapshot_id', 'text', (c) => c.notNull().references('snapshots.id').onDelete('cascade'))
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('user_name', 'text')
    .addColumn('channel_id', 'text')
    .addColumn('channel_name', 'text')
    .addColumn('channel_private', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('message_id', 'text')
    .addColumn('auto', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('reply_to', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('notified_at', 'text')
    .addColumn('last_event', 'text')
    .execute();
  await db.schema.createIndex('shares_link_created').on('shares').columns(['link_id', 'created_at']).execute();
  await db.schema.createIndex('shares_snapshot').on('shares').column('snapshot_id').execute();
  await db.schema.createIndex('shares_message').on('shares').columns(['workspace_id', 'channel_id', 'message_id']).execute();
  // Terminal events not yet acknowledged by a platform: few rows, found without a scan.
  await db.schema.createIndex('shares_pending').on('shares').columns(['platform', 'notified_at']).execute();

  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('snapshot_id', 'text', (c) => c.notNull().references('snapshots.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('run_after', 'text', (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'text')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('jobs_status_run_after').on('jobs').columns(['status', 'run_after']).execute();
  await db.schema.createIndex('jobs_status_lease').on('jobs').columns(['status', 'lease_expires_at']).execute();
  await db.schema.createIndex('jobs_snapshot').on('jobs').column('snapshot_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['jobs', 'shares', 'link_tags', 'tags', 'artifacts', 'snapshots', 'links', 'workspaces']) {
    await db.schema.dropTable(table).execute();
  }
}
