import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidInputError, NotFoundError } from '../src/core/errors.js';
import { FileBlobStore } from '../src/storage/blob-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function store(): FileBlobStore {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'linksnap-blobs-'));
  dirs.push(dir);
  return new FileBlobStore(path.join(dir, 'blobs'));
}

function filesUnder(dir: string): string[] {
  return fs.existsSync(dir) ? (fs.readdirSync(dir, { recursive: true }) as string[]).filter((name) => fs.statSync(path.join(dir, name)).isFile()) : [];
}

describe('FileBlobStore', () => {
  it('stores content under its SHA-256 in two folder levels and reads it back', async () => {
    const blobs = store();
    const data = Buffer.from('快照 snapshot bytes');
    const sha256 = createHash('sha256').update(data).digest('hex');
    const stored = await blobs.put(data);
    expect(stored).toEqual({ sha256, size: data.length, path: path.join(blobs.dir, sha256.slice(0, 2), sha256.slice(2, 4), sha256) });
    expect(blobs.path(sha256)).toBe(stored.path);
    expect(await blobs.exists(sha256)).toBe(true);
    expect((await blobs.read(sha256)).equals(data)).toBe(true);
  });

  it('stores identical content once, also when written concurrently, and leaves no temporary files', async () => {
    const blobs = store();
    const data = Buffer.alloc(256 * 1024, 7);
    const results = await Promise.all(Array.from({ length: 8 }, () => blobs.put(data)));
    expect(new Set(results.map((result) => result.path)).size).toBe(1);
    await blobs.put(Buffer.from('other'));
    const files = filesUnder(blobs.dir);
    expect(files).toHaveLength(2);
    expect(files.some((name) => name.endsWith('.tmp'))).toBe(false);
    expect((await blobs.read(results[0].sha256)).equals(data)).toBe(true);
  });

  it('deletes a blob, and deleting a missing one is not an error', async () => {
    const blobs = store();
    const { sha256 } = await blobs.put(Buffer.from('gone soon'));
    await blobs.delete(sha256);
    expect(await blobs.exists(sha256)).toBe(false);
    await blobs.delete(sha256);
    await expect(blobs.read(sha256)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('refuses anything but 64 lower-case hex digits before touching the file system', async () => {
    const blobs = store();
    const outside = path.join(path.dirname(blobs.dir), 'secret.txt');
    fs.writeFileSync(outside, 'do not touch');
    const bad = ['../secret.txt', `../../${'a'.repeat(61)}`, 'A'.repeat(64), 'g'.repeat(64), 'a'.repeat(63), `${'a'.repeat(64)}/..`, '', `${'a'.repeat(32)}\0${'a'.repeat(31)}`];
    for (const id of bad) {
      expect(() => blobs.path(id), id).toThrow(InvalidInputError);
      await expect(blobs.read(id)).rejects.toBeInstanceOf(InvalidInputError);
      await expect(blobs.exists(id)).rejects.toBeInstanceOf(InvalidInputError);
      await expect(blobs.delete(id)).rejects.toBeInstanceOf(InvalidInputError);
    }
    expect(fs.readFileSync(outside, 'utf8')).toBe('do not touch');
    expect(fs.existsSync(blobs.dir)).toBe(false);
  });
});
