// Cards the bots posted (a snapshot shown in a message), so a reaction on one (🔄: capture again)
// finds the link it shows. A card dies with its link (foreign key cascade).
import type { ChatCard, Platform } from '../core/types.js';
import { isoNow } from './ids.js';
import type { Db } from './schema.js';

export async function recordCard(db: Db, card: ChatCard, now: Date = new Date()): Promise<void> {
  await db
    .insertInto('chat_cards')
    .values({
      platform: card.platform,
      channel_id: card.channelId,
      message_id: card.messageId,
      workspace_id: card.workspaceId,
      link_id: card.linkId,
      share_id: card.shareId,
      created_at: isoNow(now),
    })
    .onConflict((oc) => oc.columns(['platform', 'channel_id', 'message_id']).doUpdateSet({ link_id: card.linkId, share_id: card.shareId }))
    .execute();
}

export async function cardAt(db: Db, platform: Platform, channelId: string, messageId: string): Promise<ChatCard | null> {
  const row = await db
    .selectFrom('chat_cards')
    .selectAll()
    .where('platform', '=', platform)
    .where('channel_id', '=', channelId)
    .where('message_id', '=', messageId)
    .executeTakeFirst();
  return row
    ? { platform: row.platform as Platform, channelId: row.channel_id, messageId: row.message_id, workspaceId: row.workspace_id, linkId: row.link_id, shareId: row.share_id }
    : null;
}
