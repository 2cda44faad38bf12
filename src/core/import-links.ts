// Bringing links in from another tool (issue 14): a bookmark file, Pocket's CSV, Karakeep's or
// Linkwarden's JSON, a list of URLs. The file is parsed by core/import (URLs and tags already
// normalised as snap() does them, duplicates merged, bad lines listed with their numbers); this
// writes what it found, a batch per transaction, and queues captures behind everything people ask
// for, spaced per host. Links already in the workspace only gain the tags they lack, so importing
// the same file again adds nothing.
import { QuotaExceededError } from './errors.js';
import { parseImportFile, type ImportFormat, type ImportItem, type ImportLineError } from './import/index.js';
import type { Logger } from './logger.js';
import { JobPriority } from './queue.js';
import type { ServiceStore } from './service-store.js';
import { normalizeTags } from './tags.js';
import type { Platform, Requester, WorkspaceRef } from './types.js';

/** The most tags one link keeps from an import, as snap() allows per link. */
export const MaxImportTags = 25;

/** Links written per transaction: short enough that a chat ack waiting for the write lock never notices. */
export const ImportBatchSize = 500;

export interface ImportRequest {
  /** The file's name as given (its extension helps tell the format); the content decides. */
  fileName: string;
  data: Buffer;
  /** Added to every link, besides the tags and folders the file gives. */
  tags?: string[];
  /** true: queue a capture for each new link (and each kept without one); false: links only, "not captured yet". */
  capture: boolean;
  workspace: WorkspaceRef;
  requester: Requester;
  /** Where the import was made: the CLI or the web page. */
  platform: Extract<Platform, 'cli' | 'web'>;
  /** Called after each batch is written. */
  onProgress?: (progress: ImportProgress) => void;
}

export interface ImportProgress {
  /** Links of the file written so far (new or already there), out of `total`. */
  done: number;
  total: number;
}

export interface ImportReport {
  format: ImportFormat;
  /** Distinct links the file holds (after normalising and merging duplicates). */
  links: number;
  /** New links in the workspace. */
  added: number;
  /** Links the workspace already had. */
  existing: number;
  /** Of those, how many gained a tag. */
  tagged: number;
  /** Captures queued (0 without capture). */
  queued: number;
  /** Lines skipped, each with its number and why (the first 1,000). */
  errors: ImportLineError[];
  /** Bad lines beyond those listed. */
  errorsNotListed: number;
}

export interface ImportDeps {
  store: ServiceStore;
  config: { jobMaxAttempts: number; importHostIntervalMs: number; workspaceQuotaBytes: number | null };
  logger: Logger;
  /** Tells workers, here and in other processes, that captures were queued. */
  announce: () => Promise<void>;
  now: () => Date;
}

export async function importLinks(deps: ImportDeps, request: ImportRequest): Promise<ImportReport> {
  // Throws InvalidInputError (not a file it knows) or TooLargeError before anything is written.
  const parsed = parseImportFile(request.fileName, request.data);
  const extra = normalizeTags(request.tags ?? []);
  const errors = [...parsed.errors];
  const items = orderForImport(parsed.items).map((item) => withTags(item, extra, errors));
  errors.sort((a, b) => a.line - b.line);

  const { store, config } = deps;
  const workspace = request.workspace;
  if (request.capture && config.workspaceQuotaBytes !== null) {
    const used = await store.workspaceBytes(workspace.id);
    if (used >= config.workspaceQuotaBytes) throw new QuotaExceededError(used, config.workspaceQuotaBytes);
  }
  await store.ensureWorkspace(workspace.id, workspace.platform, workspace.name ?? null);
  const report: ImportReport = { format: parsed.format, links: items.length, added: 0, existing: 0, tagged: 0, queued: 0, errors, errorsNotListed: parsed.errorsNotListed };
  const capture = request.capture ? { maxAttempts: config.jobMaxAttempts, priority: JobPriority.imported, hostIntervalMs: config.importHostIntervalMs } : null;
  request.onProgress?.({ done: 0, total: items.length });
  for (let start = 0; start < items.length; start += ImportBatchSize) {
    const batch = items.slice(start, start + ImportBatchSize);
    const written = await store.importBatch(batch, {
      workspaceId: workspace.id,
      platform: request.platform,
      userId: request.requester.id,
      userName: request.requester.name ?? null,
      capture,
      now: deps.now(),
    });
    report.added += written.added;
    report.existing += written.existing;
    report.tagged += written.tagged;
    report.queued += written.queued;
    // Each batch's captures may start while the next batch is written.
    if (written.queued) await deps.announce();
    request.onProgress?.({ done: Math.min(items.length, start + batch.length), total: items.length });
  }
  deps.logger({
    level: 'info',
    context: 'service',
    message: 'Links imported',
    details: { workspace: workspace.id, format: parsed.format, file: request.fileName, links: report.links, added: report.added, existing: report.existing, queued: report.queued, badLines: errors.length + parsed.errorsNotListed },
  });
  return report;
}

/**
 * Oldest saved first, so the newest-first lists show the file's newest bookmark on top; links the
 * file gives no date keep file order and come last (they were "added" now).
 */
function orderForImport(items: ImportItem[]): ImportItem[] {
  return items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => {
      const at = a.item.addedAt?.getTime() ?? Number.POSITIVE_INFINITY;
      const bt = b.item.addedAt?.getTime() ?? Number.POSITIVE_INFINITY;
      return at === bt ? a.index - b.index : at - bt;
    })
    .map((entry) => entry.item);
}

/** The item's tags with the import's own added, at most MaxImportTags (the rest named as a line error). */
function withTags(item: ImportItem, extra: string[], errors: ImportLineError[]): ImportItem {
  const tags = extra.length ? normalizeTags([...extra, ...item.tags]) : item.tags;
  if (tags.length <= MaxImportTags) return { ...item, tags };
  const dropped = tags.slice(MaxImportTags);
  errors.push({ line: item.line, message: `line ${item.line}: more than ${MaxImportTags} tags; imported with the first ${MaxImportTags}, without ${dropped.join(', ')}` });
  return { ...item, tags: tags.slice(0, MaxImportTags) };
}
