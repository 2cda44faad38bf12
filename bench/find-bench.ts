// find() latency on a synthetic workspace: n captured links with a few hundred words of text each
// (a tenth in Chinese), a few hundred tags with a skewed spread, as the store lays them out. The
// rows are bulk-inserted in the store's layout (links.seq, link_tags.seq, search rows keyed by seq)
// so building 100,000 takes minutes, not hours; the queries go through the real find().
//
// LINKSNAP_FIND_BENCH_KEEP=<dir> keeps each database built (SQLite file, or Postgres data directory)
// in <dir>/<backend>-<n>-<seed> and, when one is already there, queries it instead of building it
// again (a 1,000,000-snapshot build takes about half an hour per backend). Migrations still run on
// it, so a new one is measured too. The build time and size reported are those of its build. Unset
// (the default), each run builds in a temporary directory and removes it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FindQuery } from '../src/core/types.js';
import { type Kysely, sql } from 'kysely';
import { cutText } from '../src/core/text.js';
import { openDatabase } from '../src/storage/db.js';
import { openPostgres } from '../src/storage/postgres.js';
import type { Database } from '../src/storage/schema.js';
import { cjkBigrams, fold, IndexedTextChars, tagTokens } from '../src/storage/search-index.js';
import { startTestPostgres } from '../test/helpers/postgres.js';
import { find } from '../src/storage/find.js';
import { listTags } from '../src/storage/tags.js';
import { migrateToLatest } from '../src/storage/migrate.js';

export interface LatencyFigures {
  queries: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /**
   * CPU time of this process per query: on a shared, busy machine wall-clock tails measure the
   * scheduler as much as the query, CPU time only the query.
   */
  p50CpuMs: number;
  p95CpuMs: number;
  /** Mean number of items returned, so an empty-result query cannot pass for a fast one. */
  meanItems: number;
}

export interface FindBenchResult {
  n: number;
  backend: 'sqlite' | 'postgres';
  buildSeconds: number;
  dbMegabytes: number;
  /** How the database was brought into memory before the queries, and how long that took. */
  warmed: { how: string; seconds: number };
  byTag: LatencyFigures;
  byTwoTags: LatencyFigures;
  byText: LatencyFigures;
  byCjkTwoChars: LatencyFigures;
  byTagAndText: LatencyFigures;
  secondPage: LatencyFigures;
  newestFirst: LatencyFigures;
  /** The same queries as a chat member sees them: links and tags from private channels they are not in left out. */
  byTagAsMember: LatencyFigures;
  byTagAndTextAsMember: LatencyFigures;
  tagCountsAsMember: LatencyFigures;
}

export interface FindBenchOptions {
  n?: number;
  queries?: number;
  pageSize?: number;
  seed?: number;
  /** sqlite: a file, as shipped; postgres: a server started for the run (test/helpers/postgres.ts). */
  backend?: 'sqlite' | 'postgres';
}

const WorkspaceId = 'bench';
/** A fifth of the links are shared in one of ten private channels, with their tags given there. */
const PrivateChannels = Array.from({ length: 10 }, (_, i) => `private-${i}`);
const MemberViewer = { channelIds: ['general', 'private-1', 'private-2'] };
const TagCount = 300;
const VocabularySize = 6_000;

export async function runFindBench({ n = 100_000, queries = 200, pageSize = 10, seed = 42, backend = 'sqlite' }: FindBenchOptions = {}): Promise<FindBenchResult> {
  const keep = process.env.LINKSNAP_FIND_BENCH_KEEP ? path.resolve(process.env.LINKSNAP_FIND_BENCH_KEEP, `${backend}-${n}-${seed}`) : null;
  const dir = keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'linksnap-find-bench-'));
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'bench.db');
  // Written once a build has finished: a build cut short is started again, not queried.
  const builtFile = path.join(keep ?? dir, 'built.json');
  const built = keep && fs.existsSync(builtFile) ? (JSON.parse(fs.readFileSync(builtFile, 'utf8')) as { buildSeconds: number; dbMegabytes: number }) : null;
  if (keep && !built) {
    fs.rmSync(keep, { recursive: true, force: true });
    fs.mkdirSync(keep, { recursive: true });
  }
  const random = mulberry32(seed);
  const words = vocabulary(VocabularySize, random);
  const tags = benchTags();
  const postgres = backend === 'postgres' ? await startTestPostgres({ keepDir: keep ? path.join(keep, 'postgres') : undefined, settings: { shared_buffers: `${SharedBuffersMb}MB` } }) : null;
  const sqlite = postgres ? null : openDatabase({ path: file });
  const opened = sqlite ?? openPostgres({ url: await postgres!.createDatabase('find_bench') });
  try {
    await migrateToLatest(opened.db);
    const started = performance.now();
    if (!built && sqlite) build(sqlite.sqlite, n, words, tags, random);
    else if (!built) await buildPostgres(opened.db, n, words, tags, random);
    // The links are drawn again, unstored, so the queries below draw what they would after a build.
    else for (const _ of benchLinks(n, words, tags, random));
    const buildSeconds = built?.buildSeconds ?? round((performance.now() - started) / 1000);
    const dbMegabytes = round(
      sqlite ? fs.statSync(file).size / 1024 / 1024 : Number((await sql<{ bytes: number }>`SELECT pg_database_size(current_database()) AS bytes`.execute(opened.db)).rows[0].bytes) / 1024 / 1024,
    );
    if (keep && !built) fs.writeFileSync(builtFile, JSON.stringify({ buildSeconds, dbMegabytes }));
    const db = opened.db;
    const warmed = sqlite ? warmSqlite(file) : await warmPostgres(db);

    const pick = <T>(list: T[], skew = 1.2) => list[Math.min(list.length - 1, Math.floor(list.length * random() ** (1 + skew)))];
    const query = (extra: Partial<FindQuery>): FindQuery => ({ workspaceId: WorkspaceId, limit: pageSize, ...extra });
    const run = (make: () => FindQuery) => measure(queries, async () => (await find(db, make())).items.length);

    const result: FindBenchResult = {
      n,
      backend,
      buildSeconds,
      dbMegabytes,
      warmed,
      newestFirst: await run(() => query({})),
      byTag: await run(() => query({ tags: [pick(tags)] })),
      byTwoTags: await run(() => query({ tags: [pick(tags), pick(tags)] })),
      byText: await run(() => query({ text: pick(words, 0.3) })),
      byCjkTwoChars: await run(() => query({ text: pick(CjkBigrams, 0) })),
      byTagAndText: await run(() => query({ tags: [pick(tags)], text: pick(words, 0.3) })),
      // A member of #general and two of the ten private channels.
      byTagAsMember: await run(() => query({ tags: [pick(tags)], viewer: MemberViewer })),
      byTagAndTextAsMember: await run(() => query({ tags: [pick(tags)], text: pick(words, 0.3), viewer: MemberViewer })),
      tagCountsAsMember: await measure(Math.min(queries, 50), async () => (await listTags(db, WorkspaceId, MemberViewer)).length),
      secondPage: await measure(queries, async () => {
        const first = await find(db, query({ tags: [pick(tags)] }));
        if (!first.nextCursor) return -1;
        const started2 = performance.now();
        const cpu2 = process.cpuUsage();
        const second = await find(db, query({ tags: first.items[0].link.tags.slice(0, 1), cursor: first.nextCursor }));
        return { items: second.items.length, ms: performance.now() - started2, cpuMs: cpuMs(process.cpuUsage(cpu2)) };
      }),
    };
    return result;
  } finally {
    await opened.close();
    await postgres?.close();
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What an admin gives a Postgres holding 1,000,000 links (README, Deployment): a quarter of the
 * machine's memory for shared_buffers (the usual advice; the server's own default is 128 MB), up to 8 GB.
 */
const SharedBuffersMb = Math.min(8192, Math.floor(os.totalmem() / 4 / 1024 / 1024));

/**
 * The figures are those of a server that has been answering finds, whose pages are in memory: a
 * server started for the run (or a file not read since a build hours ago) reads every page from
 * disk the first time, and those reads, not the queries, made the tail (SQLite's two tags: p95
 * 35 ms cold, 10.5 ms warm, the same queries). SQLite reads through the OS cache, so its file is
 * read once.
 */
function warmSqlite(file: string): { how: string; seconds: number } {
  const started = performance.now();
  const buffer = Buffer.allocUnsafe(16 * 1024 * 1024);
  for (const name of [file, `${file}-wal`]) {
    if (!fs.existsSync(name)) continue;
    const fd = fs.openSync(name, 'r');
    try {
      while (fs.readSync(fd, buffer, 0, buffer.length, null) > 0);
    } finally {
      fs.closeSync(fd);
    }
  }
  return { how: 'the database file read once through the OS cache', seconds: round((performance.now() - started) / 1000) };
}

/**
 * Postgres keeps its own cache: the tables find() and hydration read, with their TOAST and the
 * b-tree indexes they use, are loaded into shared_buffers with pg_prewarm (about 5 GB at 1,000,000
 * links); the search table's GIN index, which would not fit beside them, only into the OS cache.
 */
async function warmPostgres(db: Kysely<Database>): Promise<{ how: string; seconds: number }> {
  const started = performance.now();
  await sql`CREATE EXTENSION IF NOT EXISTS pg_prewarm`.execute(db);
  const tables = ['link_search', 'link_tags', 'links', 'snapshots', 'artifacts', 'shares', 'link_checks'];
  const indexes = ['link_search_pkey', 'link_search_scope_seq', 'link_tags_workspace_tag_seq', 'link_tags_placed_pk', 'link_tags_counts', 'links_pkey', 'links_seq_unique', 'links_workspace_seq', 'snapshots_pkey', 'artifacts_pk', 'shares_link_created', 'link_checks_pkey'];
  const inBuffers = await sql<{ oid: number }>`SELECT c.oid::int AS oid FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relname = ANY(${[...tables, ...indexes]})
    UNION ALL SELECT t.reltoastrelid::int FROM pg_class t WHERE t.relnamespace = 'public'::regnamespace AND t.relname = ANY(${tables}) AND t.reltoastrelid <> 0
    UNION ALL SELECT i.indexrelid::int FROM pg_class t JOIN pg_index i ON i.indrelid = t.reltoastrelid WHERE t.relnamespace = 'public'::regnamespace AND t.relname = ANY(${tables})`.execute(db);
  await sql`SELECT pg_prewarm('link_search_terms_tags', 'read')`.execute(db);
  let blocks = 0;
  for (const { oid } of inBuffers.rows) blocks += Number((await sql<{ n: number }>`SELECT pg_prewarm(${oid}::oid::regclass, 'buffer') AS n`.execute(db)).rows[0].n);
  // As the server has it (a server named by LINKSNAP_TEST_DATABASE_URL keeps its own settings).
  const buffers = (await sql<{ size: string }>`SELECT current_setting('shared_buffers') AS size`.execute(db)).rows[0].size;
  return {
    how: `shared_buffers ${buffers}; ${Math.round((blocks * 8) / 1024)} MB of the tables, TOAST and b-tree indexes find reads loaded into it with pg_prewarm, the GIN index read into the OS cache`,
    seconds: round((performance.now() - started) / 1000),
  };
}

/** Times each call; a call may report its own item count and duration (to time a second page only). */
async function measure(count: number, call: () => Promise<number | { items: number; ms: number; cpuMs: number }>): Promise<LatencyFigures> {
  for (let i = 0; i < Math.min(20, count); i++) await call();
  const times: number[] = [];
  const cpuTimes: number[] = [];
  let items = 0;
  let measured = 0;
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const cpu = process.cpuUsage();
    const outcome = await call();
    const elapsed = performance.now() - started;
    const elapsedCpu = cpuMs(process.cpuUsage(cpu));
    if (outcome === -1) continue;
    times.push(typeof outcome === 'number' ? elapsed : outcome.ms);
    cpuTimes.push(typeof outcome === 'number' ? elapsedCpu : outcome.cpuMs);
    items += typeof outcome === 'number' ? outcome : outcome.items;
    measured++;
  }
  times.sort((a, b) => a - b);
  cpuTimes.sort((a, b) => a - b);
  const at = (list: number[], q: number) => round(list[Math.min(list.length - 1, Math.floor(q * list.length))] ?? 0);
  return {
    queries: measured,
    p50Ms: at(times, 0.5),
    p95Ms: at(times, 0.95),
    maxMs: round(times[times.length - 1] ?? 0),
    p50CpuMs: at(cpuTimes, 0.5),
    p95CpuMs: at(cpuTimes, 0.95),
    meanItems: round(items / Math.max(1, measured)),
  };
}

function cpuMs(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000;
}

// Common Chinese characters, and two-character words made of them, for the CJK share of pages.
const CjkChars = '的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研质';
const CjkBigrams = ['快照', '网页', '技术', '数据', '搜索', '标签', '存档', '链接', '系统', '问题', '发展', '经济', '社会', '文化', '历史', '学生', '工作', '时间', '国家', '世界'];

/** Fills an empty, migrated database with the synthetic workspace (exported for query-plan experiments). */
export function buildBenchDatabase(sqlite: ReturnType<typeof openDatabase>['sqlite'], { n, seed = 42 }: { n: number; seed?: number }): { words: string[]; tags: string[] } {
  const random = mulberry32(seed);
  const words = vocabulary(VocabularySize, random);
  const tags = benchTags();
  build(sqlite, n, words, tags, random);
  return { words, tags };
}

/** The same for a migrated Postgres database (for query-plan experiments). */
export async function buildPostgresBenchDatabase(db: Kysely<Database>, { n, seed = 42 }: { n: number; seed?: number }): Promise<{ words: string[]; tags: string[] }> {
  const random = mulberry32(seed);
  const words = vocabulary(VocabularySize, random);
  const tags = benchTags();
  await buildPostgres(db, n, words, tags, random);
  return { words, tags };
}

/** The vocabulary and tags of a database built with this seed, to query one built earlier (for query-plan experiments). */
export function benchWordsAndTags(seed = 42): { words: string[]; tags: string[] } {
  return { words: vocabulary(VocabularySize, mulberry32(seed)), tags: benchTags() };
}

function benchTags(): string[] {
  return Array.from({ length: TagCount }, (_, i) => (i % 10 === 7 ? `标签${i}` : `tag-${i}`));
}

/** One synthetic link with everything the store keeps for it, in the store's layout. */
interface BenchLink {
  seq: number;
  workspaceId: string;
  linkId: string;
  snapshotId: string;
  url: string;
  title: string;
  description: string;
  text: string;
  at: string;
  channel: string;
  open: number;
  tags: string[];
}

/** The same links for the same seed on every backend. */
function* benchLinks(n: number, words: string[], tags: string[], random: () => number): Generator<BenchLink> {
  const epoch = Date.parse('2024-01-01T00:00:00.000Z');
  const pickSkewed = <T>(list: T[], skew: number) => list[Math.min(list.length - 1, Math.floor(list.length * random() ** (1 + skew)))];
  for (let i = 1; i <= n; i++) {
    const workspaceId = i % 50 === 0 ? 'other' : WorkspaceId;
    const cjk = random() < 0.1;
    const length = 150 + Math.floor(random() * 300);
    const parts: string[] = [];
    for (let w = 0; w < length; w++) {
      parts.push(cjk ? cjkWord(random) : pickSkewed(words, 1.5));
    }
    const text = parts.join(cjk ? '' : ' ');
    const title = cjk ? `${cjkWord(random)}${cjkWord(random)}${pickSkewed(CjkBigrams, 0)}` : `${pickSkewed(words, 0.5)} ${pickSkewed(words, 0.5)} ${pickSkewed(words, 0.5)}`;
    const description = parts.slice(0, 25).join(cjk ? '' : ' ');
    const url = `https://site${i % 997}.example/${pickSkewed(words, 0.5)}/${i}`;
    const at = iso(epoch + i * 60_000);
    const channel = i % 5 === 0 ? PrivateChannels[Math.floor(random() * PrivateChannels.length)] : 'general';
    const tagCount = 1 + Math.floor(random() * 4);
    const linkTags = new Set<string>();
    for (let t = 0; t < tagCount; t++) linkTags.add(pickSkewed(tags, 1.2));
    yield {
      seq: i,
      workspaceId,
      linkId: `l${i.toString(36).padStart(15, '0')}`,
      snapshotId: `s${i.toString(36).padStart(15, '0')}`,
      url,
      title,
      description,
      text,
      at,
      channel,
      open: channel === 'general' ? 1 : 0,
      tags: [...linkTags],
    };
  }
}

const ArtifactKinds = ['screenshot', 'thumbnail', 'archive', 'text'];
const artifactHash = (seq: number, kind: string) => (seq.toString(16) + kind).padEnd(64, '0').slice(0, 64);

function build(sqlite: ReturnType<typeof openDatabase>['sqlite'], n: number, words: string[], tags: string[], random: () => number): void {
  const epoch = Date.parse('2024-01-01T00:00:00.000Z');
  sqlite.prepare(`INSERT INTO workspaces (id, platform, name, settings, created_at) VALUES (?, 'web', 'Bench', '{}', ?)`).run(WorkspaceId, iso(epoch));
  // A second, small workspace shares the search index, as tenants do in one database.
  sqlite.prepare(`INSERT INTO workspaces (id, platform, name, settings, created_at) VALUES ('other', 'web', 'Other', '{}', ?)`).run(iso(epoch));
  const link = sqlite.prepare(`INSERT INTO links (id, workspace_id, url, created_at, updated_at, seq, latest_snapshot_id, public) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  const snapshot = sqlite.prepare(`INSERT INTO snapshots (id, link_id, workspace_id, url, status, degraded, title, description, created_at, captured_at, http_status)
    VALUES (?, ?, ?, ?, 'done', 0, ?, ?, ?, ?, 200)`);
  const artifact = sqlite.prepare(`INSERT INTO artifacts (snapshot_id, kind, sha256, size, mime) VALUES (?, ?, ?, ?, ?)`);
  const share = sqlite.prepare(`INSERT INTO shares (id, workspace_id, link_id, snapshot_id, platform, user_id, channel_id, channel_private, auto, created_at) VALUES (?, ?, ?, ?, 'discord', 'u', ?, ?, 1, ?)`);
  const tag = sqlite.prepare(`INSERT OR IGNORE INTO tags (workspace_id, name, created_at) VALUES (?, ?, ?)`);
  const linkTag = sqlite.prepare(`INSERT OR IGNORE INTO link_tags (link_id, tag, workspace_id, seq, channel_id, public, link_public) VALUES (?, ?, ?, ?, ?, ?, ?)`);
  const search = sqlite.prepare(`INSERT INTO link_search (rowid, scope, title, description, url, text, tags) VALUES (?, ?, ?, ?, ?, ?, ?)`);
  const insertAll = sqlite.transaction(() => {
    for (const l of benchLinks(n, words, tags, random)) {
      link.run(l.linkId, l.workspaceId, l.url, l.at, l.at, l.seq, l.snapshotId, l.open);
      snapshot.run(l.snapshotId, l.linkId, l.workspaceId, l.url, l.title, l.description, l.at, l.at);
      for (const kind of ArtifactKinds) artifact.run(l.snapshotId, kind, artifactHash(l.seq, kind), 1000, 'application/octet-stream');
      share.run(`h${l.seq.toString(36).padStart(15, '0')}`, l.workspaceId, l.linkId, l.snapshotId, l.channel, l.open ? 0 : 1, l.at);
      for (const name of l.tags) {
        tag.run(l.workspaceId, name, l.at);
        linkTag.run(l.linkId, name, l.workspaceId, l.seq, l.channel, l.open, l.open);
      }
      search.run(l.seq, `<${l.workspaceId}>`, l.title, l.description, l.url, l.text, tagTokens(l.workspaceId, l.tags));
    }
  });
  insertAll();
  sqlite.exec('ANALYZE');
}

/**
 * The same links into a migrated Postgres database, in batches, with the search rows laid out as
 * search-index.ts writes them (folded text, CJK bigrams, tag names). The search table's GIN index is
 * dropped during the load and made again after it, as one would load a big archive.
 */
async function buildPostgres(db: Kysely<Database>, n: number, words: string[], tags: string[], random: () => number): Promise<void> {
  const epoch = iso(Date.parse('2024-01-01T00:00:00.000Z'));
  await db.insertInto('workspaces').values([
    { id: WorkspaceId, platform: 'web', name: 'Bench', settings: '{}', created_at: epoch },
    { id: 'other', platform: 'web', name: 'Other', settings: '{}', created_at: epoch },
  ]).execute();
  await sql`DROP INDEX link_search_terms_tags`.execute(db);
  const BatchSize = 500;
  let batch: BenchLink[] = [];
  const flush = async () => {
    if (!batch.length) return;
    const rows = batch;
    batch = [];
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('links').values(rows.map((l) => ({ id: l.linkId, workspace_id: l.workspaceId, url: l.url, created_at: l.at, updated_at: l.at, seq: l.seq, latest_snapshot_id: l.snapshotId, public: l.open }))).execute();
      await trx.insertInto('snapshots').values(rows.map((l) => ({ id: l.snapshotId, link_id: l.linkId, workspace_id: l.workspaceId, url: l.url, status: 'done', degraded: 0, title: l.title, description: l.description, created_at: l.at, captured_at: l.at, http_status: 200 }))).execute();
      await trx.insertInto('artifacts').values(rows.flatMap((l) => ArtifactKinds.map((kind) => ({ snapshot_id: l.snapshotId, kind, sha256: artifactHash(l.seq, kind), size: 1000, mime: 'application/octet-stream' })))).execute();
      await trx.insertInto('shares').values(rows.map((l) => ({ id: `h${l.seq.toString(36).padStart(15, '0')}`, workspace_id: l.workspaceId, link_id: l.linkId, snapshot_id: l.snapshotId, platform: 'discord', user_id: 'u', channel_id: l.channel, channel_private: l.open ? 0 : 1, auto: 1, created_at: l.at })) as never).execute(); // the other columns have their defaults
      await trx.insertInto('tags').values(rows.flatMap((l) => l.tags.map((name) => ({ workspace_id: l.workspaceId, name, created_at: l.at })))).onConflict((oc) => oc.doNothing()).execute();
      await trx.insertInto('link_tags').values(rows.flatMap((l) => l.tags.map((tag) => ({ link_id: l.linkId, tag, workspace_id: l.workspaceId, seq: l.seq, channel_id: l.channel, public: l.open, link_public: l.open })))).execute();
      await trx.insertInto('link_search' as never).values(rows.map((l) => {
        const folded = fold([l.title, l.description, l.url, cutText(l.text, IndexedTextChars)].join('\n'));
        return { seq: l.seq, scope: l.workspaceId, folded, bigrams: cjkBigrams(folded), tags: [...l.tags].sort() };
      }) as never).execute();
    });
  };
  for (const l of benchLinks(n, words, tags, random)) {
    batch.push(l);
    if (batch.length >= BatchSize) await flush();
  }
  await flush();
  await db.connection().execute(async (conn) => {
    // What an admin loading a big archive would give the index build; the default 64 MB makes it crawl.
    await sql`SET maintenance_work_mem = '1GB'`.execute(conn);
    await sql`CREATE INDEX link_search_terms_tags ON link_search USING gin (folded gin_trgm_ops, bigrams, tags)`.execute(conn);
  });
  await sql`SELECT setval('link_seq', ${n + 1}, false)`.execute(db);
  // VACUUM too, as autovacuum leaves a live database: without it the newest rows' pages are not
  // marked all-visible, and every index-only probe of them reads the table as well.
  await sql`VACUUM ANALYZE`.execute(db);
}

function cjkWord(random: () => number): string {
  if (random() < 0.08) return CjkBigrams[Math.floor(random() * CjkBigrams.length)];
  const length = 1 + Math.floor(random() * 3);
  let word = '';
  for (let i = 0; i < length; i++) word += CjkChars[Math.floor(random() ** 1.5 * CjkChars.length)];
  return word;
}

/** Pronounceable pseudo-words, most frequent first; a few dotted API names like real docs have. */
function vocabulary(size: number, random: () => number): string[] {
  const consonants = 'bcdfghjklmnprstvwz';
  const vowels = 'aeiou';
  const seen = new Set<string>();
  while (seen.size < size) {
    const syllables = 1 + Math.floor(random() * 3);
    let word = '';
    for (let s = 0; s < syllables; s++) word += consonants[Math.floor(random() * consonants.length)] + vowels[Math.floor(random() * vowels.length)];
    if (random() < 0.3) word += consonants[Math.floor(random() * consonants.length)];
    if (word.length >= 3) seen.add(random() < 0.02 ? `${word}.${word.slice(0, 3)}info` : word);
  }
  return [...seen];
}

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const n = Number(process.argv[2] ?? 100_000);
  const backend = process.argv[3] === 'postgres' ? 'postgres' : 'sqlite';
  console.log(JSON.stringify(await runFindBench({ n, backend }), null, 2));
}
