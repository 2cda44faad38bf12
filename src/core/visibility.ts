// Who can see what a share reveals: the link, the tags given with it, who shared it and where.
// The rule is written once, as data, and read by two evaluators: isVisible() for rows already in
// memory (shares of a link, tags of a card) and storage/visibility.ts, which turns the same rule into
// SQL for searches and counts. test/visibility.test.ts holds the two against each other.
import type { Viewer } from './types.js';

/** A row placed somewhere: a share, or a tag given with a share. */
export interface Placed {
  /** Everyone in the workspace can read the place (public channel, web page, CLI). */
  public: boolean;
  /** The channel the row came from; null for web and CLI. */
  channelId: string | null;
}

/**
 * A row is visible when any of these holds. `public`: its place is open to the whole workspace
 * now (a channel made private later stops counting: the flag follows the channel).
 * `viewer-channel`: the viewer can read the channel it came from.
 */
export const VisibleWhen = ['public', 'viewer-channel'] as const satisfies ReadonlyArray<'public' | 'viewer-channel'>;
export type VisibilityClause = (typeof VisibleWhen)[number];

/** Sees only what everyone in the workspace sees: for signed links and feeds. */
export const PublicViewer: Viewer = Object.freeze({ channelIds: [] as string[] }) as Viewer;

/** Null viewer: no restriction (the local web page, the CLI, a DM workspace). */
export function isVisible(row: Placed, viewer: Viewer | null): boolean {
  if (viewer === null) return true;
  return VisibleWhen.some((clause) => clauseHolds(clause, row, viewer));
}

function clauseHolds(clause: VisibilityClause, row: Placed, viewer: Viewer): boolean {
  switch (clause) {
    case 'public':
      return row.public;
    case 'viewer-channel':
      return row.channelId !== null && viewer.channelIds.includes(row.channelId);
  }
}

/** The channel everyone in it can see: what a reply posted there may show. */
export function channelAudience(channelId: string | null): Viewer {
  return { channelIds: channelId ? [channelId] : [] };
}

/** A share as a placed row: web and CLI shares are stored as not private. */
export function sharePlace(share: { channelPrivate: boolean; channelId: string | null }): Placed {
  return { public: !share.channelPrivate, channelId: share.channelId };
}
