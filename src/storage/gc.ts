// `linksnap gc`: deletes blobs no artifact row references, once they are older than a grace
// period, from whichever BlobStore is configured (files or a bucket). Forgetting a link only removes rows; files go here, later, so a capture that found a blob
// already present (and touched it) can never lose it to a concurrent delete. Crash-safe: a file is
// deleted only after the database says nothing references it, so a run that stops half-way
// deleted nothing still needed, and simply runs again.
import type { BlobEntry, BlobStore } from './blob-store.js';
import type { Db } from './schema.js';

export interface GcReport {
  scanned: number;
  deleted: number;
  deletedBytes: number;
  /** Unreferenced but younger than the grace period: left for a later run. */
  tooYoung: number;
  /** Leftovers of writes that never finished (temporary files). */
  staleTemporaryFiles: number;
}

const Batch = 500;

export async function collectGarbage(db: Db, blobs: BlobStore, options: { graceMs: number; now?: Date }): Promise<GcReport> {
  const cutoff = (options.now ?? new Date()).getTime() - options.graceMs;
  const report: GcReport = { scanned: 0, deleted: 0, deletedBytes: 0, tooYoung: 0, staleTemporaryFiles: 0 };
  let batch: Array<BlobEntry & { sha256: string }> = [];
  const flush = async () => {
    if (!batch.length) return;
    const rows = await db.selectFrom('artifacts').select('sha256').distinct().where('sha256', 'in', batch.map((entry) => entry.sha256)).execute();
    const referenced = new Set(rows.map((row) => row.sha256));
    for (const entry of batch) {
      if (referenced.has(entry.sha256)) continue;
      if (entry.modifiedMs > cutoff) {
        report.tooYoung += 1;
        continue;
      }
      // Checked again just before deleting: a capture may have referenced it since the batch was read.
      const still = await db.selectFrom('artifacts').select('sha256').where('sha256', '=', entry.sha256).limit(1).executeTakeFirst();
      if (still) continue;
      // And its age: a capture that found it present touched it, and is about to reference it.
      const touched = await blobs.lastTouched(entry.sha256);
      if (touched === null || touched > cutoff) continue;
      await blobs.delete(entry.sha256);
      report.deleted += 1;
      report.deletedBytes += entry.size;
    }
    batch = [];
  };
  for await (const entry of blobs.list()) {
    if (entry.sha256 === null) {
      if (entry.modifiedMs <= cutoff) {
        await blobs.removeLeftover(entry.id);
        report.staleTemporaryFiles += 1;
      }
      continue;
    }
    report.scanned += 1;
    batch.push({ ...entry, sha256: entry.sha256 });
    if (batch.length >= Batch) await flush();
  }
  await flush();
  return report;
}
