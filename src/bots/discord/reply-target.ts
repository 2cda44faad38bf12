// What a share stores in `source.replyTo` so a reply can be delivered later, even after a restart:
// everything needed to reach the interaction's deferred reply or the posted message again.

/** An explicit /snap: the deferred reply is edited through the interaction webhook. */
export interface InteractionTarget {
  kind: 'interaction';
  applicationId: string;
  token: string;
  channelId: string | null;
  locale: string;
}

/** An auto-captured link: reactions on the message, and optionally a reply in a thread. */
export interface MessageTarget {
  kind: 'message';
  channelId: string;
  messageId: string;
  guildId: string | null;
  locale: string;
  replyInThread: boolean;
}

export type ReplyTarget = InteractionTarget | MessageTarget;

/** Reads a stored replyTo back; null when it is not one of ours (another version, corrupted). */
export function parseReplyTarget(value: unknown): ReplyTarget | null {
  if (!value || typeof value !== 'object') return null;
  const target = value as Partial<ReplyTarget>;
  if (target.kind === 'interaction' && typeof target.token === 'string' && typeof target.applicationId === 'string') {
    return target as InteractionTarget;
  }
  if (target.kind === 'message' && typeof target.channelId === 'string' && typeof target.messageId === 'string') {
    return target as MessageTarget;
  }
  return null;
}
