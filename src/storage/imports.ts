// Writing an import: a batch of links in one write transaction, with a few multi-row statements
// rather than snap()'s handful of statements per link, so 10,000 bookmarks go in within seconds.
// The rules are snap()'s: one link per normalised URL per workspace, tags on link_tags, a share per
// link that came in, and (when asked) a snapshot with its capture job.
import { sql } from 'kysely';
import { isPostgres } from './dialect.js';
import { isoNow, newId } from './ids.js';
import { jobHost } from './jobs.js';
import type { Db, JobRow, LinkRow, ShareRow, SnapshotRow } from './schema.js';
import { putNewDocuments, syncDocumentTags } from './search-index.js';
import { blankSnapshotRow } from './snapshots.js';
import { writeTransaction } from './transaction.js';

export type { ImportBatchOptions, ImportBatchResult, ImportRow } from '../core/service-store.js';
import type { ImportBatchOptions, ImportBatchResult, ImportRow } from '../core/service-store.js';

/** How many rows go in one statement: under SQLite's and Postgres' bound-parameter limits with every column of a snapshot. */
const RowsPerStatement = 500;

export async function importBatch(db: Db, rows: ImportRow[], options: ImportBatchOptions): Promise<ImportBatchResult> {
  const { workspaceId, now } = options;
  const at = isoNow(now);
  return writeTransaction(db, async (trx) => {
    const urls = rows.map((row) => row.url);
    const existingRows = urls.length
      ? await trx
          .selectFrom('links as l')
          .leftJoin('snapshots as s', 's.id', 'l.latest_snapshot_id')
          .select(['l.id', 'l.url', 'l.seq', 'l.public', 'l.latest_snapshot_id', 's.status'])
          .where('l.workspace_id', '=', workspaceId)
          .where('l.url', 'in', urls)
          .execute()
      : [];
    const existing = new Map(existingRows.map((row) => [row.url, row]));
    const fresh = rows.filter((row) => !existing.has(row.url));
    const seqs = await takeSeqs(trx, fresh.length);

    const links: LinkRow[] = [];
    const snapshots: SnapshotRow[] = [];
    const shares: ShareRow[] = [];
    const linkTags: Array<{ link_id: string; tag: string; seq: number; link_public: number }> = [];
    const documents: Parameters<typeof putNewDocuments>[1] = [];
    const toCapture: Array<{ snapshotId: string; url: string }> = [];
    fresh.forEach((row, index) => {
      const linkId = newId();
      const snapshotId = newId();
      const seq = seqs[index];
      // The web page and the CLI share openly, so the link is public from the start.
      links.push({ id: linkId, workspace_id: workspaceId, url: row.url, created_at: at, updated_at: at, seq, latest_snapshot_id: snapshotId, public: 1 });
      snapshots.push(newSnapshotRow(snapshotId, linkId, workspaceId, row, options.capture ? 'queued' : 'not_captured', at));
      shares.push(importShare(linkId, snapshotId, row, options));
      for (const tag of row.tags) linkTags.push({ link_id: linkId, tag, seq, link_public: 1 });
      documents.push({ seq, workspaceId, doc: { title: row.title, description: null, url: row.url, text: '' }, tags: row.tags });
      if (options.capture) toCapture.push({ snapshotId, url: row.url });
    });

    // Existing links: only the tags they lack, so a second import of the same file writes nothing.
    const known = [...existing.values()];
    const had = new Set<string>();
    for (const part of chunks(known, RowsPerStatement)) {
      const pairs = await trx.selectFrom('link_tags').select(['link_id', 'tag']).where('link_id', 'in', part.map((link) => link.id)).execute();
      for (const pair of pairs) had.add(`${pair.link_id}\n${pair.tag}`);
    }
    const tagged = new Set<string>();
    for (const row of rows) {
      const link = existing.get(row.url);
      if (!link) continue;
      for (const tag of row.tags) {
        if (had.has(`${link.id}\n${tag}`)) continue;
        had.add(`${link.id}\n${tag}`);
        linkTags.push({ link_id: link.id, tag, seq: Number(link.seq), link_public: Number(link.public) });
        tagged.add(link.id);
      }
    }
    // A link an earlier import kept without a capture is captured now, in the row its share points at.
    const uncaptured = options.capture ? known.filter((link) => link.status === 'not_captured') : [];

    for (const part of chunks(links, RowsPerStatement)) await trx.insertInto('links').values(part).execute();
    for (const part of chunks(snapshots, RowsPerStatement)) await trx.insertInto('snapshots').values(part).execute();
    for (const part of chunks(shares, RowsPerStatement)) await trx.insertInto('shares').values(part).execute();
    const tagNames = [...new Set(linkTags.map((row) => row.tag))];
    for (const part of chunks(tagNames, RowsPerStatement)) {
      await trx
        .insertInto('tags')
        .values(part.map((name) => ({ workspace_id: workspaceId, name, created_at: at })))
        .onConflict((oc) => oc.columns(['workspace_id', 'name']).doNothing())
        .execute();
    }
    for (const part of chunks(linkTags, RowsPerStatement)) {
      await trx
        .insertInto('link_tags')
        .values(part.map((row) => ({ ...row, workspace_id: workspaceId, channel_id: '', public: 1 })))
        .onConflict((oc) => oc.columns(['link_id', 'tag', 'channel_id']).doNothing())
        .execute();
    }
    for (const part of chunks(documents, RowsPerStatement)) await putNewDocuments(trx, part);
    for (const linkId of tagged) await syncDocumentTags(trx, linkId);

    if (options.capture) {
      const capture = options.capture;
      for (const part of chunks(uncaptured, RowsPerStatement)) {
        const updated = await trx
          .updateTable('snapshots')
          .set({ status: 'queued' })
          .where('id', 'in', part.map((link) => link.latest_snapshot_id as string))
          .where('status', '=', 'not_captured')
          .returning(['id', 'url'])
          .execute();
        for (const row of updated) toCapture.push({ snapshotId: row.id, url: row.url });
      }
      const jobs = await spacedJobs(trx, toCapture, workspaceId, capture, now);
      for (const part of chunks(jobs, RowsPerStatement)) await trx.insertInto('jobs').values(part).execute();
    }
    return { added: fresh.length, existing: existing.size, tagged: tagged.size, queued: toCapture.length };
  });
}

/** Positions at the top of the newest-first order, in ascending order (see links.ts nextSeq). */
async function takeSeqs(trx: Db, count: number): Promise<number[]> {
  if (!count) return [];
  if (isPostgres(trx)) {
    const result = await sql<{ seq: string }>`SELECT nextval('link_seq') AS seq FROM generate_series(1, ${count})`.execute(trx);
    return result.rows.map((row) => Number(row.seq)).sort((a, b) => a - b);
  }
  // Inside BEGIN IMMEDIATE: no other writer can take the same numbers.
  const top = await trx.selectFrom('links').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirst();
  const base = Number(top?.seq ?? 0);
  return Array.from({ length: count }, (_, index) => base + index + 1);
}

function newSnapshotRow(id: string, linkId: string, workspaceId: string, row: ImportRow, status: 'queued' | 'not_captured', at: string): SnapshotRow {
  // The bookmark's own title until a capture reads the page's: lists show something better than the address.
  return blankSnapshotRow({ id, linkId, workspaceId, url: row.url, status, title: row.title, at });
}

/** Who brought the link in, and when it was saved in the other tool (ADD_DATE), as the share time. */
function importShare(linkId: string, snapshotId: string, row: ImportRow, options: ImportBatchOptions): ShareRow {
  return {
    id: newId(),
    workspace_id: options.workspaceId,
    link_id: linkId,
    snapshot_id: snapshotId,
    platform: options.platform,
    user_id: options.userId,
    user_name: options.userName,
    channel_id: null,
    channel_name: null,
    channel_private: 0,
    message_id: null,
    auto: 0,
    reply_to: null,
    created_at: isoNow(row.addedAt ?? options.now),
    // Nobody waits for a reply to an imported link: never offered to a platform's reply loop.
    notified_at: isoNow(options.now),
    last_event: 'imported',
    delivery_attempts: 0,
    next_delivery_at: null,
    message_text: null,
  };
}

/**
 * Capture jobs spaced per host: each host's first capture comes `hostIntervalMs` after the last one
 * already queued or running for it (at once when there is none), the next one that much later, and
 * so on, so an import of 500 pages of one site asks it for one page at a time, never a burst.
 */
async function spacedJobs(trx: Db, captures: Array<{ snapshotId: string; url: string }>, workspaceId: string, capture: NonNullable<ImportBatchOptions['capture']>, now: Date): Promise<JobRow[]> {
  const at = isoNow(now);
  const hosts = [...new Set(captures.map((entry) => jobHost(entry.url)).filter((host): host is string => host !== null))];
  const next = new Map<string, number>();
  for (const part of chunks(hosts, RowsPerStatement)) {
    const last = await trx
      .selectFrom('jobs')
      .select(['host', (eb) => eb.fn.max('run_after').as('last')])
      .where('host', 'in', part)
      .where('status', 'in', ['queued', 'leased'])
      .groupBy('host')
      .execute();
    for (const row of last) if (row.host && row.last) next.set(row.host, Math.max(now.getTime(), Date.parse(String(row.last)) + capture.hostIntervalMs));
  }
  return captures.map(({ snapshotId, url }) => {
    const host = jobHost(url);
    let runAfter = now.getTime();
    if (host) {
      runAfter = next.get(host) ?? now.getTime();
      next.set(host, runAfter + capture.hostIntervalMs);
    }
    return {
      id: newId(),
      snapshot_id: snapshotId,
      workspace_id: workspaceId,
      priority: capture.priority,
      status: 'queued',
      attempts: 0,
      max_attempts: capture.maxAttempts,
      run_after: isoNow(new Date(runAfter)),
      lease_owner: null,
      lease_expires_at: null,
      last_error: null,
      created_at: at,
      updated_at: at,
      host,
    };
  });
}

function* chunks<T>(items: T[], size: number): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}
