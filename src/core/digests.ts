// Channel digests: a channel with `digest` set to daily or weekly gets one post of the links
// captured there in the period, grouped by tag (the tags that channel can see), with thumbnails and
// links. Nothing is posted for an empty period. Runs on LINKSNAP_DIGEST_CRON (once per cluster);
// weekly digests go out on the run that falls on a Monday. Each post is unique by channel and
// period, so a run repeated after a crash posts nothing twice.
import type { NewNotice } from './notices.js';
import type { Link, NoticePayload, Platform, Snapshot, WorkspaceSettings } from './types.js';
import { normalizeTags } from './tags.js';
import { noticeSnapshot } from './watches.js';

export interface DigestDeps {
  /** Chat workspaces with at least one channel digest set. */
  workspacesWithDigests(): Promise<Array<{ workspaceId: string; platform: Platform; settings: WorkspaceSettings }>>;
  /** The channel's name as last reported by its platform (its links carry it as a tag), or null. */
  channelName(workspaceId: string, channelId: string): Promise<string | null>;
  /** Links shared in the channel in [from, to), newest first, with the tags the channel can see and their latest done snapshot. */
  linksSharedIn(workspaceId: string, channelId: string, from: Date, to: Date, limit: number): Promise<Array<{ link: Link; snapshot: Snapshot }>>;
  notices: { add(notice: NewNotice): Promise<boolean> };
}

/** A digest lists at most this many links (the post says how many there were). */
export const DigestMaxLinks = 50;
const DayMs = 86_400_000;

export interface DigestReport {
  posted: number;
  empty: number;
}

export async function postDigests(deps: DigestDeps, slot: Date): Promise<DigestReport> {
  const report: DigestReport = { posted: 0, empty: 0 };
  const monday = slot.getDay() === 1;
  for (const workspace of await deps.workspacesWithDigests()) {
    if (workspace.platform !== 'discord' && workspace.platform !== 'slack') continue;
    for (const [channelId, period] of Object.entries(workspace.settings.digests ?? {})) {
      if (period === 'weekly' && !monday) continue;
      if (period !== 'daily' && period !== 'weekly') continue;
      const from = new Date(slot.getTime() - (period === 'weekly' ? 7 : 1) * DayMs);
      const shared = await deps.linksSharedIn(workspace.workspaceId, channelId, from, slot, DigestMaxLinks + 1);
      if (!shared.length) {
        report.empty += 1;
        continue;
      }
      const payload: NoticePayload = {
        kind: 'digest',
        period,
        from: from.toISOString(),
        to: slot.toISOString(),
        groups: groupByTag(shared.slice(0, DigestMaxLinks), await channelTag(deps, workspace.workspaceId, channelId)),
        total: shared.length > DigestMaxLinks ? await countAll(deps, workspace.workspaceId, channelId, from, slot) : shared.length,
        locale: workspace.settings.locale,
      };
      const added = await deps.notices.add({
        workspaceId: workspace.workspaceId,
        platform: workspace.platform,
        channelId,
        dedupKey: `digest:${workspace.workspaceId}:${channelId}:${period}:${slot.toISOString()}`,
        payload,
      });
      if (added) report.posted += 1;
    }
  }
  return report;
}

async function countAll(deps: DigestDeps, workspaceId: string, channelId: string, from: Date, to: Date): Promise<number> {
  return (await deps.linksSharedIn(workspaceId, channelId, from, to, 10_000)).length;
}

/** The tag every link captured in the channel carries (its name): grouping by it would say nothing. */
async function channelTag(deps: DigestDeps, workspaceId: string, channelId: string): Promise<string | null> {
  const name = await deps.channelName(workspaceId, channelId);
  return name ? (normalizeTags([name])[0] ?? null) : null;
}

/** Each link under its first tag (alphabetical) other than the channel's own, untagged links last. */
function groupByTag(items: Array<{ link: Link; snapshot: Snapshot }>, channelTagName: string | null): Extract<NoticePayload, { kind: 'digest' }>['groups'] {
  const groups = new Map<string | null, Extract<NoticePayload, { kind: 'digest' }>['groups'][number]['items']>();
  for (const { link, snapshot } of items) {
    const tag = link.tags.filter((name) => name !== channelTagName).sort()[0] ?? null;
    let group = groups.get(tag);
    if (!group) groups.set(tag, (group = []));
    group.push({ linkId: link.id, url: link.url, title: snapshot.title, snapshot: noticeSnapshot(snapshot) });
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : a.localeCompare(b)))
    .map(([tag, groupItems]) => ({ tag, items: groupItems }));
}
