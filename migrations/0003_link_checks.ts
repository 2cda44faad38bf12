// Whether each link's original URL still answers (the scheduled link check), so the web page can
// mark a link that is dead now. One row per link, replaced at each check. Never edit after it lands.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('link_checks')
    .addColumn('link_id', 'text', (c) => c.primaryKey().references('links.id').onDelete('cascade'))
    .addColumn('checked_at', 'text', (c) => c.notNull())
    .addColumn('alive', 'integer', (c) => c.notNull())
    .addColumn('http_status', 'integer')
    .addColumn('error', 'text')
    .execute();
  // The due list: links checked longest ago first.
  await db.schema.createIndex('link_checks_checked_at').on('link_checks').column('checked_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('link_checks').execute();
}
