// A link that died is announced where it was shared, once: each chat channel it was shared in gets
// one notice per death (keyed by the time it was called dead), in the thread of the first message
// that shared it there or in the channel, per the workspace's `rot_alerts` setting.
import type { DeadLinkPlace, RecordedCheck } from './link-check.js';
import type { NewNotice } from './notices.js';
import type { Snapshot, WorkspaceSettings } from './types.js';
import { noticeSnapshot } from './watches.js';

export interface RotAlertDeps {
  deadLinkPlaces(linkId: string): Promise<DeadLinkPlace[]>;
  /** The link's latest done snapshot: the page as it was before it died. */
  latestDoneSnapshot(linkId: string): Promise<Snapshot | null>;
  getSettings(workspaceId: string): Promise<WorkspaceSettings>;
  notices: { add(notice: NewNotice): Promise<boolean> };
}

/** Writes the notices for one link that was just called dead; returns how many were written. */
export async function announceDeath(deps: RotAlertDeps, link: { id: string; url: string }, recorded: RecordedCheck): Promise<number> {
  if (!recorded.deadSince) return 0;
  const places = await deps.deadLinkPlaces(link.id);
  if (!places.length) return 0;
  const snapshot = await deps.latestDoneSnapshot(link.id);
  let written = 0;
  for (const place of places) {
    const settings = await deps.getSettings(place.workspaceId);
    if (settings.rotAlerts === 'off') continue;
    const inThread = settings.rotAlerts === 'thread' && place.messageId !== null;
    const added = await deps.notices.add({
      workspaceId: place.workspaceId,
      platform: place.platform,
      channelId: place.channelId,
      dedupKey: `dead:${link.id}:${place.platform}:${place.channelId}:${recorded.deadSince}`,
      payload: {
        kind: 'dead',
        linkId: link.id,
        url: link.url,
        title: snapshot?.title ?? null,
        snapshot: snapshot ? noticeSnapshot(snapshot) : null,
        reason: recorded.deadReason ?? 'gone',
        deadSince: recorded.deadSince,
        threadOf: inThread ? { channelId: place.channelId, messageId: place.messageId! } : null,
        locale: settings.locale,
      },
    });
    if (added) written += 1;
  }
  return written;
}
