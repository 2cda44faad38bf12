// How Slack names the place of an earlier share. Which share may be named is the core's rule
// (core/chat/repost.ts); a DM is never linked, only called "a direct message".
import type { Locale } from '../../core/i18n.js';
import { st } from './messages.js';

export function channelLabel(channelId: string | null, locale: Locale): string {
  return channelId && !channelId.startsWith('D') ? `<#${channelId}>` : st(locale, 'repost.dm');
}
