// The `zip` export: every artifact of each matching link's latest snapshot, under
// snapshots/<snapshot id>/<kind>.<ext>, with index.json (each link as the JSON export has it, plus
// the path, size and SHA-256 of each file) written last. Files go in one at a time as streams.
import type { Readable, Writable } from 'node:stream';
import { artifactExtension } from './artifact-files.js';
import { exportLinks, type ExportLinkSource, type ExportOptions } from './export-links.js';
import type { ExportQuery } from './export-matching.js';
import type { ExportLink } from './export/export-types.js';
import type { ArtifactKind, ArtifactRef, ByteRange, OpenedArtifact } from './types.js';
import { streamZip, ZipWriter, type ZippedFile } from './zip-writer.js';

export interface ZipExportSource extends ExportLinkSource {
  openArtifact(ref: ArtifactRef, range?: ByteRange): Promise<OpenedArtifact>;
}

export interface ZipExportSummary {
  links: number;
  files: number;
  leftOut: Array<{ url: string; reason: string }>;
}

export async function exportZip(source: ZipExportSource, query: ExportQuery, out: Writable, title: string, options: ExportOptions = {}): Promise<ZipExportSummary> {
  const summary: ZipExportSummary = { links: 0, files: 0, leftOut: [] };
  const index: Array<ExportLink & { snapshotId: string; files: Partial<Record<ArtifactKind, Omit<ZippedFile, 'sha256'> & { sha256: string }>> }> = [];
  await streamZip(new ZipWriter(), out, async (zip) => {
    for await (const { item, link } of exportLinks(source, query, options)) {
      const snapshot = item.snapshot;
      const files: (typeof index)[number]['files'] = {};
      for (const [kind, ref] of Object.entries(snapshot.artifacts) as Array<[ArtifactKind, ArtifactRef | undefined]>) {
        if (!ref) continue;
        const path = `snapshots/${snapshot.id}/${kind}.${artifactExtension(kind, ref.mime)}`;
        try {
          const opened = await source.openArtifact(ref);
          const file = await zip.add(path, opened.stream as Readable);
          // The store's hash and the bytes that went out must agree, or the copy is not the evidence.
          if (file.sha256 !== ref.sha256) throw new Error(`stored ${kind} does not match its SHA-256`);
          files[kind] = file;
          summary.files += 1;
        } catch (error) {
          summary.leftOut.push({ url: link.url, reason: `its ${kind} could not be read: ${(error as Error).message}` });
        }
      }
      index.push({ ...link, snapshotId: snapshot.id, files });
      summary.links += 1;
    }
    await zip.add('index.json', Buffer.from(JSON.stringify({ title, exportedAt: new Date().toISOString(), links: index }, null, 2), 'utf8'));
    await zip.end();
  });
  return summary;
}
