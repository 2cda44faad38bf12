// Many captures as one multi-page WACZ: each capture's WARC is copied in as archive/<snapshot>.warc.gz,
// its index lines re-pointed at that name and merged into one sorted index, its page listed in
// pages.jsonl under the snapshot's id. Streamed: one capture's package is read at a time and the
// zip goes out as it is made, so a whole workspace never sits in memory.
import { Readable, type Writable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { matchingItems, type ExportQuery } from '../export-matching.js';
import type { ArtifactRef, ByteRange, FindQuery, FindResult, OpenedArtifact } from '../types.js';
import { WaczSoftware } from './capture-wacz.js';
import { readWaczFiles } from './wacz-reader.js';
import type { CdxjEntry } from './warc-file.js';
import { WaczWriter } from './wacz-writer.js';
import { streamZip } from '../zip-writer.js';

export interface ExportSource {
  find(query: FindQuery): Promise<FindResult>;
  openArtifact(ref: ArtifactRef, range?: ByteRange): Promise<OpenedArtifact>;
}

export interface WaczExportSummary {
  pages: number;
  /** Matching links whose latest version has no web archive (captured before WACZ, LINKSNAP_WACZ=0, failed). */
  leftOut: Array<{ url: string; snapshotId: string; reason: string }>;
}

export async function exportWacz(source: ExportSource, query: ExportQuery, out: Writable, title: string): Promise<WaczExportSummary> {
  const summary: WaczExportSummary = { pages: 0, leftOut: [] };
  await streamZip(new WaczWriter(), out, async (wacz) => {
    for await (const { snapshot } of matchingItems(source, query)) {
      const ref = snapshot.artifacts.wacz;
      if (!ref) {
        summary.leftOut.push({ url: snapshot.url, snapshotId: snapshot.id, reason: snapshot.status === 'done' ? 'no web archive was recorded' : `the capture is ${snapshot.status}` });
        continue;
      }
      let files: Map<string, Buffer>;
      try {
        const opened = await source.openArtifact(ref);
        files = await readWaczFiles(await buffer(opened.stream as Readable));
      } catch (error) {
        summary.leftOut.push({ url: snapshot.url, snapshotId: snapshot.id, reason: `its web archive could not be read: ${(error as Error).message}` });
        continue;
      }
      const renamed = new Map<string, string>();
      for (const path of files.keys()) {
        const match = /^archive\/(.+\.warc(?:\.gz)?)$/.exec(path);
        if (match) renamed.set(match[1], `${snapshot.id}-${match[1]}`);
      }
      const index = parseIndex(files.get('indexes/index.cdx') ?? Buffer.alloc(0), renamed);
      for (const [name, newName] of renamed) {
        const entries = index.filter((entry) => entry.fields.filename === newName);
        // A stream, not the buffer: the next capture is read only once this one has gone out.
        await wacz.addWarc(newName, Readable.from([files.get(`archive/${name}`)!]), entries);
      }
      for (const page of parsePages(files.get('pages/pages.jsonl'))) {
        wacz.addPage({ id: snapshot.id, url: page.url, title: page.title ?? snapshot.title, ts: new Date(page.ts), text: page.text });
      }
      summary.pages += 1;
    }
    const description = summary.leftOut.length
      ? `${summary.pages} pages. ${summary.leftOut.length} matching links have no web archive and are not included.`
      : `${summary.pages} pages.`;
    await wacz.finish({ title, software: WaczSoftware, description });
  });
  return summary;
}

function parseIndex(data: Buffer, renamed: Map<string, string>): CdxjEntry[] {
  const entries: CdxjEntry[] = [];
  for (const line of data.toString('utf8').split('\n')) {
    if (!line.trim()) continue;
    const brace = line.indexOf('{');
    const [urlkey, timestamp] = line.slice(0, brace).trim().split(' ');
    const fields = JSON.parse(line.slice(brace)) as CdxjEntry['fields'];
    entries.push({ urlkey, timestamp, fields: { ...fields, filename: renamed.get(fields.filename) ?? fields.filename } });
  }
  return entries;
}

function parsePages(data: Buffer | undefined): Array<{ url: string; title: string | null; ts: string; text?: string }> {
  if (!data) return [];
  return data
    .toString('utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line))
    .filter((page) => typeof page.url === 'string' && !page.format);
}
