// The conversation kept with a share (the text of the message that shared the link), and the cards
// the bot posted, so a reaction on a card (🔄: capture again) finds the link it shows.
// Never edit after it lands.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('shares').addColumn('message_text', 'text').execute();
  await db.schema
    .createTable('chat_cards')
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('link_id', 'text', (c) => c.notNull().references('links.id').onDelete('cascade'))
    .addColumn('share_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('chat_cards_pk', ['platform', 'channel_id', 'message_id'])
    .execute();
  await db.schema.createIndex('chat_cards_link').on('chat_cards').column('link_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('chat_cards').execute();
  await db.schema.alterTable('shares').dropColumn('message_text').execute();
}
