// "Already shared": the one place that decides which earlier share an answer may point at. An
// earlier share counts only when the person (or, for a reply everyone reads, the whole channel)
// can see it, so a post in a private channel never shows through a 🔁 or a "first shared by".
import { relativeTime } from './present.js';
import { chatText } from './wording.js';
import type { ChatPort } from './port.js';
import type { SnapService } from '../service-api.js';
import type { Share, Viewer } from '../types.js';
import { channelAudience } from '../visibility.js';

export type EarlierShareService = Pick<SnapService, 'firstShareVisibleTo'>;

/** The earliest other share `viewer` may see, or null. */
export function earlierShare(service: EarlierShareService, share: Share, viewer: Viewer | null): Promise<Share | null> {
  return service.firstShareVisibleTo(share.workspaceId, share.linkId, viewer, share);
}

/** The earliest other share everyone in the share's channel may see: what a card or a reply posted there may name. */
export function earlierShareForChannel(service: EarlierShareService, share: Share): Promise<Share | null> {
  return earlierShare(service, share, channelAudience(share.channelId));
}

/**
 * "First shared by @x in #y 5 min ago", in the platform's own mentions. A first share from the web
 * page or the CLI (an import into a chat workspace, or a link saved there) has no chat user or
 * channel to mention, so it says where it was saved instead.
 */
export function firstSharedNote(port: Pick<ChatPort, 'words'>, first: Share, locale: string): string {
  if (first.platform === 'web' || first.platform === 'cli') {
    return chatText(locale, first.platform === 'web' ? 'repost.firstSavedWeb' : 'repost.firstSavedCli', { when: relativeTime(locale, first.createdAt) });
  }
  return chatText(locale, 'repost.firstShared', {
    user: port.words.user(first.userId),
    channel: port.words.channel(first.channelId, first.workspaceId, locale),
    when: relativeTime(locale, first.createdAt),
  });
}
