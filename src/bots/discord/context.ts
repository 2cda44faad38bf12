// What every handler of the bot shares: the client, the core service and the per-process helpers.
import type { Client } from 'discord.js';
import type { FindPager } from '../../core/chat/find-pager.js';
import type { ChatDeps } from '../../core/chat/message-posted.js';
import type { Logger } from '../../core/logger.js';
import type { SnapService } from '../../core/service-api.js';
import type { Snapshot } from '../../core/types.js';
import type { DiffUrl } from './render.js';
import type { ShareReplies } from './share-replies.js';

export interface BotContext {
  client: Client;
  service: SnapService;
  logger: Logger;
  snapshotUrl: (snapshot: Pick<Snapshot, 'id'>) => string;
  /** The signed diff view between two versions, when the web page offers it. */
  diffUrl?: DiffUrl;
  replies: ShareReplies;
  /** The shared conversation over this bot's port. */
  chat: ChatDeps;
  pager: FindPager;
}

export const Reactions = { capturing: '⏳', done: '📸', failed: '⚠️', repost: '🔁' } as const;
