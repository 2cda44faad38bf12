// The full-text index: one document per link (its latest done snapshot), keyed by links.seq, so
// matches read in descending key order yield the newest links first and a page stops early.
//
// SQLite (migration 0002): FTS5 with the trigram tokenizer. User text never becomes FTS syntax:
// each term is quoted as an FTS string and the terms ANDed.
// Postgres (migration 0009): one `folded` column (title, description, URL and text, lowercased)
// under a pg_trgm GIN index for terms of three characters or more, and beside it an array of the
// document's two-character CJK windows under a plain GIN index, since a trigram index cannot find
// a two-character word (气候, 東京). Both backends fold case the same way for indexed terms
// (Unicode lowercase, as FTS5's trigram tokenizer does), so a query finds the same links on both.
import { type Kysely, type RawBuilder, type SqlBool, sql } from 'kysely';
import { CjkChar, searchTerms } from '../core/search-terms.js';
import { cutText, ShownTextChars } from '../core/text.js';
import { isPostgres } from './dialect.js';
import type { Database } from './schema.js';

export interface SearchDocument {
  title: string | null;
  description: string | null;
  url: string;
  text: string;
}

/** Trigram matching needs at least this many characters; shorter terms fall back to LIKE (or, for CJK pairs on Postgres, the bigram index). */
export const MinMatchChars = 3;

/**
 * How much of a page's text is indexed: what the web page shows of it. The trigram index costs SQLite ~0.45 µs a character, in one synchronous statement on the event loop:
 * 2,000,000 characters of prose (the capture's cap) held it for 0.9 s, and every chat ack with it;
 * 200,000 take ~60 ms. Longer texts stay whole in their artifact; only the search misses their tail.
 */
export const IndexedTextChars = ShownTextChars;

export async function putDocument(db: Kysely<Database>, seq: number, workspaceId: string, doc: SearchDocument): Promise<void> {
  const text = cutText(doc.text, IndexedTextChars);
  if (isPostgres(db)) {
    // Fields joined by a newline: a term never holds whitespace, so no match spans two fields.
    const folded = fold([doc.title ?? '', doc.description ?? '', doc.url, text].join('\n'));
    await sql`INSERT INTO link_search (seq, scope, folded, bigrams) VALUES (${seq}, ${workspaceId}, ${folded}, ${cjkBigrams(folded)})
      ON CONFLICT (seq) DO UPDATE SET scope = excluded.scope, folded = excluded.folded, bigrams = excluded.bigrams`.execute(db);
    return;
  }
  await sql`DELETE FROM link_search WHERE rowid = ${seq}`.execute(db);
  await sql`INSERT INTO link_search (rowid, scope, title, description, url, text)
    VALUES (${seq}, ${scopeToken(workspaceId)}, ${doc.title ?? ''}, ${doc.description ?? ''}, ${doc.url}, ${text})`.execute(db);
}

/** Re-keys a document when its link moves to a new seq (new snapshot queued). */
export async function moveDocument(db: Kysely<Database>, fromSeq: number, toSeq: number): Promise<void> {
  if (fromSeq === toSeq) return;
  if (isPostgres(db)) {
    await sql`UPDATE link_search SET seq = ${toSeq} WHERE seq = ${fromSeq}`.execute(db);
    return;
  }
  await sql`INSERT INTO link_search (rowid, scope, title, description, url, text)
    SELECT ${toSeq}, scope, title, description, url, text FROM link_search WHERE rowid = ${fromSeq}`.execute(db);
  await sql`DELETE FROM link_search WHERE rowid = ${fromSeq}`.execute(db);
}

export async function removeDocument(db: Kysely<Database>, seq: number): Promise<void> {
  await (isPostgres(db) ? sql`DELETE FROM link_search WHERE seq = ${seq}` : sql`DELETE FROM link_search WHERE rowid = ${seq}`).execute(db);
}

export { searchTerms };

/** The table to select from as `f`, and its key column that equals links.seq. */
export const searchTable = sql`link_search`;

export function searchKey(db: Kysely<Database>): RawBuilder<unknown> {
  return isPostgres(db) ? sql`f.seq` : sql`f.rowid`;
}

/**
 * A condition on the `link_search` table aliased `f` that holds when every term of `text` occurs
 * in the title, description, URL or text of a document of this workspace.
 */
export function textCondition(db: Kysely<Database>, workspaceId: string, text: string): RawBuilder<SqlBool> {
  const terms = searchTerms(text);
  if (isPostgres(db)) {
    return sql<SqlBool>`(${sql.join([sql<SqlBool>`f.scope = ${workspaceId}`, ...terms.map(postgresTerm)], sql` AND `)})`;
  }
  const long = terms.filter((term) => [...term].length >= MinMatchChars);
  const short = terms.filter((term) => [...term].length < MinMatchChars);
  const match = [`scope : ${ftsString(scopeToken(workspaceId))}`, ...long.map((term) => `{title description url text} : ${ftsString(term)}`)].join(' AND ');
  const conditions: RawBuilder<SqlBool>[] = [sql<SqlBool>`f.link_search MATCH ${match}`, ...short.map(sqliteContains)];
  return sql<SqlBool>`(${sql.join(conditions, sql` AND `)})`;
}

/**
 * The same test as textCondition, made on one document already found by its key (a few hundred
 * candidates from a rare tag) rather than through the index: reading those rows costs less than
 * walking every match of a common term. On SQLite, case folding is ASCII-only here, as with LIKE.
 */
export function textConditionOnRow(db: Kysely<Database>, text: string): RawBuilder<SqlBool> {
  const terms = searchTerms(text);
  if (!terms.length) return sql<SqlBool>`1 = 1`;
  const contains = isPostgres(db) ? (term: string) => sql<SqlBool>`f.folded LIKE ${likePattern(fold(term))} ESCAPE '\\'` : sqliteContains;
  return sql<SqlBool>`(${sql.join(terms.map(contains), sql` AND `)})`;
}

/** A term on Postgres: a CJK pair through the bigram index, anything else through LIKE (trigram-indexed from three characters). */
function postgresTerm(term: string): RawBuilder<SqlBool> {
  const folded = fold(term);
  const chars = [...folded];
  if (chars.length === 2 && chars.some((char) => CjkChar.test(char))) return sql<SqlBool>`f.bigrams @> ARRAY[${folded}]::text[]`;
  return sql<SqlBool>`f.folded LIKE ${likePattern(folded)} ESCAPE '\\'`;
}

function sqliteContains(term: string): RawBuilder<SqlBool> {
  const pattern = likePattern(term);
  return sql<SqlBool>`(f.title LIKE ${pattern} ESCAPE '\\' OR f.description LIKE ${pattern} ESCAPE '\\' OR f.url LIKE ${pattern} ESCAPE '\\' OR f.text LIKE ${pattern} ESCAPE '\\')`;
}

/** Unicode lowercase, applied to documents and terms alike (Postgres' own lower() follows LC_CTYPE). */
export function fold(text: string): string {
  // Postgres text cannot hold NUL; it can never be part of a term either.
  return text.toLowerCase().replaceAll('\u0000', '');
}

/** Every distinct two-character window of `folded` that holds a CJK character. */
export function cjkBigrams(folded: string): string[] {
  const chars = [...folded];
  const pairs = new Set<string>();
  for (let i = 0; i + 1 < chars.length; i += 1) {
    if (CjkChar.test(chars[i]) || CjkChar.test(chars[i + 1])) {
      if (/\s/u.test(chars[i]) || /\s/u.test(chars[i + 1])) continue;
      pairs.add(chars[i] + chars[i + 1]);
    }
  }
  return [...pairs];
}

/** Wrapped so that one workspace id never matches inside a longer one. */
function scopeToken(workspaceId: string): string {
  return `<${workspaceId}>`;
}

/** An FTS5 string: double quotes doubled; inside it `*`, `AND`, `(`, `-` are plain characters. */
function ftsString(term: string): string {
  return `"${term.replaceAll('"', '""')}"`;
}

function likePattern(term: string): string {
  return `%${term.replace(/[\\%_]/gu, (char) => `\\${char}`)}%`;
}
