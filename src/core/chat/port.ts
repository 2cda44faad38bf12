// What the shared conversation needs from a chat platform, and nothing more. Each adapter
// implements it with its own API calls and wording; the handlers in this folder hold every rule.
import type { Share, Snapshot, Link, Viewer, WorkspaceRef } from '../types.js';

/** A message on the platform: where reactions go and what a thread hangs from. */
export interface MessageRef {
  channelId: string;
  messageId: string;
}

/** The marks an auto-captured message gets; each platform maps them to its own emoji. */
export type ProgressMark = 'capturing' | 'done' | 'failed' | 'repost';

/** Where a message was posted, as the adapter read it from the platform. */
export interface ChatPlace {
  workspace: WorkspaceRef;
  channelId: string;
  channelName: string | null;
  /** Not every member of the workspace can read it (private channel, private thread, DM). */
  private: boolean;
  /** A conversation between one person and the bot: channel lists do not apply to it. */
  direct: boolean;
  /** The channel whose settings apply: a thread follows its parent channel. */
  settingsChannelId: string;
}

/** What an auto-capture share stored to be answered later, read back by the adapter. */
export interface AutoTarget {
  message: MessageRef;
  /** Where a threaded reply goes (Slack: the message's own thread when it was posted in one). */
  threadOf: MessageRef;
  userId: string;
  locale: string;
  replyInThread: boolean;
}

export interface ChatPort {
  readonly platform: 'discord' | 'slack';
  /** Adds or removes one of the bot's marks; idempotent ("already there" is success). */
  mark(message: MessageRef, mark: ProgressMark, on: boolean): Promise<void>;
  /** A short sentence for one person about their message (ephemeral where the platform has it). */
  tell(target: { message: MessageRef; threadOf: MessageRef; userId: string }, text: string): Promise<void>;
  /** A short reply everyone in the channel sees, in the message's thread or under it. */
  reply(target: { message: MessageRef; threadOf: MessageRef }, text: string, inThread: boolean): Promise<void>;
  /** The result card of a share, posted in the message's thread. */
  postCard(target: AutoTarget, card: { share: Share; snapshot: Snapshot; link: Link; note: string | null }): Promise<void>;
  /** The channels `userId` can read; null when nothing is hidden from them (their own DM workspace). */
  viewerOf(userId: string, place: { workspaceId: string; channelId: string | null }): Promise<Viewer | null>;
  /** Reads a share's stored replyTo back; null for /snap replies and anything not from this adapter. */
  autoTarget(replyTo: unknown): AutoTarget | null;
  /** Whether a reaction as the platform names it is this emoji (Unicode, or a custom emoji's name). */
  isEmoji(reaction: string, emoji: string): boolean;
  /** True when a failed platform call can never succeed (message or channel gone, access lost). */
  isPermanentFailure(error: unknown): boolean;
  /** Platform words: how a user, a channel and a DM are named in a sentence. */
  words: {
    user(userId: string): string;
    channel(channelId: string | null, workspaceId: string, locale: string): string;
  };
}
