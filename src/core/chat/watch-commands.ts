// /watch, /unwatch and /watches, the same on every platform: the adapter parses its payload into
// these requests and posts the sentence that comes back. A watch belongs to the channel it was set
// in: /unwatch and /watches see only that channel's watches.
import type { SnapService } from '../service-api.js';
import type { Requester, Watch, WorkspaceRef } from '../types.js';
import { errorMessage, shortDate } from './present.js';
import { chatText } from './wording.js';

export interface WatchPlace {
  workspace: WorkspaceRef;
  channelId: string;
  channelName: string | null;
  private: boolean;
}

export interface WatchCommandResult {
  /** The reply, in the locale asked for. */
  text: string;
  /** False when the request was refused (the reply says why); adapters may show it only to the asker. */
  ok: boolean;
  watch: Watch | null;
}

export async function watchCommand(
  service: Pick<SnapService, 'watch' | 'listWatches'>,
  request: { place: WatchPlace; requester: Requester; url: string; every: string; locale: string },
): Promise<WatchCommandResult> {
  const { place, locale } = request;
  try {
    const earlier = await service.listWatches(place.workspace.id, place.channelId);
    const accepted = await service.watch({
      url: request.url,
      every: request.every,
      workspace: place.workspace,
      requester: request.requester,
      place: { platform: place.workspace.platform, channelId: place.channelId, channelName: place.channelName, private: place.private },
    });
    const { watch } = accepted;
    const before = earlier.find((candidate) => candidate.linkId === watch.linkId);
    const params = { url: watch.url, every: everyText(locale, watch.every), next: shortDate(watch.nextRunAt) };
    let text = accepted.created || !before ? chatText(locale, 'watch.set', params) : chatText(locale, 'watch.changedSchedule', { ...params, before: everyText(locale, before.every) });
    // Never captured before: the watch's first run started with it (a link captured before waits for its due time).
    if (accepted.created && watch.lastSnapshotId === null && watch.pendingSnapshotId !== null) text += ` ${chatText(locale, 'watch.firstCapture')}`;
    return { text, ok: true, watch };
  } catch (error) {
    return { text: errorMessage(locale, error), ok: false, watch: null };
  }
}

export async function unwatchCommand(service: Pick<SnapService, 'unwatch'>, request: { place: WatchPlace; url: string; locale: string }): Promise<WatchCommandResult> {
  const { place, locale } = request;
  try {
    const removed = await service.unwatch(place.workspace.id, place.channelId, request.url);
    return removed
      ? { text: chatText(locale, 'watch.removed', { url: removed.url }), ok: true, watch: removed }
      : { text: chatText(locale, 'watch.none', { url: request.url }), ok: false, watch: null };
  } catch (error) {
    return { text: errorMessage(locale, error), ok: false, watch: null };
  }
}

/** This channel's watches, one line each. */
export async function watchesCommand(service: Pick<SnapService, 'listWatches'>, request: { place: WatchPlace; locale: string }): Promise<WatchCommandResult> {
  const { place, locale } = request;
  const watches = await service.listWatches(place.workspace.id, place.channelId);
  if (!watches.length) return { text: chatText(locale, 'watch.list.empty'), ok: true, watch: null };
  const lines = watches.map((watch) =>
    chatText(locale, 'watch.list.item', {
      url: watch.url,
      every: everyText(locale, watch.every),
      next: shortDate(watch.nextRunAt),
      failing: watch.failures > 0 ? chatText(locale, 'watch.list.failing', { count: watch.failures }) : '',
    }),
  );
  return { text: [chatText(locale, 'watch.list.header', { count: watches.length }), ...lines].join('\n'), ok: true, watch: null };
}

/** "every day", "每天", or the cron expression quoted. */
export function everyText(locale: string | null, every: string): string {
  if (every === 'hourly' || every === 'daily' || every === 'weekly') return chatText(locale, `watch.every.${every}`);
  return chatText(locale, 'watch.every.cron', { cron: every });
}
