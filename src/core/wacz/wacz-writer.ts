// Writes a WACZ 1.1.1 package (a zip) as a stream: WARC files under archive/, one CDXJ index under
// indexes/, pages/pages.jsonl, any extra files, and datapackage.json with each file's SHA-256 and
// size (plus datapackage-digest.json, the hash of that). One capture's package and an export of
// thousands of snapshots are the same code: files are hashed while they stream into the zip, so
// an export never holds more than one snapshot's archive in memory.
import type { Readable } from 'node:stream';
import { ZipWriter } from '../zip-writer.js';
import { cdxjLines, type CdxjEntry } from './warc-file.js';

export const WaczVersion = '1.1.1';

export interface WaczPage {
  id: string;
  url: string;
  title: string | null;
  ts: Date;
  /** The readable text, which ReplayWeb.page searches. */
  text?: string;
}

export interface WaczMeta {
  title: string;
  software: string;
  description?: string;
  mainPage?: { url: string; ts: Date };
}

interface Resource {
  name: string;
  path: string;
  hash: string;
  bytes: number;
}

export class WaczWriter {
  /** The zip bytes; start reading (or piping) it before adding files, or adding waits forever. */
  readonly stream: Readable;
  readonly #zip: ZipWriter;
  readonly #resources: Resource[] = [];
  readonly #index: CdxjEntry[] = [];
  readonly #pages: WaczPage[] = [];
  readonly #created: Date;

  constructor(created: Date = new Date()) {
    this.#created = created;
    this.#zip = new ZipWriter(created);
    this.stream = this.#zip.stream;
  }

  /** A WARC file (gzip members already), stored as is: replay tools seek into it by offset. */
  async addWarc(name: string, data: Buffer | Readable, index: Iterable<CdxjEntry>): Promise<void> {
    await this.#add(`archive/${name}`, data);
    for (const entry of index) this.#index.push(entry);
  }

  addPage(page: WaczPage): void {
    this.#pages.push(page);
  }

  /** Any other file the package carries, listed in datapackage.json like the rest. */
  async addFile(path: string, data: Buffer | Readable): Promise<void> {
    await this.#add(path, data);
  }

  /** Index, pages, datapackage; then the zip ends. Resolves once the last byte is written out. */
  async finish(meta: WaczMeta): Promise<void> {
    const created = this.#created.toISOString();
    await this.#add('indexes/index.cdx', Buffer.from(cdxjLines(this.#index).map((line) => `${line}\n`).join(''), 'utf8'));
    const hasText = this.#pages.some((page) => page.text);
    const pages = [
      JSON.stringify({ format: 'json-pages-1.0', id: 'pages', title: 'All Pages', hasText }),
      ...this.#pages.map((page) =>
        JSON.stringify({ id: page.id, url: page.url, title: page.title ?? page.url, ts: page.ts.toISOString(), ...(page.text ? { text: page.text } : {}) }),
      ),
    ];
    await this.#add('pages/pages.jsonl', Buffer.from(pages.map((line) => `${line}\n`).join(''), 'utf8'));
    const datapackage = Buffer.from(
      JSON.stringify(
        {
          profile: 'data-package',
          wacz_version: WaczVersion,
          title: meta.title,
          ...(meta.description ? { description: meta.description } : {}),
          created,
          modified: created,
          software: meta.software,
          ...(meta.mainPage ? { mainPageUrl: meta.mainPage.url, mainPageDate: meta.mainPage.ts.toISOString() } : {}),
          resources: this.#resources,
        },
        null,
        2,
      ),
      'utf8',
    );
    const written = await this.#zip.add('datapackage.json', datapackage);
    const digest = { path: 'datapackage.json', hash: `sha256:${written.sha256}` };
    await this.#zip.add('datapackage-digest.json', Buffer.from(JSON.stringify(digest, null, 2), 'utf8'));
    await this.#zip.end();
  }

  /** Abandons the package (the reader sees an error, not a truncated zip that looks whole). */
  abort(reason: Error): void {
    this.#zip.abort(reason);
  }

  async #add(path: string, data: Buffer | Readable): Promise<void> {
    const file = await this.#zip.add(path, data);
    this.#resources.push({ name: path.split('/').pop() ?? path, path, hash: `sha256:${file.sha256}`, bytes: file.bytes });
  }
}
