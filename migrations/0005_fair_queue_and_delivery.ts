// Fair leasing and deliveries that end. Jobs gain the workspace they capture for (so one
// workspace's flood cannot hold every capture slot) and a priority (an explicit /snap before links
// captured from messages). Shares gain how often their reply was tried and when to try next, so a
// reply that keeps failing backs off and, past a cap, is given up instead of retried forever.
// Never edit after it lands.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('jobs').addColumn('workspace_id', 'text', (c) => c.notNull().defaultTo('')).execute();
  await db.schema.alterTable('jobs').addColumn('priority', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await sql`UPDATE jobs SET workspace_id = COALESCE((SELECT s.workspace_id FROM snapshots s WHERE s.id = jobs.snapshot_id), '')`.execute(db);
  // Due jobs in lease order, with the workspace in the index so busy workspaces are skipped without reading rows.
  await db.schema.createIndex('jobs_due').on('jobs').columns(['status', 'priority', 'run_after', 'workspace_id']).execute();
  await db.schema.createIndex('jobs_workspace_due').on('jobs').columns(['status', 'workspace_id', 'priority', 'run_after']).execute();

  await db.schema.alterTable('shares').addColumn('delivery_attempts', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('shares').addColumn('next_delivery_at', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('jobs_workspace_due').execute();
  await db.schema.dropIndex('jobs_due').execute();
  await db.schema.alterTable('jobs').dropColumn('priority').execute();
  await db.schema.alterTable('jobs').dropColumn('workspace_id').execute();
  await db.schema.alterTable('shares').dropColumn('next_delivery_at').execute();
  await db.schema.alterTable('shares').dropColumn('delivery_attempts').execute();
}
