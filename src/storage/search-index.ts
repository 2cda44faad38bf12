// The full-text index, SQLite flavour: FTS5 with the trigram tokenizer (see migration 0002).
// One document per link (its latest done snapshot), keyed by links.seq, so a MATCH read in
// descending rowid order yields the newest links first and a page stops early.
// User text never becomes FTS syntax: each term is quoted as an FTS string and the terms ANDed.
import { type Kysely, type RawBuilder, type SqlBool, sql } from 'kysely';
import { searchTerms } from '../core/search-terms.js';
import { cutText, ShownTextChars } from '../core/text.js';
import type { Database } from './schema.js';

export interface SearchDocument {
  title: string | null;
  description: string | null;
  url: string;
  text: string;
}

/** Trigram matching needs at least this many characters; shorter terms fall back to LIKE. */
export const MinMatchChars = 3;

/**
 * How much of a page's text is indexed: what the web page shows of it. The trigram index costs SQLite ~0.45 µs a character, in one synchronous statement on the event loop:
 * 2,000,000 characters of prose (the capture's cap) held it for 0.9 s, and every chat ack with it;
 * 200,000 take ~60 ms. Longer texts stay whole in their artifact; only the search misses their tail.
 */
export const IndexedTextChars = ShownTextChars;

export async function putDocument(db: Kysely<Database>, seq: number, workspaceId: string, doc: SearchDocument): Promise<void> {
  await sql`DELETE FROM link_search WHERE rowid = ${seq}`.execute(db);
  await sql`INSERT INTO link_search (rowid, scope, title, description, url, text)
    VALUES (${seq}, ${scopeToken(workspaceId)}, ${doc.title ?? ''}, ${doc.description ?? ''}, ${doc.url}, ${cutText(doc.text, IndexedTextChars)})`.execute(db);
}

/** Re-keys a document when its link moves to a new seq (new snapshot queued). */
export async function moveDocument(db: Kysely<Database>, fromSeq: number, toSeq: number): Promise<void> {
  if (fromSeq === toSeq) return;
  await sql`INSERT INTO link_search (rowid, scope, title, description, url, text)
    SELECT ${toSeq}, scope, title, description, url, text FROM link_search WHERE rowid = ${fromSeq}`.execute(db);
  await sql`DELETE FROM link_search WHERE rowid = ${fromSeq}`.execute(db);
}

export async function removeDocument(db: Kysely<Database>, seq: number): Promise<void> {
  await sql`DELETE FROM link_search WHERE rowid = ${seq}`.execute(db);
}

export { searchTerms };

/**
 * A condition on the `link_search` table aliased `f` that holds when every term of `text` occurs
 * in the title, description, URL or text of a document of this workspace.
 */
export function textCondition(workspaceId: string, text: string): RawBuilder<SqlBool> {
  const terms = searchTerms(text);
  const long = terms.filter((term) => [...term].length >= MinMatchChars);
  const short = terms.filter((term) => [...term].length < MinMatchChars);
  const match = [`scope : ${ftsString(scopeToken(workspaceId))}`, ...long.map((term) => `{title description url text} : ${ftsString(term)}`)].join(' AND ');
  const conditions: RawBuilder<SqlBool>[] = [sql<SqlBool>`f.link_search MATCH ${match}`, ...short.map(containsTerm)];
  return sql<SqlBool>`(${sql.join(conditions, sql` AND `)})`;
}

/**
 * The same test as textCondition, made on one document already found by its key (a few hundred
 * candidates from a rare tag) rather than through the index: reading those rows costs less than
 * walking every match of a common term. Case folding is ASCII-only here, as with LIKE.
 */
export function textConditionOnRow(text: string): RawBuilder<SqlBool> {
  const terms = searchTerms(text);
  if (!terms.length) return sql<SqlBool>`1 = 1`;
  return sql<SqlBool>`(${sql.join(terms.map(containsTerm), sql` AND `)})`;
}

function containsTerm(term: string): RawBuilder<SqlBool> {
  const pattern = `%${escapeLike(term)}%`;
  return sql<SqlBool>`(f.title LIKE ${pattern} ESCAPE '\\' OR f.description LIKE ${pattern} ESCAPE '\\' OR f.url LIKE ${pattern} ESCAPE '\\' OR f.text LIKE ${pattern} ESCAPE '\\')`;
}

/** The table to select from as `f`, and its key column that equals links.seq. */
export const searchTable = sql`link_search`;
export const searchKey = sql`f.rowid`;

/** Wrapped so that one workspace id never matches inside a longer one. */
function scopeToken(workspaceId: string): string {
  return `<${workspaceId}>`;
}

/** An FTS5 string: double quotes doubled; inside it `*`, `AND`, `(`, `-` are plain characters. */
function ftsString(term: string): string {
  return `"${term.replaceAll('"', '""')}"`;
}

function escapeLike(term: string): string {
  return term.replace(/[\\%_]/gu, (char) => `\\${char}`);
}
