// Writes a WACZ 1.1.1 package (a zip) as a stream: WARC files under archive/, one CDXJ index under
// indexes/, pages/pages.jsonl, any extra files, and datapackage.json with each file's SHA-256 and
// size (plus datapackage-digest.json, the hash of that). One capture's package and an export of
// thousands of snapshots are the same code: files are hashed while they stream into the zip, so
// an export never holds more than one snapshot's archive in memory.
import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import yazl from 'yazl';
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
  readonly #zip = new yazl.ZipFile();
  readonly #resources: Resource[] = [];
  readonly #index: CdxjEntry[] = [];
  readonly #pages: WaczPage[] = [];
  readonly #mtime: Date;

  constructor(created: Date = new Date()) {
    this.#mtime = created;
    this.stream = this.#zip.outputStream as Readable;
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
    const created = this.#mtime.toISOString();
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
    const digest = { path: 'datapackage.json', hash: `sha256:${sha256(datapackage)}` };
    this.#zip.addBuffer(datapackage, 'datapackage.json', { compress: true, mtime: this.#mtime });
    this.#zip.addBuffer(Buffer.from(JSON.stringify(digest, null, 2), 'utf8'), 'datapackage-digest.json', { compress: true, mtime: this.#mtime });
    const ended = new Promise<void>((resolve, reject) => {
      this.stream.once('end', resolve);
      this.stream.once('error', reject);
    });
    this.#zip.end();
    await ended;
  }

  /** Abandons the package (the reader sees an error, not a truncated zip that looks whole). */
  abort(reason: Error): void {
    this.stream.destroy(reason);
  }

  async #add(path: string, data: Buffer | Readable): Promise<void> {
    const name = path.split('/').pop() ?? path;
    // WARCs and other already-compressed files are stored: deflating gzip gains nothing, and a
    // stored entry can be read by byte range, which is how replay tools read big archives.
    const compress = !/\.(gz|wacz|png|jpe?g|webp|zip)$/i.test(path);
    if (Buffer.isBuffer(data)) {
      this.#resources.push({ name, path, hash: `sha256:${sha256(data)}`, bytes: data.length });
      this.#zip.addBuffer(data, path, { compress, mtime: this.#mtime });
      return;
    }
    const hash = createHash('sha256');
    let bytes = 0;
    // Hashed as yazl reads it (a 'data' listener would drain it before the zip saw it).
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        bytes += chunk.length;
        callback(null, chunk);
      },
    });
    const done = new Promise<void>((resolve, reject) => {
      counted.once('end', resolve);
      counted.once('error', reject);
      data.once('error', (error) => {
        counted.destroy(error);
        reject(error);
      });
    });
    data.pipe(counted);
    this.#zip.addReadStream(counted, path, { compress, mtime: this.#mtime });
    await done;
    this.#resources.push({ name, path, hash: `sha256:${hash.digest('hex')}`, bytes });
  }
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
