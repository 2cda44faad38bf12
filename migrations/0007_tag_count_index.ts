// /tags counts for a chat member read only an index: each tag row carries a copy of its link's
// `public` flag (kept with links.public), and one covering index holds every column the count
// reads. Measured on 100,000 links: 1 s before, about 0.1 s after (BENCHMARKS.md).
// Never edit after it lands.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('link_tags').addColumn('link_public', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await sql`UPDATE link_tags SET link_public = COALESCE((SELECT l.public FROM links l WHERE l.id = link_tags.link_id), 0)`.execute(db);
  await db.schema.createIndex('link_tags_counts').on('link_tags').columns(['workspace_id', 'tag', 'link_id', 'public', 'channel_id', 'link_public']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('link_tags_counts').execute();
  await db.schema.alterTable('link_tags').dropColumn('link_public').execute();
}
