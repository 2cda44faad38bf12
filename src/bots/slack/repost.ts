// How Slack names the place of an earlier share. Which share may be named is the core's rule
// (core/chat/repost.ts); a DM is never linked, only called "a direct message".
import { pickLocale, type Locale } from '../../core/i18n.js';
import { st } from './messages.js';

export function channelLabel(channelId: string | null, locale: Locale): string {
  return channelId && !channelId.startsWith('D') ? `<#${channelId}>` : st(locale, 'repost.dm');
}

/** Slack's mentions, as the core conversation's port words them (ChatPort.words). */
export const slackWords = {
  user: (userId: string) => `<@${userId}>`,
  channel: (channelId: string | null, _workspaceId: string, locale: string) => channelLabel(channelId, pickLocale(locale)),
};
