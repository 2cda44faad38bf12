// Tags of links. Every name goes through normalizeTag, so `#News`, `news` and `ｎｅｗｓ` are one tag.
import { sql } from 'kysely';
import { NotFoundError } from '../core/errors.js';
import { normalizeTags } from '../core/tags.js';
import type { TagCount, Viewer } from '../core/types.js';
import { isoNow } from './ids.js';
import { assertLink } from './links.js';
import type { Db } from './schema.js';
import { writeTransaction } from './transaction.js';
import { visibleTo } from './visibility.js';

export async function addTags(db: Db, workspaceId: string, linkId: string, tags: string[]): Promise<void> {
  const names = normalizeTags(tags);
  if (!names.length) return;
  await writeTransaction(db, async (trx) => {
    const link = await trx.selectFrom('links').select('seq').where('workspace_id', '=', workspaceId).where('id', '=', linkId).executeTakeFirst();
    if (!link) throw new NotFoundError('link', linkId);
    const at = isoNow();
    await trx
      .insertInto('tags')
      .values(names.map((name) => ({ workspace_id: workspaceId, name, created_at: at })))
      .onConflict((oc) => oc.columns(['workspace_id', 'name']).doNothing())
      .execute();
    await trx
      .insertInto('link_tags')
      .values(names.map((tag) => ({ link_id: linkId, tag, workspace_id: workspaceId, seq: Number(link.seq) })))
      .onConflict((oc) => oc.columns(['link_id', 'tag']).doNothing())
      .execute();
  });
}

export async function removeTags(db: Db, workspaceId: string, linkId: string, tags: string[]): Promise<void> {
  const names = normalizeTags(tags);
  await assertLink(db, workspaceId, linkId);
  if (!names.length) return;
  await db.deleteFrom('link_tags').where('link_id', '=', linkId).where('tag', 'in', names).execute();
}

/** Replaces the link's tags with exactly these. */
export async function setTags(db: Db, workspaceId: string, linkId: string, tags: string[]): Promise<void> {
  const names = normalizeTags(tags);
  await writeTransaction(db, async (trx) => {
    await assertLink(trx, workspaceId, linkId);
    let removal = trx.deleteFrom('link_tags').where('link_id', '=', linkId);
    if (names.length) removal = removal.where('tag', 'not in', names);
    await removal.execute();
    await addTags(trx, workspaceId, linkId, names);
  });
}

/** Tags of the workspace with how many links (visible to the viewer) carry each, most used first. */
export async function listTags(db: Db, workspaceId: string, viewer: Viewer | null = null): Promise<TagCount[]> {
  let query = db
    .selectFrom('link_tags as t')
    .where('t.workspace_id', '=', workspaceId)
    .select(['t.tag', (eb) => eb.fn.countAll<number>().as('count')])
    .groupBy('t.tag')
    .orderBy(sql`count(*)`, 'desc')
    .orderBy('t.tag');
  if (viewer) query = query.innerJoin('links as l', 'l.id', 't.link_id').where(visibleTo(viewer));
  const rows = await query.execute();
  return rows.map((row) => ({ tag: row.tag, count: Number(row.count) }));
}
