// Who may see a link in a search: a link shared only in private channels stays hidden from people
// outside them. `l` is the links alias of the query this condition goes into.
import { type RawBuilder, type SqlBool, sql } from 'kysely';
import type { Viewer } from '../core/types.js';

export function visibleTo(viewer: Viewer): RawBuilder<SqlBool> {
  const channels = [...new Set(viewer.channelIds)];
  if (!channels.length) return sql<SqlBool>`l.public = 1`;
  return sql<SqlBool>`(l.public = 1 OR EXISTS (SELECT 1 FROM shares s WHERE s.link_id = l.id AND s.channel_id IN (${sql.join(channels)})))`;
}
