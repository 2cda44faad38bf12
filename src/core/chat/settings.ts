// One settings model with the same meaning on both platforms: what each setting does, how a
// channel is added to or removed from auto-capture, and how the settings read back in a reply.
import { t } from '../i18n.js';
import type { WorkspaceSettings } from '../types.js';
import type { ChatPlace } from './port.js';

/**
 * Whether a message at `place` is captured without a command: posted (`post`, in `auto` mode) or
 * reacted to with the capture emoji (`reaction`, in `reaction` mode).
 */
export function capturesIn(settings: WorkspaceSettings, place: Pick<ChatPlace, 'direct' | 'settingsChannelId'>, trigger: 'post' | 'reaction' = 'post'): boolean {
  if (!settings.autoCapture) return false;
  if ((trigger === 'post') !== (settings.captureTrigger === 'auto')) return false;
  // Channel lists are about shared channels; a person's DM with the bot follows only the switch.
  if (place.direct) return true;
  if (settings.autoCaptureExcluded.includes(place.settingsChannelId)) return false;
  return settings.autoCaptureChannels === null || settings.autoCaptureChannels.includes(place.settingsChannelId);
}

/**
 * A change to which channels are captured, the same on both platforms. `include` adds channels to
 * the captured list (from "every channel", the list starts empty) and `exclude` to the excluded
 * one, each taking them off the other; `all` captures every channel again; `exclude-none` clears
 * the exclusions.
 */
export type ChannelChange =
  | { kind: 'all' }
  | { kind: 'include'; channelIds: string[] }
  | { kind: 'exclude'; channelIds: string[] }
  | { kind: 'exclude-none' };

export function channelPatch(current: WorkspaceSettings, change: ChannelChange): Partial<WorkspaceSettings> {
  const unique = (ids: string[]) => [...new Set(ids)];
  switch (change.kind) {
    case 'all':
      return { autoCaptureChannels: null, autoCaptureExcluded: [] };
    case 'exclude-none':
      return { autoCaptureExcluded: [] };
    case 'include':
      return {
        autoCaptureChannels: unique([...(current.autoCaptureChannels ?? []), ...change.channelIds]),
        autoCaptureExcluded: current.autoCaptureExcluded.filter((id) => !change.channelIds.includes(id)),
      };
    case 'exclude':
      return {
        autoCaptureExcluded: unique([...current.autoCaptureExcluded, ...change.channelIds]),
        ...(current.autoCaptureChannels ? { autoCaptureChannels: current.autoCaptureChannels.filter((id) => !change.channelIds.includes(id)) } : {}),
      };
  }
}

/** The settings as words of the locale; channel mentions are left to the adapter. */
export function describeSettings(settings: WorkspaceSettings, locale: string, mention: (channelId: string) => string): string {
  const yesNo = (value: boolean) => t(locale, value ? 'yes' : 'no');
  const included = settings.autoCaptureChannels ? settings.autoCaptureChannels.map(mention).join(' ') || '—' : t(locale, 'all.channels');
  const excluded = settings.autoCaptureExcluded.length ? ` − ${settings.autoCaptureExcluded.map(mention).join(' ')}` : '';
  return t(locale, 'config.show', {
    auto: settings.autoCapture ? (settings.captureTrigger === 'reaction' ? t(locale, 'capture.reaction', { emoji: settings.captureEmoji }) : yesNo(true)) : yesNo(false),
    channels: `${included}${excluded}`,
    thread: yesNo(settings.replyInThread),
    repost: t(locale, `repost.mode.${settings.duplicateNotice}`),
    forget: yesNo(settings.forgetOnDelete),
    explain: yesNo(settings.explainFailures),
  });
}
