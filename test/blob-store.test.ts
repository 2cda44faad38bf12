// The BlobStore contract, run on the file store and on the S3 store against an S3 wire-protocol
// stand-in; then what only each store has to guarantee (folders and temp files, keys and uploads).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { InvalidInputError, isTransientStoreError, NotFoundError } from '../src/core/errors.js';
import { FileBlobStore, type BlobStore } from '../src/storage/blob-store.js';
import { openBlobStore } from '../src/storage/open-blob-store.js';
import { BlobIntegrityError, S3BlobStore } from '../src/storage/s3-blob-store.js';
import { serveOnLoopback } from './helpers/loopback-server.js';
import { startS3StandIn, type S3StandIn } from './stand-ins/s3/s3-server.js';

let s3: S3StandIn;
beforeAll(async () => {
  s3 = await startS3StandIn();
});
afterAll(async () => {
  await s3?.close();
});

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'linksnap-blobs-'));
  dirs.push(dir);
  return dir;
}

let prefixes = 0;
function fileStore(): FileBlobStore {
  return new FileBlobStore(path.join(tempDir(), 'blobs'));
}
function s3Store(): S3BlobStore {
  // Built from the settings an admin writes, so the config parsing is what is tested too.
  prefixes += 1;
  return openBlobStore(loadConfig(s3.env(`run-${prefixes}/blobs`)).blobs) as S3BlobStore;
}

const sha = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const text = async (stream: NodeJS.ReadableStream) => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
};
const collect = async (store: BlobStore) => {
  const entries = [];
  for await (const entry of store.list()) entries.push(entry);
  return entries;
};

/** A client of the stand-in outside any BlobStore: another writer, or a stranger in the bucket. */
const rawClient = () =>
  new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, maxAttempts: 1, requestChecksumCalculation: 'WHEN_REQUIRED', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });

/**
 * A proxy in front of the stand-in, for the faults a real server or gateway shows: `body` may change
 * what a request stores, `reply` runs before the stand-in's answer is passed on.
 */
function s3Proxy(hooks: { body?(req: http.IncomingMessage, body: Buffer): Buffer; reply?(req: http.IncomingMessage, reply: http.IncomingMessage): Promise<void> | void }) {
  return serveOnLoopback((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const received = Buffer.concat(chunks);
      const body = hooks.body?.(req, received) ?? received;
      const upstream = http.request(`${s3.endpoint}${req.url}`, { method: req.method, headers: { ...req.headers, 'content-length': String(body.length) } }, async (reply) => {
        await hooks.reply?.(req, reply);
        res.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(res);
      });
      upstream.end(body);
    });
  });
}

describe.each([
  ['file', fileStore],
  ['s3', s3Store],
] as const)('BlobStore on %s', (_name, make) => {
  it('stores content under its SHA-256, reads and streams it back, and lists it', async () => {
    const blobs = make();
    await blobs.check();
    const data = Buffer.from('快照 snapshot bytes, 0123456789');
    const stored = await blobs.put(data);
    expect(stored).toEqual({ sha256: sha(data), size: data.length });
    expect(await blobs.exists(stored.sha256)).toBe(true);
    expect((await blobs.read(stored.sha256)).equals(data)).toBe(true);
    const whole = await blobs.open(stored.sha256);
    expect(whole.size).toBe(data.length);
    expect((await text(whole.stream)).equals(data)).toBe(true);
    const entries = await collect(blobs);
    expect(entries.map((entry) => [entry.sha256, entry.size])).toEqual([[stored.sha256, data.length]]);
    expect(blobs.locator(stored.sha256)).toContain(stored.sha256);
  });

  it('streams an inclusive byte range with the whole size', async () => {
    const blobs = make();
    const data = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));
    const { sha256 } = await blobs.put(data);
    for (const range of [{ start: 0, end: 0 }, { start: 10, end: 99 }, { start: 4990, end: 4999 }]) {
      const opened = await blobs.open(sha256, range);
      expect(opened.size).toBe(5000);
      expect((await text(opened.stream)).equals(data.subarray(range.start, range.end + 1))).toBe(true);
    }
  });

  it('stores identical content once, also when written concurrently', async () => {
    const blobs = make();
    const data = Buffer.alloc(256 * 1024, 7);
    const results = await Promise.all(Array.from({ length: 6 }, () => blobs.put(data)));
    expect(new Set(results.map((result) => result.sha256)).size).toBe(1);
    await blobs.put(Buffer.from('other'));
    const entries = await collect(blobs);
    expect(entries.filter((entry) => entry.sha256 !== null)).toHaveLength(2);
    expect(entries.some((entry) => entry.sha256 === null)).toBe(false);
    expect((await blobs.read(results[0].sha256)).equals(data)).toBe(true);
  });

  it('touches a blob that is put again, so gc counts its grace period from now', async () => {
    const blobs = make();
    const data = Buffer.from('found present again');
    const { sha256 } = await blobs.put(data);
    const before = (await blobs.lastTouched(sha256))!;
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // S3 LastModified has 1 s resolution
    await blobs.put(data);
    expect((await blobs.lastTouched(sha256))!).toBeGreaterThan(before);
    expect(await blobs.lastTouched('0'.repeat(64))).toBeNull();
  });

  it('deletes a blob, and deleting or opening a missing one says so without throwing the wrong error', async () => {
    const blobs = make();
    const { sha256 } = await blobs.put(Buffer.from('gone soon'));
    await blobs.delete(sha256);
    expect(await blobs.exists(sha256)).toBe(false);
    await blobs.delete(sha256);
    await expect(blobs.read(sha256)).rejects.toBeInstanceOf(NotFoundError);
    await expect(blobs.open(sha256, { start: 0, end: 1 })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('refuses anything but 64 lower-case hex digits before reaching the store', async () => {
    const blobs = make();
    const bad = ['../secret.txt', `../../${'a'.repeat(61)}`, 'A'.repeat(64), 'g'.repeat(64), 'a'.repeat(63), `${'a'.repeat(64)}/..`, '', `${'a'.repeat(32)}\0${'a'.repeat(31)}`];
    for (const id of bad) {
      expect(() => blobs.locator(id), id).toThrow(InvalidInputError);
      await expect(blobs.read(id)).rejects.toBeInstanceOf(InvalidInputError);
      await expect(blobs.open(id)).rejects.toBeInstanceOf(InvalidInputError);
      await expect(blobs.exists(id)).rejects.toBeInstanceOf(InvalidInputError);
      await expect(blobs.delete(id)).rejects.toBeInstanceOf(InvalidInputError);
    }
  });
});

describe('FileBlobStore', () => {
  it('keeps blobs in two folder levels and leaves no temporary files', async () => {
    const blobs = fileStore();
    const data = Buffer.alloc(64 * 1024, 3);
    const { sha256 } = await blobs.put(data);
    expect(blobs.locator(sha256)).toBe(path.join(blobs.dir, sha256.slice(0, 2), sha256.slice(2, 4), sha256));
    const files = (fs.readdirSync(blobs.dir, { recursive: true }) as string[]).filter((name) => fs.statSync(path.join(blobs.dir, name)).isFile());
    expect(files).toEqual([path.join(sha256.slice(0, 2), sha256.slice(2, 4), sha256)]);
  });

  it('lists a leftover temporary file for gc, and removes nothing outside the blob folder', async () => {
    const blobs = fileStore();
    const { sha256 } = await blobs.put(Buffer.from('x'));
    const folder = path.dirname(blobs.locator(sha256));
    fs.writeFileSync(path.join(folder, `${sha256}.1.abc.tmp`), 'half');
    fs.writeFileSync(path.join(folder, 'notes.txt'), 'not ours');
    const leftovers = (await collect(blobs)).filter((entry) => entry.sha256 === null);
    expect(leftovers.map((entry) => path.basename(entry.id))).toEqual([`${sha256}.1.abc.tmp`]);
    const outside = path.join(path.dirname(blobs.dir), 'keep.tmp');
    fs.writeFileSync(outside, 'mine');
    await blobs.removeLeftover(outside);
    await blobs.removeLeftover(leftovers[0].id);
    expect(fs.existsSync(outside)).toBe(true);
    expect(fs.existsSync(leftovers[0].id)).toBe(false);
    expect(fs.existsSync(path.join(folder, 'notes.txt'))).toBe(true);
  });

  it('never creates the blob folder for a refused id', async () => {
    const blobs = fileStore();
    await expect(blobs.put(Buffer.from('ok'))).resolves.toBeDefined();
    const empty = fileStore();
    await expect(empty.read('../x')).rejects.toBeInstanceOf(InvalidInputError);
    expect(fs.existsSync(empty.dir)).toBe(false);
  });
});

describe('S3BlobStore', () => {
  it('keeps each blob at <prefix>ab/cd/<sha256> in the bucket, and nothing on the local disk', async () => {
    const cwdBefore = fs.readdirSync(os.tmpdir()).length;
    const blobs = s3Store();
    const data = Buffer.from('in the bucket');
    const { sha256 } = await blobs.put(data);
    const key = `${blobs.prefix}${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;
    expect(s3.keys()).toContain(key);
    expect(blobs.locator(sha256)).toBe(`s3://${s3.bucket}/${key}`);
    // The stored object is exactly the bytes: no aws-chunked framing around them.
    const object = fs.readFileSync(path.join(s3.directory, s3.bucket, ...key.split('/')) + '._S3rver_object');
    expect(object.equals(data)).toBe(true);
    expect(fs.readdirSync(os.tmpdir()).length).toBeLessThanOrEqual(cwdBefore);
  });

  it('lists only the keys it writes, so gc never deletes anything else under the prefix', async () => {
    const blobs = s3Store();
    const { sha256 } = await blobs.put(Buffer.from('ours'));
    await s3Store().put(Buffer.from('another prefix'));
    const client = rawClient();
    // Strangers under our prefix: one named like a blob but not at its place, one not a blob at all.
    for (const key of [`${blobs.prefix}${sha256}`, `${blobs.prefix}00/00/${sha256}`, `${blobs.prefix}README`]) {
      await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: 'not a blob' }));
    }
    client.destroy();
    expect((await collect(blobs)).map((entry) => entry.sha256)).toEqual([sha256]);
  });

  it('reads every upload back, and removes and refuses one the server stored differently', async () => {
    // A proxy that stores every PUT with aws-chunked framing around it, as a server that does not
    // speak that encoding does: the PUT itself succeeds.
    const mangling = await s3Proxy({
      body: (req, body) =>
        req.method === 'PUT' && body.length ? Buffer.concat([Buffer.from(`${body.length.toString(16)};chunk-signature=0\r\n`), body, Buffer.from('\r\n0\r\n')]) : body,
    });
    try {
      const blobs = openBlobStore(loadConfig({ ...s3.env('mangled/blobs'), LINKSNAP_S3_ENDPOINT: mangling.origin }).blobs) as S3BlobStore;
      const data = Buffer.from('will be mangled');
      const error = await blobs.put(data).then(() => null, (thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(BlobIntegrityError);
      expect(String((error as Error).message)).toContain(sha(data));
      // Retried by the job runner, not a failed capture.
      expect(isTransientStoreError(error)).toBe(true);
      expect(await blobs.exists(sha(data))).toBe(false);
      expect(s3.keys().filter((key) => key.startsWith('mangled/'))).toEqual([]);
    } finally {
      await mangling.close();
    }
  });

  it('waits out a concurrent writer that rewrites the same content in place, and deletes nothing', async () => {
    // s3rver (like other file-backed servers) writes an object in place: a second writer of the same
    // content truncates it and streams it in again. Here that second writer starts right after our
    // PUT and is half-way when our upload is read back; it finishes shortly after.
    const data = Buffer.alloc(64 * 1024, 9);
    const sha256 = sha(data);
    const key = `in-place/blobs/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;
    const objectFile = path.join(s3.directory, s3.bucket, ...key.split('/')) + '._S3rver_object';
    const other = rawClient();
    const otherBody = new PassThrough();
    let otherWrite: Promise<unknown> | null = null;
    let readBacks = 0;
    const proxy = await s3Proxy({
      async reply(req, reply) {
        if (req.method === 'PUT' && reply.statusCode === 200 && !otherWrite) {
          otherWrite = other.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: otherBody, ContentLength: data.length }));
          otherBody.write(data.subarray(0, data.length / 2));
          for (let tries = 0; fs.statSync(objectFile).size !== data.length / 2; tries += 1) {
            if (tries > 200) throw new Error('the second writer never got half-way');
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
        }
        if (req.method === 'GET' && req.url?.includes(sha256) && otherWrite && ++readBacks === 1) {
          reply.on('end', () => setTimeout(() => otherBody.end(data.subarray(data.length / 2)), 50));
        }
      },
    });
    try {
      const blobs = openBlobStore(loadConfig({ ...s3.env('in-place/blobs'), LINKSNAP_S3_ENDPOINT: proxy.origin }).blobs) as S3BlobStore;
      expect(await blobs.put(data)).toEqual({ sha256, size: data.length });
      await otherWrite;
      // The first read-back saw the half-written copy; the store looked again instead of deleting.
      expect(readBacks).toBeGreaterThan(1);
      expect((await blobs.read(sha256)).equals(data)).toBe(true);
      expect(s3.keys()).toContain(key);
      blobs.destroy();
    } finally {
      // When the put failed early the second writer is still half-way: abort it (closing its
      // client ends the request) rather than wait for bytes that never come.
      if (!otherBody.writableEnded) otherBody.destroy(new Error('test over'));
      other.destroy();
      await (otherWrite as Promise<unknown> | null)?.catch(() => undefined);
      await proxy.close();
    }
  });

  it('says which bucket cannot be used, and why, before anything is captured', async () => {
    const missing = new S3BlobStore({ ...loadConfig(s3.env()).blobs, bucket: 'no-such-bucket', maxAttempts: 1 } as never);
    await expect(missing.check()).rejects.toThrow(/s3:\/\/no-such-bucket\/blobs\/ cannot be used: the bucket does not exist/);
    const down = new S3BlobStore({ ...loadConfig({ ...s3.env(), LINKSNAP_S3_ENDPOINT: 'http://127.0.0.1:9' }).blobs, maxAttempts: 1 } as never);
    await expect(down.check()).rejects.toThrow(/cannot be used: .*ECONNREFUSED|cannot be used/);
  });
});
