// Each search document carries its link's tags, so that a tag+text search intersects the two inside
// the one search index before any document's text is read. Before, a common tag with a text rarely
// found beside it read thousands of documents (Postgres: pg_trgm estimates a few rows for any LIKE,
// so the planner never combined the trigram index with a tag; SQLite: every match of the text was
// walked and probed for the tag). The tags are only a candidate filter: which tags a viewer may see
// is still decided on link_tags.
// - Postgres: `tags` holds the names, and one GIN index holds the text's trigrams, its CJK bigrams
//   and the tags together (replacing the two text indexes), so one index scan intersects them all.
// - SQLite: FTS5 cannot add a column, so the table is made again with a `tags` column of one token
//   per tag (search-index.ts: tagToken) and every document copied over; on a big archive this
//   takes as long as indexing it did (about 15 minutes for a million documents).
// Never edit after it lands.
import { type Kysely, PostgresAdapter, SqliteAdapter, sql } from 'kysely';
import { tagTokens } from '../src/storage/search-index.js';

export async function up(db: Kysely<any>): Promise<void> {
  const { adapter } = db.getExecutor();
  if (adapter instanceof PostgresAdapter) await upPostgres(db);
  // One transaction (Kysely runs SQLite migrations outside one): a copy cut short leaves nothing behind.
  else if (adapter instanceof SqliteAdapter) await db.transaction().execute(upSqlite);
}

async function upPostgres(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE link_search ADD COLUMN tags text[] NOT NULL DEFAULT '{}'`.execute(db);
  await sql`UPDATE link_search f SET tags = t.tags
    FROM (SELECT seq, array_agg(DISTINCT tag ORDER BY tag) AS tags FROM link_tags GROUP BY seq) t
    WHERE f.seq = t.seq`.execute(db);
  // The default 64 MB makes a GIN build over a big archive crawl.
  await sql`SET LOCAL maintenance_work_mem = '512MB'`.execute(db);
  await sql`CREATE INDEX link_search_terms_tags ON link_search USING gin (folded gin_trgm_ops, bigrams, tags)`.execute(db);
  await sql`DROP INDEX link_search_folded_trgm`.execute(db);
  await sql`DROP INDEX link_search_bigrams`.execute(db);
}

/** Documents copied per statement batch: a few MB of text at a time. */
const CopyBatch = 500;

async function upSqlite(db: Kysely<any>): Promise<void> {
  await sql`CREATE VIRTUAL TABLE link_search_tagged USING fts5(scope, title, description, url, text, tags, tokenize = 'trigram')`.execute(db);
  for (let after = -1; ; ) {
    const documents = await sql<{ seq: number; scope: string; title: string; description: string; url: string; text: string }>`
      SELECT rowid AS seq, scope, title, description, url, text FROM link_search WHERE rowid > ${after} ORDER BY rowid LIMIT ${CopyBatch}`.execute(db);
    if (!documents.rows.length) break;
    const last = Number(documents.rows[documents.rows.length - 1].seq);
    const tagRows = await sql<{ seq: number; workspace_id: string; tag: string }>`SELECT DISTINCT l.seq, l.workspace_id, t.tag
      FROM links l JOIN link_tags t ON t.link_id = l.id WHERE l.seq > ${after} AND l.seq <= ${last}`.execute(db);
    const tagsOf = new Map<number, { workspaceId: string; tags: string[] }>();
    for (const row of tagRows.rows) {
      const entry = tagsOf.get(Number(row.seq)) ?? { workspaceId: row.workspace_id, tags: [] };
      entry.tags.push(row.tag);
      tagsOf.set(Number(row.seq), entry);
    }
    for (const doc of documents.rows) {
      const entry = tagsOf.get(Number(doc.seq));
      await sql`INSERT INTO link_search_tagged (rowid, scope, title, description, url, text, tags)
        VALUES (${doc.seq}, ${doc.scope}, ${doc.title}, ${doc.description}, ${doc.url}, ${doc.text}, ${entry ? tagTokens(entry.workspaceId, entry.tags) : ''})`.execute(db);
    }
    after = last;
  }
  await sql`DROP TABLE link_search`.execute(db);
  await sql`ALTER TABLE link_search_tagged RENAME TO link_search`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  const { adapter } = db.getExecutor();
  if (adapter instanceof PostgresAdapter) {
    await sql`CREATE INDEX link_search_folded_trgm ON link_search USING gin (folded gin_trgm_ops)`.execute(db);
    await sql`CREATE INDEX link_search_bigrams ON link_search USING gin (bigrams)`.execute(db);
    await sql`DROP INDEX link_search_terms_tags`.execute(db);
    await sql`ALTER TABLE link_search DROP COLUMN tags`.execute(db);
    return;
  }
  if (!(adapter instanceof SqliteAdapter)) return;
  await sql`CREATE VIRTUAL TABLE link_search_untagged USING fts5(scope, title, description, url, text, tokenize = 'trigram')`.execute(db);
  await sql`INSERT INTO link_search_untagged (rowid, scope, title, description, url, text) SELECT rowid, scope, title, description, url, text FROM link_search`.execute(db);
  await sql`DROP TABLE link_search`.execute(db);
  await sql`ALTER TABLE link_search_untagged RENAME TO link_search`.execute(db);
}
