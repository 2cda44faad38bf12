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
// Each document also carries its link's tags (migration 0010), so that a tag and a text are
// intersected inside the one index: on Postgres their names, on SQLite one token per tag (see
// tagToken). They are only a candidate filter; which tags a viewer may see is decided on link_tags.
import { createHash } from 'node:crypto';
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
    await sql`INSERT INTO link_search (seq, scope, folded, bigrams, tags)
      VALUES (${seq}, ${workspaceId}, ${folded}, ${cjkBigrams(folded)}, ${tagsOfSeq(seq)})
      ON CONFLICT (seq) DO UPDATE SET scope = excluded.scope, folded = excluded.folded, bigrams = excluded.bigrams, tags = excluded.tags`.execute(db);
    return;
  }
  const tags = await sql<{ tag: string }>`SELECT DISTINCT t.tag FROM links l JOIN link_tags t ON t.link_id = l.id WHERE l.seq = ${seq}`.execute(db);
  await sql`DELETE FROM link_search WHERE rowid = ${seq}`.execute(db);
  await sql`INSERT INTO link_search (rowid, scope, title, description, url, text, tags)
    VALUES (${seq}, ${scopeToken(workspaceId)}, ${doc.title ?? ''}, ${doc.description ?? ''}, ${doc.url}, ${text}, ${tagTokens(workspaceId, tags.rows.map((row) => row.tag))})`.execute(db);
}

/**
 * Documents for links that have none yet (an import's new links, found by their title and address
 * before any capture), written in one statement: a putDocument per link costs an import of 10,000
 * links as many round trips. The tags are given, since the caller just wrote them.
 */
export async function putNewDocuments(db: Kysely<Database>, docs: Array<{ seq: number; workspaceId: string; doc: SearchDocument; tags: string[] }>): Promise<void> {
  if (!docs.length) return;
  if (isPostgres(db)) {
    const rows = docs.map(({ seq, workspaceId, doc, tags }) => {
      const folded = fold([doc.title ?? '', doc.description ?? '', doc.url, cutText(doc.text, IndexedTextChars)].join('\n'));
      return sql`(${seq}, ${workspaceId}, ${folded}, ${cjkBigrams(folded)}::text[], ${[...new Set(tags)].sort()}::text[])`;
    });
    await sql`INSERT INTO link_search (seq, scope, folded, bigrams, tags) VALUES ${sql.join(rows)}`.execute(db);
    return;
  }
  const rows = docs.map(
    ({ seq, workspaceId, doc, tags }) =>
      sql`(${seq}, ${scopeToken(workspaceId)}, ${doc.title ?? ''}, ${doc.description ?? ''}, ${doc.url}, ${cutText(doc.text, IndexedTextChars)}, ${tagTokens(workspaceId, tags)})`,
  );
  await sql`INSERT INTO link_search (rowid, scope, title, description, url, text, tags) VALUES ${sql.join(rows)}`.execute(db);
}

/** Re-keys a document when its link moves to a new seq (new snapshot queued). */
export async function moveDocument(db: Kysely<Database>, fromSeq: number, toSeq: number): Promise<void> {
  if (fromSeq === toSeq) return;
  if (isPostgres(db)) {
    await sql`UPDATE link_search SET seq = ${toSeq} WHERE seq = ${fromSeq}`.execute(db);
    return;
  }
  await sql`INSERT INTO link_search (rowid, scope, title, description, url, text, tags)
    SELECT ${toSeq}, scope, title, description, url, text, tags FROM link_search WHERE rowid = ${fromSeq}`.execute(db);
  await sql`DELETE FROM link_search WHERE rowid = ${fromSeq}`.execute(db);
}

/**
 * The link's tags changed: its document's copy follows. A link without a document yet gets the
 * copy when putDocument writes one.
 */
export async function syncDocumentTags(db: Kysely<Database>, linkId: string): Promise<void> {
  if (isPostgres(db)) {
    await sql`UPDATE link_search SET tags = ARRAY(SELECT DISTINCT t.tag FROM link_tags t WHERE t.link_id = ${linkId} ORDER BY t.tag)
      WHERE seq = (SELECT l.seq FROM links l WHERE l.id = ${linkId})`.execute(db);
    return;
  }
  const link = await sql<{ seq: number; workspace_id: string }>`SELECT seq, workspace_id FROM links WHERE id = ${linkId}`.execute(db);
  if (!link.rows[0]) return;
  const { seq, workspace_id: workspaceId } = link.rows[0];
  const current = await sql<{ tags: string }>`SELECT tags FROM link_search WHERE rowid = ${seq}`.execute(db);
  if (!current.rows[0]) return;
  const tags = await sql<{ tag: string }>`SELECT DISTINCT tag FROM link_tags WHERE link_id = ${linkId}`.execute(db);
  const tokens = tagTokens(workspaceId, tags.rows.map((row) => row.tag));
  // FTS5 rewrites the whole row on any update, text included: only when the tags really changed.
  if (tokens !== current.rows[0].tags) await sql`UPDATE link_search SET tags = ${tokens} WHERE rowid = ${seq}`.execute(db);
}

/** Private use characters U+E000 to U+F8FF: no tag token ever shares a trigram with another or with text. */
const TokenAlphabet = 0x1900;

/**
 * A tag of a workspace as SQLite's search index holds it: three private use characters, so the
 * trigram tokenizer makes exactly one token of it and a MATCH on it reads that tag's documents
 * alone (a tag's own name, `tag-15`, shares trigrams with every other `tag-…`). Two tags that hash
 * alike only widen the candidates; the tags themselves are checked on link_tags. Part of the stored
 * index (migration 0010): changing it means rebuilding the index.
 */
export function tagToken(workspaceId: string, tag: string): string {
  let value = createHash('sha256').update(`${workspaceId}\n${tag}`).digest().readUIntBE(0, 6);
  let token = '';
  for (let i = 0; i < 3; i++) {
    token += String.fromCharCode(0xe000 + (value % TokenAlphabet));
    value = Math.floor(value / TokenAlphabet);
  }
  return token;
}

/** The tags column of a SQLite search document: its tokens, sorted, space-separated so no trigram spans two. */
export function tagTokens(workspaceId: string, tags: string[]): string {
  return [...new Set(tags.map((tag) => tagToken(workspaceId, tag)))].sort().join(' ');
}

/** Every tag name of the link at `seq`, from any place: the index only narrows, visibility is checked on link_tags. */
function tagsOfSeq(seq: number): RawBuilder<string[]> {
  return sql<string[]>`ARRAY(SELECT DISTINCT t.tag FROM links l JOIN link_tags t ON t.link_id = l.id WHERE l.seq = ${seq} ORDER BY t.tag)`;
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
 * in the title, description, URL or text of a document of this workspace whose link has every one
 * of `tags` (as a candidate: the caller checks the tags themselves on link_tags).
 */
export function textCondition(db: Kysely<Database>, workspaceId: string, text: string, tags: string[] = []): RawBuilder<SqlBool> {
  const terms = searchTerms(text);
  if (isPostgres(db)) {
    // The tags before the text: a document walked in order without them is passed over unread.
    const hasTags = tags.length ? [sql<SqlBool>`f.tags @> ARRAY[${sql.join(tags)}]::text[]`] : [];
    return sql<SqlBool>`(${sql.join([sql<SqlBool>`f.scope = ${workspaceId}`, ...hasTags, ...terms.map(postgresTerm)], sql` AND `)})`;
  }
  const long = terms.filter((term) => [...term].length >= MinMatchChars);
  const short = terms.filter((term) => [...term].length < MinMatchChars);
  // A tag token belongs to one workspace, so with tags the scope, five trigrams found in nearly every document, is not needed.
  const narrow = tags.length ? tags.map((tag) => `tags : ${ftsString(tagToken(workspaceId, tag))}`) : [`scope : ${ftsString(scopeToken(workspaceId))}`];
  const match = [...narrow, ...long.map((term) => `{title description url text} : ${ftsString(term)}`)].join(' AND ');
  const conditions: RawBuilder<SqlBool>[] = [sql<SqlBool>`f.link_search MATCH ${match}`, ...short.map(sqliteContains)];
  return sql<SqlBool>`(${sql.join(conditions, sql` AND `)})`;
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
