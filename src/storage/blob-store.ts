// Content-addressed blobs: the file name is the SHA-256 of the bytes, so identical content is
// stored once and a stored file is never rewritten. Files are written to a temporary name and
// renamed into place, so a reader or a crash never sees half a file. The S3 store
// (s3-blob-store.ts) implements the same BlobStore.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError, NotFoundError } from '../core/errors.js';
import type { ByteRange, OpenedArtifact } from '../core/types.js';

export interface StoredBlob {
  sha256: string;
  size: number;
}

/** One stored object, as gc sees it. `sha256` is null for a leftover of a write that never finished. */
export interface BlobEntry {
  sha256: string | null;
  /** The store's own name for it (file path, object key), for removeLeftover and logs. */
  id: string;
  /** Last write or touch, in ms since the epoch. */
  modifiedMs: number;
  size: number;
}

/**
 * Content-addressed blobs. No caller sees where a blob lives on disk or in a bucket: it is put,
 * opened as a stream, and deleted only by gc (see gc.ts), so a store can be files or S3.
 */
export interface BlobStore {
  /** Where the blobs go, for logs and `linksnap gc`: a folder, or s3://bucket/prefix. */
  readonly location: string;
  /** Where one blob is, for people and scripts (`snap --json`): a file path, or s3://bucket/key. */
  locator(sha256: string): string;
  /**
   * Stores the bytes once. Found already present, the blob is touched, so gc's grace period counts
   * from now and a concurrent gc never deletes a blob a capture is about to reference.
   */
  put(data: Buffer): Promise<StoredBlob>;
  read(sha256: string): Promise<Buffer>;
  /** Streams the blob, or the inclusive `range` of it; NotFoundError when it is not stored. */
  open(sha256: string, range?: ByteRange): Promise<OpenedArtifact>;
  exists(sha256: string): Promise<boolean>;
  /** The blob's last write or touch in ms since the epoch; null when it is not stored. */
  lastTouched(sha256: string): Promise<number | null>;
  /** Deleting a blob that is not there is not an error. Only gc calls this. */
  delete(sha256: string): Promise<void>;
  /** Every stored blob, and leftovers of unfinished writes; nothing else under the store's root. */
  list(): AsyncIterable<BlobEntry>;
  removeLeftover(id: string): Promise<void>;
  /** Fails with a clear error when the store cannot be used (bucket missing, no permission). */
  check(): Promise<void>;
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

  get location(): string {
    return this.dir;
  }

  locator(sha256: string): string {
    return this.path(sha256);
  }

  async check(): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    await fs.access(this.dir, fs.constants.W_OK);
  }

  /** `<dir>/ab/cd/<sha256>`: two levels of 256 folders keep each folder small. Files only. */
  path(sha256: string): string {
    assertSha256(sha256);
    return path.join(this.dir, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  async put(data: Buffer): Promise<StoredBlob> {
    const sha256 = createHash('sha256').update(data).digest('hex');
    const file = this.path(sha256);
    if (await this.exists(sha256)) {
      const now = new Date();
      await fs.utimes(file, now, now).catch(() => undefined);
      if (await this.exists(sha256)) return { sha256, size: data.length };
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
    return { sha256, size: data.length };
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

  async lastTouched(sha256: string): Promise<number | null> {
    const stat = await fs.stat(this.path(sha256)).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    return stat?.isFile() ? stat.mtimeMs : null;
  }

  async *list(): AsyncGenerator<BlobEntry> {
    const level = async (dir: string) => (await fs.readdir(dir, { withFileTypes: true }).catch(() => [])).filter((entry) => entry.isDirectory() && /^[0-9a-f]{2}$/.test(entry.name));
    for (const first of await level(this.dir)) {
      for (const second of await level(path.join(this.dir, first.name))) {
        const folder = path.join(this.dir, first.name, second.name);
        for (const name of await fs.readdir(folder).catch(() => [] as string[])) {
          const isBlob = Sha256Pattern.test(name);
          if (!isBlob && !name.endsWith('.tmp')) continue;
          const file = path.join(folder, name);
          const stat = await fs.stat(file).catch(() => null);
          if (!stat?.isFile()) continue;
          yield { sha256: isBlob ? name : null, id: file, modifiedMs: stat.mtimeMs, size: stat.size };
        }
      }
    }
  }

  async removeLeftover(id: string): Promise<void> {
    // Only a temporary file inside the blob folder: the id comes from list(), but is checked anyway.
    if (!id.endsWith('.tmp') || !path.resolve(id).startsWith(this.dir + path.sep)) return;
    await fs.rm(id, { force: true });
  }
}
