// "Already shared by … in … when": told only when saying where does not leak a private conversation.
import { relativeTime } from '../../core/chat/present.js';
import type { Locale } from '../../core/i18n.js';
import type { Share } from '../../core/types.js';
import { st } from './messages.js';

/** True when the first share is worth mentioning here: someone else's earlier share, visible from this channel. */
export function shouldMentionFirstShare(firstShare: Share | null, current: Share, channelId: string): firstShare is Share {
  if (!firstShare || firstShare.id === current.id) return false;
  // A link first shared in a private channel or DM is not pointed at from anywhere else.
  return !firstShare.channelPrivate || firstShare.channelId === channelId;
}

export function channelLabel(share: Share, locale: Locale): string {
  return share.channelId && !share.channelId.startsWith('D') ? `<#${share.channelId}>` : st(locale, 'repost.dm');
}

export function firstShareNote(firstShare: Share, locale: Locale): string {
  return st(locale, 'repost.footer', {
    user: firstShare.userId,
    channel: channelLabel(firstShare, locale),
    when: relativeTime(locale, firstShare.createdAt),
  });
}
