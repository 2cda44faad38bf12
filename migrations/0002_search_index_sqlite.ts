// Full-text index, the one SQLite-specific part of the schema: FTS5 with the trigram tokenizer, so
// substrings of any script are found (`快照` in Chinese text, `socket.getaddrinfo` in docs).
// One row per link, keyed by links.seq so matches stream newest first; `scope` holds the workspace
// id wrapped in <> so a MATCH can narrow to one workspace without catching a longer id.
// Other dialects skip it; their search module brings its own index. Never edit after it lands.
import { type Kysely, SqliteAdapter, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof SqliteAdapter)) return;
  await sql`CREATE VIRTUAL TABLE link_search USING fts5(scope, title, description, url, text, tokenize = 'trigram')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof SqliteAdapter)) return;
  await sql`DROP TABLE link_search`.execute(db);
}
