// A zip written as a stream (yazl underneath), each file hashed with SHA-256 as it goes in. Adding
// a stream resolves once the zip has read all of it, so a caller that adds files one after another
// holds one file at a time, whatever the export's size. Used by WACZ packages and zip exports.
import { createHash } from 'node:crypto';
import { Transform, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';

export interface ZippedFile {
  path: string;
  /** Hex SHA-256 of the file's bytes. */
  sha256: string;
  bytes: number;
}

/** Already-compressed files are stored: deflating them gains nothing and costs CPU. */
const StoredExtensions = /\.(gz|wacz|zip|png|jpe?g|webp|gif|mp4|webm|pdf|woff2?)$/i;

export class ZipWriter {
  /** The zip bytes; start reading (or piping) it before adding streams, or adding waits forever. */
  readonly stream: Readable;
  readonly #zip = new yazl.ZipFile();
  readonly #mtime: Date;

  constructor(mtime: Date = new Date()) {
    this.#mtime = mtime;
    this.stream = this.#zip.outputStream as Readable;
  }

  async add(path: string, data: Buffer | Readable, options: { compress?: boolean } = {}): Promise<ZippedFile> {
    const compress = options.compress ?? !StoredExtensions.test(path);
    if (Buffer.isBuffer(data)) {
      this.#zip.addBuffer(data, path, { compress, mtime: this.#mtime });
      return { path, sha256: createHash('sha256').update(data).digest('hex'), bytes: data.length };
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
    return { path, sha256: hash.digest('hex'), bytes };
  }

  /** Ends the zip; resolves once its last byte has been read. */
  async end(): Promise<void> {
    const ended = new Promise<void>((resolve, reject) => {
      this.stream.once('end', resolve);
      this.stream.once('error', reject);
    });
    this.#zip.end();
    await ended;
  }

  /** Abandons the zip: the reader sees an error, not a truncated file that looks whole. */
  abort(reason: Error): void {
    this.stream.destroy(reason);
  }
}

/**
 * Streams a zip into `out` while `fill` writes it. When `fill` fails the zip is cut off, so the
 * reader sees an error, never a truncated file that looks whole.
 */
export async function streamZip<W extends { stream: Readable; abort(reason: Error): void }>(writer: W, out: Writable, fill: (writer: W) => Promise<void>): Promise<void> {
  const written = pipeline(writer.stream, out);
  try {
    await fill(writer);
  } catch (error) {
    writer.abort(error as Error);
    await written.catch(() => {});
    throw error;
  }
  await written;
}
