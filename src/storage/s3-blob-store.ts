// Content-addressed blobs in an S3-compatible bucket (AWS, MinIO, Ceph, R2, Garage…), keyed
// `<prefix>ab/cd/<sha256>` like the file store. Nothing touches the local disk: uploads go from
// memory and reads stream from the bucket.
//
// Three things differ from files and are handled here:
// - A PUT can be stored wrong without an error (a proxy or server that keeps aws-chunked framing),
//   so every upload is read back and hashed; a mismatch that outlasts a concurrent writer and a
//   second upload is deleted and reported as transient.
// - Not every server moves LastModified on a copy onto itself, so a touch also writes the time
//   into the object's metadata (`x-amz-meta-touched`), and lastTouched reads the later of the two.
// - A missing object is a 404 with different error names per call (NoSuchKey, NotFound).
import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import type { S3BlobSettings } from '../config.js';
import { NotFoundError } from '../core/errors.js';
import type { ByteRange, OpenedArtifact } from '../core/types.js';
import { assertSha256, type BlobEntry, type BlobStore, type StoredBlob } from './blob-store.js';

/** How long put waits before each new read-back of an upload that read back wrong. */
const ReadBackPausesMs = [200, 800];

const KeyPattern = /(?:^|\/)[0-9a-f]{2}\/[0-9a-f]{2}\/([0-9a-f]{64})$/;

export interface S3BlobStoreOptions extends Omit<S3BlobSettings, 'kind'> {
  /** SDK attempts per request (3 by default; tests use 1). */
  maxAttempts?: number;
}

export class S3BlobStore implements BlobStore {
  readonly bucket: string;
  readonly prefix: string;
  readonly #client: S3Client;

  constructor(options: S3BlobStoreOptions) {
    this.bucket = options.bucket;
    this.prefix = options.prefix;
    const config: S3ClientConfig = {
      region: options.region,
      forcePathStyle: options.forcePathStyle,
      // The SDK's default (WHEN_SUPPORTED) sends streamed bodies with aws-chunked framing and a
      // trailing checksum; servers that do not speak it store the framing as content, silently.
      // Integrity is checked by reading the upload back instead (see put).
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: options.maxAttempts ?? 3,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
    };
    this.#client = new S3Client(config);
  }

  get location(): string {
    return `s3://${this.bucket}/${this.prefix}`;
  }

  key(sha256: string): string {
    assertSha256(sha256);
    return `${this.prefix}${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;
  }

  locator(sha256: string): string {
    return `s3://${this.bucket}/${this.key(sha256)}`;
  }

  async check(): Promise<void> {
    try {
      await this.#client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      const status = httpStatus(error);
      const why = status === 404 ? 'the bucket does not exist' : status === 403 ? 'access denied (check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)' : describe(error);
      throw new Error(`Blob store ${this.location} cannot be used: ${why}`, { cause: error });
    }
  }

  async put(data: Buffer): Promise<StoredBlob> {
    const sha256 = createHash('sha256').update(data).digest('hex');
    const key = this.key(sha256);
    if (await this.#touch(key)) return { sha256, size: data.length };
    await this.#upload(key, data);
    let stored = await this.#hashOf(key);
    // S3 itself swaps objects whole, but servers that write in place (s3rver, file-backed gateways)
    // show a concurrent writer of the same content half-way through for a moment. Deleting then
    // would remove what that writer is about to report as stored, so look again first.
    for (const pause of ReadBackPausesMs) {
      if (stored === sha256) break;
      await sleep(pause);
      stored = await this.#hashOf(key);
    }
    if (stored !== sha256) {
      // Still wrong (a writer that died half-way on such a server, or a store that mangles bodies):
      // write it once more before giving up.
      await this.#upload(key, data);
      stored = await this.#hashOf(key);
    }
    if (stored !== sha256) {
      // Left in place, a later put would find the key, touch it and never upload it again.
      await this.delete(sha256).catch(() => undefined);
      throw new BlobIntegrityError(`Blob upload to ${this.locator(sha256)} was stored with different bytes (read back as ${stored ?? 'missing'}); it was removed, and the capture will be tried again`);
    }
    return { sha256, size: data.length };
  }

  async read(sha256: string): Promise<Buffer> {
    const { stream } = await this.open(sha256);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async open(sha256: string, range?: ByteRange): Promise<OpenedArtifact> {
    const key = this.key(sha256);
    try {
      const reply = await this.#client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }),
      );
      const served = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(reply.ContentRange ?? '');
      const size = served ? Number(served[3]) : Number(reply.ContentLength ?? 0);
      const body = reply.Body as Readable;
      if (!range) return { stream: body, size };
      // HTTP lets a server ignore Range and answer 200 with everything (some S3-compatible servers
      // do for `bytes=0-0`), or answer a wider range: cut out exactly the bytes asked for.
      const servedStart = served ? Number(served[1]) : 0;
      const servedEnd = served ? Number(served[2]) : size - 1;
      if (servedStart === range.start && servedEnd === range.end) return { stream: body, size };
      return { stream: slice(body, range.start - servedStart, range.end - range.start + 1), size };
    } catch (error) {
      if (httpStatus(error) === 404) throw new NotFoundError('blob', sha256);
      throw error;
    }
  }

  async exists(sha256: string): Promise<boolean> {
    return (await this.#head(this.key(sha256))) !== null;
  }

  async lastTouched(sha256: string): Promise<number | null> {
    const head = await this.#head(this.key(sha256));
    if (!head) return null;
    const touched = Number(head.Metadata?.touched);
    return Math.max(head.LastModified?.getTime() ?? 0, Number.isFinite(touched) ? touched : 0);
  }

  async delete(sha256: string): Promise<void> {
    await this.#client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(sha256) }));
  }

  async *list(): AsyncGenerator<BlobEntry> {
    let token: string | undefined;
    do {
      const page = await this.#client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix, ContinuationToken: token }));
      for (const object of page.Contents ?? []) {
        if (!object.Key) continue;
        // Only keys this store writes; anything else sharing the prefix is not ours to delete.
        const sha256 = KeyPattern.exec(object.Key.slice(this.prefix.length))?.[1];
        if (!sha256 || object.Key !== this.key(sha256)) continue;
        yield { sha256, id: object.Key, modifiedMs: object.LastModified?.getTime() ?? 0, size: Number(object.Size ?? 0) };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /** Uploads are single PUTs under the blob's own key: there are no temporary objects to remove. */
  async removeLeftover(): Promise<void> {}

  destroy(): void {
    this.#client.destroy();
  }

  async #upload(key: string, data: Buffer): Promise<void> {
    await this.#client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: data,
        ContentLength: data.length,
        ContentType: 'application/octet-stream',
        Metadata: { touched: String(Date.now()) },
      }),
    );
  }

  /** Copies the object onto itself with a new `touched` time; false when it is not there. */
  async #touch(key: string): Promise<boolean> {
    try {
      await this.#client.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: key,
          CopySource: `${this.bucket}/${key.split('/').map(encodeURIComponent).join('/')}`,
          MetadataDirective: 'REPLACE',
          ContentType: 'application/octet-stream',
          Metadata: { touched: String(Date.now()) },
        }),
      );
      return true;
    } catch (error) {
      if (httpStatus(error) === 404) return false;
      throw error;
    }
  }

  async #head(key: string) {
    try {
      return await this.#client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (error) {
      if (httpStatus(error) === 404) return null;
      throw error;
    }
  }

  async #hashOf(key: string): Promise<string | null> {
    try {
      const reply = await this.#client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const hash = createHash('sha256');
      for await (const chunk of reply.Body as Readable) hash.update(chunk as Buffer);
      return hash.digest('hex');
    } catch (error) {
      if (httpStatus(error) === 404) return null;
      throw error;
    }
  }
}

/** An upload that did not read back as written: an I/O error of the store (transient, see isTransientStoreError). */
export class BlobIntegrityError extends Error {
  readonly code = 'EIO';
  constructor(message: string) {
    super(message);
    this.name = 'BlobIntegrityError';
  }
}

/** `length` bytes of `source` after skipping `skip`; the source is closed once they have passed. */
function slice(source: Readable, skip: number, length: number): Readable {
  let toSkip = Math.max(0, skip);
  let left = length;
  const cut = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (left === 0) return done();
      let part = chunk;
      if (toSkip > 0) {
        const skipped = Math.min(toSkip, part.length);
        toSkip -= skipped;
        part = part.subarray(skipped);
      }
      if (left > 0 && part.length > 0) {
        const kept = part.subarray(0, left);
        left -= kept.length;
        this.push(kept);
      }
      if (left === 0) {
        this.push(null);
        source.destroy();
      }
      done();
    },
  });
  source.on('error', (error) => cut.destroy(error));
  cut.on('close', () => source.destroy());
  return source.pipe(cut);
}

function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

function describe(error: unknown): string {
  const status = httpStatus(error);
  const name = (error as Error)?.name ?? 'Error';
  const message = (error as Error)?.message ?? String(error);
  return status ? `HTTP ${status} ${name}${message && message !== name ? `: ${message}` : ''}` : `${name}: ${message}`;
}
