// Tags remember the place they were given in, so a tag given in a private channel is seen only by
// those who can read it (the link may be public through another share). link_tags gains
// `channel_id` ('' for web and CLI) and `public` (1 while that place is open to the whole
// workspace), and its key becomes (link, tag, place): one tag may come from several places.
// Never edit after it lands.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // Web and CLI shares are open to the workspace; the visibility rule reads only channel_private.
  await db.updateTable('shares').set({ channel_private: 0 }).where('platform', 'in', ['web', 'cli']).execute();

  await db.schema
    .createTable('link_tags_placed')
    .addColumn('link_id', 'text', (c) => c.notNull().references('links.id').onDelete('cascade'))
    .addColumn('tag', 'text', (c) => c.notNull())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('channel_id', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('public', 'integer', (c) => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('link_tags_placed_pk', ['link_id', 'tag', 'channel_id'])
    .execute();

  // Where an old tag came from was not recorded. A tag is placed in a private channel when it is
  // that channel's name (auto-capture tags links with it) or when the link was shared only in
  // private channels (then its first share's channel); every other old tag stays open.
  await sql`
    INSERT INTO link_tags_placed (link_id, tag, workspace_id, seq, channel_id, public)
    SELECT t.link_id, t.tag, t.workspace_id, t.seq,
      COALESCE(
        (SELECT s.channel_id FROM shares s WHERE s.link_id = t.link_id AND s.channel_private = 1
           AND s.channel_id IS NOT NULL AND lower(s.channel_name) = t.tag ORDER BY s.created_at LIMIT 1),
        CASE WHEN l.public = 0 THEN
          (SELECT s.channel_id FROM shares s WHERE s.link_id = t.link_id AND s.channel_id IS NOT NULL ORDER BY s.created_at LIMIT 1)
        END,
        ''),
      0
    FROM link_tags t JOIN links l ON l.id = t.link_id`.execute(db);
  await sql`UPDATE link_tags_placed SET public = CASE WHEN channel_id = '' THEN 1
    WHEN EXISTS (SELECT 1 FROM shares s WHERE s.link_id = link_tags_placed.link_id AND s.channel_id = link_tags_placed.channel_id AND s.channel_private = 0) THEN 1
    ELSE 0 END`.execute(db);

  await db.schema.dropTable('link_tags').execute();
  await db.schema.alterTable('link_tags_placed').renameTo('link_tags').execute();
  await db.schema.createIndex('link_tags_workspace_tag_seq').on('link_tags').columns(['workspace_id', 'tag', 'seq']).execute();
  // A channel's privacy changes: its tags are found by (workspace, channel).
  await db.schema.createIndex('link_tags_workspace_channel').on('link_tags').columns(['workspace_id', 'channel_id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('link_tags_flat')
    .addColumn('link_id', 'text', (c) => c.notNull().references('links.id').onDelete('cascade'))
    .addColumn('tag', 'text', (c) => c.notNull())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('link_tags_pk', ['link_id', 'tag'])
    .execute();
  await sql`INSERT INTO link_tags_flat (link_id, tag, workspace_id, seq) SELECT DISTINCT link_id, tag, workspace_id, seq FROM link_tags`.execute(db);
  await db.schema.dropTable('link_tags').execute();
  await db.schema.alterTable('link_tags_flat').renameTo('link_tags').execute();
  await db.schema.createIndex('link_tags_workspace_tag_seq').on('link_tags').columns(['workspace_id', 'tag', 'seq']).execute();
}
