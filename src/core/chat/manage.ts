// Who may retag or forget a link, on every platform: the person who shared it first, or someone who
// may moderate messages in every place it was shared (forgetting removes it from all of them). In a
// workspace of one person (a DM with the bot) that person owns everything.
import type { Share, Viewer } from '../types.js';
import { isVisible, sharePlace } from '../visibility.js';

export interface ManageAsker {
  userId: string;
  /** The asker's own workspace (a DM): no one else's share is in it. */
  personal: boolean;
  /** What the asker can see; someone who sees no share of the link is told it does not exist. */
  viewer: Viewer | null;
  /** Whether they may moderate messages in a channel (null: the web page or CLI). */
  moderates(channelId: string | null): boolean | Promise<boolean>;
}

export type ManageDecision = 'allowed' | 'not-found' | 'denied';

export async function mayChangeLink(shares: Share[], asker: ManageAsker): Promise<ManageDecision> {
  if (!shares.length || !shares.some((share) => isVisible(sharePlace(share), asker.viewer))) return 'not-found';
  if (asker.personal || shares[0].userId === asker.userId) return 'allowed';
  const places = [...new Set(shares.map((share) => share.channelId))];
  for (const channelId of places) if (!(await asker.moderates(channelId))) return 'denied';
  return 'allowed';
}
