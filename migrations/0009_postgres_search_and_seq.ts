// The Postgres-only part of the schema; SQLite has its own (0002's FTS5 table, max(seq) + 1 under
// its single writer) and skips this one. Never edit after it lands.
// - link_search: the search index of src/storage/search-index.ts. `folded` holds title,
//   description, URL and text lowercased under a pg_trgm GIN index (substrings of three characters
//   or more, any script, given a database whose LC_CTYPE is C.UTF-8 or another UTF-8 locale: under
//   C, pg_trgm drops every Chinese character); `bigrams` holds the two-character windows with a
//   CJK character, under a plain GIN index, for the two-character words a trigram cannot find.
// - link_seq: links.seq from a sequence, so two processes inserting links never take the same one.
import { type Kysely, PostgresAdapter, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`CREATE EXTENSION IF NOT EXISTS pg_trgm`.execute(db);
  await sql`CREATE TABLE link_search (
    seq bigint PRIMARY KEY,
    scope text NOT NULL,
    folded text NOT NULL,
    bigrams text[] NOT NULL DEFAULT '{}'
  )`.execute(db);
  await sql`CREATE INDEX link_search_scope_seq ON link_search (scope, seq)`.execute(db);
  await sql`CREATE INDEX link_search_folded_trgm ON link_search USING gin (folded gin_trgm_ops)`.execute(db);
  await sql`CREATE INDEX link_search_bigrams ON link_search USING gin (bigrams)`.execute(db);
  await sql`CREATE SEQUENCE link_seq`.execute(db);
  await sql`SELECT setval('link_seq', coalesce((SELECT max(seq) FROM links), 0) + 1, false)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`DROP SEQUENCE link_seq`.execute(db);
  await sql`DROP TABLE link_search`.execute(db);
}
