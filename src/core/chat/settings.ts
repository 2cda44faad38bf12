// One settings model with the same meaning on both platforms: what each setting does, how a
// channel is added to or removed from auto-capture, and how the settings read back in a reply.
import { InvalidInputError } from '../errors.js';
import { t } from '../i18n.js';
import type { WorkspaceSettings } from '../types.js';
import type { ChatPlace } from './port.js';
import { chatText } from './wording.js';

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

/**
 * A change to the change-and-rot settings, the same on both platforms: `rot_alerts` for the
 * workspace, `digest` for one channel, and retention (`keep_versions`, `drop_fullpage_after` days).
 */
export interface CurationChange {
  rotAlerts?: WorkspaceSettings['rotAlerts'];
  digest?: { channelId: string; period: 'daily' | 'weekly' | 'off' };
  /** 'all' keeps every version. */
  keepVersions?: number | 'all';
  /** 'never' keeps every full-page screenshot. */
  dropFullPageAfterDays?: number | 'never';
}

export function curationPatch(current: WorkspaceSettings, change: CurationChange): Partial<WorkspaceSettings> {
  const patch: Partial<WorkspaceSettings> = {};
  if (change.rotAlerts) patch.rotAlerts = change.rotAlerts;
  if (change.digest) {
    const digests = { ...current.digests };
    if (change.digest.period === 'off') delete digests[change.digest.channelId];
    else digests[change.digest.channelId] = change.digest.period;
    patch.digests = digests;
  }
  if (change.keepVersions !== undefined) {
    if (change.keepVersions !== 'all' && (!Number.isInteger(change.keepVersions) || change.keepVersions < 1)) throw new InvalidInputError('keep_versions is a whole number of at least 1, or "all"');
    patch.keepVersions = change.keepVersions === 'all' ? null : change.keepVersions;
  }
  if (change.dropFullPageAfterDays !== undefined) {
    if (change.dropFullPageAfterDays !== 'never' && (!Number.isInteger(change.dropFullPageAfterDays) || change.dropFullPageAfterDays < 0)) {
      throw new InvalidInputError('drop_fullpage_after is a whole number of days (0 or more), or "never"');
    }
    patch.dropFullPageAfterDays = change.dropFullPageAfterDays === 'never' ? null : change.dropFullPageAfterDays;
  }
  return patch;
}

/** The change-and-rot settings as words: dead-link alerts, this channel's digest, retention. */
export function describeCuration(settings: WorkspaceSettings, locale: string, channelId: string | null): string {
  const parts = [chatText(locale, 'settings.rot', { mode: chatText(locale, `settings.rot.${settings.rotAlerts}`) })];
  if (channelId) parts.push(chatText(locale, 'settings.digest', { period: chatText(locale, `settings.digest.${settings.digests[channelId] ?? 'off'}`) }));
  parts.push(
    chatText(locale, 'settings.retention', {
      versions: settings.keepVersions === null ? chatText(locale, 'settings.retention.all') : String(settings.keepVersions),
      fullpage: settings.dropFullPageAfterDays === null ? chatText(locale, 'settings.retention.all') : chatText(locale, 'settings.retention.days', { days: settings.dropFullPageAfterDays }),
    }),
  );
  return parts.join('; ');
}
