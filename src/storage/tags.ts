// Tags of links. Every name goes through normalizeTag, so `#News`, `news` and `ｎｅｗｓ` are one tag.
// A tag row remembers the place it was given in (see migrations/0004_tag_places.ts): the same tag
// given in #general and in a private channel is two rows, and each is seen where its place is.
import { type Kysely, type SqlBool, sql } from 'kysely';
import { NotFoundError } from '../core/errors.js';
import { normalizeTags } from '../core/tags.js';
import type { TagCount, TagPlace, Viewer } from '../core/types.js';
import { isoNow } from './ids.js';
import { assertLink } from './links.js';
import type { Database, Db } from './schema.js';
import { syncDocumentTags } from './search-index.js';
import { writeTransaction } from './transaction.js';
import { placedVisibleTo, tagColumns, visibleTo } from './visibility.js';

/** The web page and CLI: open to the workspace. */
export const OpenPlace: TagPlace = { channelId: null, private: false };

function placeKey(place: TagPlace): { channel_id: string; public: number } {
  return { channel_id: place.channelId ?? '', public: place.channelId === null || !place.private ? 1 : 0 };
}

export async function addTags(db: Db, workspaceId: string, linkId: string, tags: string[], place: TagPlace = OpenPlace): Promise<void> {
  const names = normalizeTags(tags);
  if (!names.length) return;
  const key = placeKey(place);
  await writeTransaction(db, async (trx) => {
    const link = await trx.selectFrom('links').select(['seq', 'public']).where('workspace_id', '=', workspaceId).where('id', '=', linkId).executeTakeFirst();
    if (!link) throw new NotFoundError('link', linkId);
    const at = isoNow();
    await trx
      .insertInto('tags')
      .values(names.map((name) => ({ workspace_id: workspaceId, name, created_at: at })))
      .onConflict((oc) => oc.columns(['workspace_id', 'name']).doNothing())
      .execute();
    await trx
      .insertInto('link_tags')
      .values(names.map((tag) => ({ link_id: linkId, tag, workspace_id: workspaceId, seq: Number(link.seq), link_public: Number(link.public), ...key })))
      .onConflict((oc) => oc.columns(['link_id', 'tag', 'channel_id']).doNothing())
      .execute();
    await syncDocumentTags(trx, linkId);
  });
}

/** Removes the tags wherever they were given (the web page and CLI see every place). */
export async function removeTags(db: Db, workspaceId: string, linkId: string, tags: string[]): Promise<void> {
  const names = normalizeTags(tags);
  await writeTransaction(db, async (trx) => {
    await assertLink(trx, workspaceId, linkId);
    if (!names.length) return;
    await trx.deleteFrom('link_tags').where('link_id', '=', linkId).where('tag', 'in', names).execute();
    await syncDocumentTags(trx, linkId);
  });
}

/**
 * Replaces the tags seen from `viewer` with exactly these: tags not listed are removed from the
 * places the viewer sees, new ones are given at `place`. Tags of places the viewer cannot see are
 * left alone (they could not see them to keep them). A null viewer replaces every tag.
 */
export async function setTags(db: Db, workspaceId: string, linkId: string, tags: string[], place: TagPlace = OpenPlace, viewer: Viewer | null = null): Promise<void> {
  const names = normalizeTags(tags);
  await writeTransaction(db, async (trx) => {
    await assertLink(trx, workspaceId, linkId);
    const seen = await visibleTagRows(trx, [linkId], viewer);
    const drop = seen.filter((row) => !names.includes(row.tag));
    for (const row of drop) {
      await trx.deleteFrom('link_tags').where('link_id', '=', linkId).where('tag', '=', row.tag).where('channel_id', '=', row.channel_id).execute();
    }
    const kept = new Set(seen.filter((row) => names.includes(row.tag)).map((row) => row.tag));
    await addTags(trx, workspaceId, linkId, names.filter((name) => !kept.has(name)), place);
    if (drop.length) await syncDocumentTags(trx, linkId);
  });
}

/** Tags of each link as seen by `viewer` (null: every tag), sorted, each name once. */
export async function tagsOfLinks(db: Kysely<Database>, linkIds: string[], viewer: Viewer | null): Promise<Map<string, string[]>> {
  const byLink = new Map<string, string[]>();
  for (const row of await visibleTagRows(db, linkIds, viewer)) {
    const list = byLink.get(row.link_id);
    if (!list) byLink.set(row.link_id, [row.tag]);
    else if (list[list.length - 1] !== row.tag) list.push(row.tag);
  }
  return byLink;
}

async function visibleTagRows(db: Kysely<Database>, linkIds: string[], viewer: Viewer | null) {
  if (!linkIds.length) return [];
  return db
    .selectFrom('link_tags as t')
    .select(['t.link_id', 't.tag', 't.channel_id'])
    .where('t.link_id', 'in', linkIds)
    .where(placedVisibleTo(tagColumns('t'), viewer))
    .orderBy('t.link_id')
    .orderBy('t.tag')
    .execute();
}

/**
 * A channel's privacy as the platform reports it now: tags given there are seen by everyone only
 * while it is open. Runs inside the caller's transaction (shares.ts also updates the shares).
 */
export async function setTagPlacePrivacy(db: Kysely<Database>, workspaceId: string, channelId: string, isPrivate: boolean): Promise<void> {
  await db
    .updateTable('link_tags')
    .set({ public: isPrivate ? 0 : 1 })
    .where('workspace_id', '=', workspaceId)
    .where('channel_id', '=', channelId)
    .where('public', '=', isPrivate ? 1 : 0)
    .execute();
}

/**
 * Tags of the workspace with how many links (visible to the viewer, through a tag they can see)
 * carry each, most used first. The planner reads the link_tags_counts index alone: (tag, link) pairs come
 * out in order, so a link tagged in two places counts once without a sort.
 */
export async function listTags(db: Db, workspaceId: string, viewer: Viewer | null = null): Promise<TagCount[]> {
  const filters = [sql<SqlBool>`t.workspace_id = ${workspaceId}`];
  if (viewer) filters.push(placedVisibleTo(tagColumns('t'), viewer), visibleTo(viewer, { public: sql.ref('t.link_public'), id: sql.ref('t.link_id') }));
  const result = await sql<{ tag: string; count: number }>`SELECT tag, count(*) AS count FROM (
      SELECT t.tag AS tag, t.link_id FROM link_tags t WHERE ${sql.join(filters, sql` AND `)} GROUP BY t.tag, t.link_id
    ) pairs GROUP BY tag ORDER BY count(*) DESC, tag`.execute(db);
  return result.rows.map((row) => ({ tag: row.tag, count: Number(row.count) }));
}

/** links.public changed for these links: the copies on their tag rows follow. */
export async function copyLinkVisibility(db: Kysely<Database>, linkIds: string[]): Promise<void> {
  if (!linkIds.length) return;
  await sql`UPDATE link_tags SET link_public = (SELECT l.public FROM links l WHERE l.id = link_tags.link_id) WHERE link_id IN (${sql.join(linkIds)})`.execute(db);
}
