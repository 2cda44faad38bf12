// What a Slack share remembers (in `source.replyTo`, stored with the share) so its progress and result
// can be posted after the command returned, or after a restart.
import type { Locale } from '../../core/i18n.js';

export interface SnapReplyTo {
  kind: 'snap';
  channel: string;
  /** The progress message that becomes the result card; null when the app is not in the channel. */
  ts: string | null;
  /**
   * The command's response_url: how the answer reaches a channel the app is not a member of
   * (valid for 30 minutes, which outlasts a capture's deadline).
   */
  responseUrl: string | null;
  userId: string;
  locale: Locale;
  /** Context lines kept under the card (who asked). */
  notes: string[];
}

export interface AutoReplyTo {
  kind: 'auto';
  channel: string;
  /** The message the link was posted in: reactions go on it. */
  messageTs: string;
  /** Where a threaded reply goes (the message's own thread when it was posted in one). */
  threadTs: string;
  userId: string;
  locale: Locale;
  replyInThread: boolean;
}

export type SlackReplyTo = SnapReplyTo | AutoReplyTo;

export function isSlackReplyTo(value: unknown): value is SlackReplyTo {
  const kind = (value as { kind?: unknown } | null)?.kind;
  return (kind === 'snap' || kind === 'auto') && typeof (value as { channel?: unknown }).channel === 'string';
}

/** Emoji (Slack reaction names) that show an auto-capture's progress on the message. */
export const ProgressReactions = { pending: 'hourglass', done: 'camera', failed: 'warning', repost: 'recycle' } as const;
