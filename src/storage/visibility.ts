// The visibility rule of core/visibility.ts as SQL. Each clause of VisibleWhen becomes one OR'd
// condition over the columns a table keeps it in, so search, counts and in-memory checks agree.
import { type RawBuilder, type SqlBool, sql } from 'kysely';
import { VisibleWhen, type VisibilityClause } from '../core/visibility.js';
import type { Viewer } from '../core/types.js';

/** Where a table keeps the two facts the rule reads. */
export interface PlacedColumns {
  /** True when the place is open to the whole workspace. */
  public: RawBuilder<SqlBool>;
  channelId: RawBuilder<unknown>;
}

/** Shares (alias `s` unless given): public when not in a private channel. */
export function shareColumns(alias = 's'): PlacedColumns {
  return { public: sql<SqlBool>`${sql.ref(`${alias}.channel_private`)} = 0`, channelId: sql.ref(`${alias}.channel_id`) };
}

/** Tags of links (alias `t` unless given): each row remembers the place it was given in. */
export function tagColumns(alias = 't'): PlacedColumns {
  return { public: sql<SqlBool>`${sql.ref(`${alias}.public`)} = 1`, channelId: sql.ref(`${alias}.channel_id`) };
}

/** The rule over one row; a null viewer sees everything. */
export function placedVisibleTo(columns: PlacedColumns, viewer: Viewer | null): RawBuilder<SqlBool> {
  if (viewer === null) return sql<SqlBool>`1 = 1`;
  const channels = [...new Set(viewer.channelIds)];
  const parts = VisibleWhen.map((clause) => clauseSql(clause, columns, channels)).filter((part) => part !== null);
  return parts.length ? sql<SqlBool>`(${sql.join(parts, sql` OR `)})` : sql<SqlBool>`1 = 0`;
}

function clauseSql(clause: VisibilityClause, columns: PlacedColumns, channels: string[]): RawBuilder<SqlBool> | null {
  switch (clause) {
    case 'public':
      return columns.public;
    case 'viewer-channel':
      return channels.length ? sql<SqlBool>`${columns.channelId} IN (${sql.join(channels)})` : null;
  }
}

/**
 * A link is visible when one of its shares is. links.public caches "some share is public" (kept by
 * shares.ts and links.ts), so the common case reads no share row. By default the link is alias
 * `l`; tag counts pass link_tags' copy of the flag and its link id instead.
 */
export function visibleTo(viewer: Viewer, link: { public: RawBuilder<unknown>; id: RawBuilder<unknown> } = { public: sql.ref('l.public'), id: sql.ref('l.id') }): RawBuilder<SqlBool> {
  const channels = [...new Set(viewer.channelIds)];
  if (!channels.length) return sql<SqlBool>`${link.public} = 1`;
  return sql<SqlBool>`(${link.public} = 1 OR EXISTS (SELECT 1 FROM shares s WHERE s.link_id = ${link.id} AND ${placedVisibleTo(shareColumns('s'), viewer)}))`;
}
