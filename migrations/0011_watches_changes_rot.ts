// Pages change and die (issue 12). Never edit after it lands.
// - snapshots.change_*: how a done snapshot's readable text differs from its link's previous done
//   snapshot, computed once when the capture is recorded (null for a first version).
// - watches: a link re-captured on a schedule, owned by the channel it was set in ('' for the web
//   page and the CLI). `next_run_at` is claimed by compare-and-set, so each due time runs once per
//   cluster; `pending_snapshot_id` is the capture a run started, judged when it ends.
// - link_checks gains the rot verdict: consecutive failed checks, when the link was called dead, and
//   why; a link is dead after two checks in a row found it gone.
// - notices: the outbox of posts the chat bots make on their own (a watched page changed, a link
//   died, a digest). One row per post, unique by `dedup_key`, so a post is made once however often
//   the work that makes it runs; delivered at least once, like share replies.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('snapshots').addColumn('change_previous_id', 'text').execute();
  await db.schema.alterTable('snapshots').addColumn('change_previous_at', 'text').execute();
  await db.schema.alterTable('snapshots').addColumn('change_changed', 'integer').execute();
  await db.schema.alterTable('snapshots').addColumn('change_added', 'integer').execute();
  await db.schema.alterTable('snapshots').addColumn('change_removed', 'integer').execute();

  await db.schema
    .createTable('watches')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('link_id', 'text', (c) => c.notNull().references('links.id').onDelete('cascade'))
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('channel_name', 'text')
    .addColumn('channel_private', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('every', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('next_run_at', 'text', (c) => c.notNull())
    .addColumn('last_run_at', 'text')
    .addColumn('pending_snapshot_id', 'text')
    .addColumn('last_snapshot_id', 'text')
    .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failing_told', 'integer', (c) => c.notNull().defaultTo(0))
    .addUniqueConstraint('watches_place_link', ['workspace_id', 'channel_id', 'link_id'])
    .execute();
  await db.schema.createIndex('watches_due').on('watches').columns(['next_run_at']).execute();
  await db.schema.createIndex('watches_pending').on('watches').columns(['pending_snapshot_id']).execute();
  await db.schema.createIndex('watches_link').on('watches').columns(['link_id']).execute();

  await db.schema.alterTable('link_checks').addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('link_checks').addColumn('dead_since', 'text').execute();
  await db.schema.alterTable('link_checks').addColumn('dead_reason', 'text').execute();
  await db.schema.createIndex('link_checks_dead').on('link_checks').columns(['dead_since']).execute();

  await db.schema
    .createTable('notices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('dedup_key', 'text', (c) => c.notNull().unique())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('delivered_at', 'text')
    .addColumn('given_up_at', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text')
    .addColumn('last_error', 'text')
    .execute();
  await db.schema.createIndex('notices_pending').on('notices').columns(['platform', 'delivered_at', 'given_up_at', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('notices').execute();
  await db.schema.dropIndex('link_checks_dead').execute();
  await db.schema.alterTable('link_checks').dropColumn('dead_reason').execute();
  await db.schema.alterTable('link_checks').dropColumn('dead_since').execute();
  await db.schema.alterTable('link_checks').dropColumn('failures').execute();
  await db.schema.dropTable('watches').execute();
  await db.schema.alterTable('snapshots').dropColumn('change_removed').execute();
  await db.schema.alterTable('snapshots').dropColumn('change_added').execute();
  await db.schema.alterTable('snapshots').dropColumn('change_changed').execute();
  await db.schema.alterTable('snapshots').dropColumn('change_previous_at').execute();
  await db.schema.alterTable('snapshots').dropColumn('change_previous_id').execute();
}
