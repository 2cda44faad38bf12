// Content-addressed blobs: the file name is the SHA-256 of the bytes, so identical content is
// stored once and a stored file is never rewritten. Files are written to a temporary name and
// renamed into place, so a reader or a crash never sees half a file. Behind BlobStore so an S3
// store can replace the file one.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError, NotFoundError } from '../core/errors.js';
import type { ByteRange, OpenedArtifact } from '../core/types.js';

export interface StoredBlob {
  sha256: string;
  size: number;
  /** Where the blob can be read (a file path for the file store). */
  path: string;
}

export interface BlobStore {
  put(data: Buffer): Promise<StoredBlob>;
  path(sha256: string): string;
  read(sha256: string): Promise<Buffer>;
  /** Streams the blob, or the inclusive `range` of it; NotFoundError when it is not stored. */
  open(sha256: string, range?: ByteRange): Promise<OpenedArtifact>;
  exists(sha256: string): Promise<boolean>;
  /** Deleting a blob that is not there is not an error. */
  delete(sha256: string): Promise<void>;
}

const Sha256Pattern = /^[0-9a-f]{64}$/;

/** Throws unless `sha256` is 64 lower-case hex digits, so it can never escape the blob folder. */
export function assertSha256(sha256: string): void {
  if (typeof sha256 !== 'string' || !Sha256Pattern.test(sha256)) {
    throw new InvalidInputError(`Not a SHA-256 blob id (64 lower-case hex digits): ${JSON.stringify(String(sha256).slice(0, 80))}`);
  }
}

export class FileBlobStore implements BlobStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = path.resolve(dir);
  }

  /** `<dir>/ab/cd/<sha256>`: two levels of 256 folders keep each folder small. */
  path(sha256: string): string {
    assertSha256(sha256);
    return path.join(this.dir, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  async put(data: Buffer): Promise<StoredBlob> {
    const sha256 = createHash('sha256').update(data).digest('hex');
    const file = this.path(sha256);
    if (await this.exists(sha256)) {
      // Found already present: touched, so gc's grace period counts from now and a concurrent gc
      // never deletes a blob this capture is about to reference.
      const now = new Date();
      await fs.utimes(file, now, now).catch(() => undefined);
      if (await this.exists(sha256)) return { sha256, size: data.length, path: file };
    }
    await fs.mkdir(path.dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await fs.writeFile(temp, data, { flag: 'wx' });
      // Two writers of the same content race harmlessly: both renames put identical bytes in place.
      await fs.rename(temp, file);
    } catch (error) {
      await fs.rm(temp, { force: true });
      throw error;
    }
    return { sha256, size: data.length, path: file };
  }

  async read(sha256: string): Promise<Buffer> {
    try {
      return await fs.readFile(this.path(sha256));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError('blob', sha256);
      throw error;
    }
  }

  async open(sha256: string, range?: ByteRange): Promise<OpenedArtifact> {
    const file = this.path(sha256);
    // Resolved through symlinks and refused unless it lies inside the blob folder, so a planted
    // link can never make the web page serve another file of the host.
    let real: string;
    let root: string;
    try {
      [real, root] = await Promise.all([fs.realpath(file), fs.realpath(this.dir)]);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError('blob', sha256);
      throw error;
    }
    if (!real.startsWith(root + path.sep)) throw new NotFoundError('blob', sha256);
    const handle = await fs.open(real, 'r');
    try {
      const { size } = await handle.stat();
      const stream = handle.createReadStream({ start: range?.start, end: range?.end });
      return { stream, size };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async exists(sha256: string): Promise<boolean> {
    try {
      return (await fs.stat(this.path(sha256))).isFile();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  async delete(sha256: string): Promise<void> {
    await fs.rm(this.path(sha256), { force: true });
  }

  /** Every stored blob with its last write or touch, and leftover temporary files (for gc). */
  async *list(): AsyncGenerator<{ sha256: string | null; file: string; modifiedMs: number; size: number }> {
    const level = async (dir: string) => (await fs.readdir(dir, { withFileTypes: true }).catch(() => [])).filter((entry) => entry.isDirectory() && /^[0-9a-f]{2}$/.test(entry.name));
    for (const first of await level(this.dir)) {
      for (const second of await level(path.join(this.dir, first.name))) {
        const folder = path.join(this.dir, first.name, second.name);
        for (const name of await fs.readdir(folder).catch(() => [] as string[])) {
          const file = path.join(folder, name);
          const stat = await fs.stat(file).catch(() => null);
          if (!stat?.isFile()) continue;
          yield { sha256: Sha256Pattern.test(name) ? name : null, file, modifiedMs: stat.mtimeMs, size: stat.size };
        }
      }
    }
  }
}
