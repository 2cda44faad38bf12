// Reads the files of a WACZ we made (one capture's, a few MB to the capture cap) from its bytes.
// Used by export, which copies each capture's WARC, index lines and page into one package.
import yauzl from 'yauzl';
import { buffer } from 'node:stream/consumers';
import type { Readable } from 'node:stream';

/** Entries by path. Refuses zips with more entries or bytes than a capture's WACZ could hold. */
export async function readWaczFiles(data: Buffer, limits: { maxEntries?: number; maxBytes?: number } = {}): Promise<Map<string, Buffer>> {
  const maxEntries = limits.maxEntries ?? 1_000;
  const maxBytes = limits.maxBytes ?? 1024 * 1024 * 1024;
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(data, { lazyEntries: true, validateEntrySizes: true }, (error, file) => (error ? reject(error) : resolve(file))),
  );
  const files = new Map<string, Buffer>();
  let total = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', reject);
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        if (files.size >= maxEntries) return reject(new Error(`the package has more than ${maxEntries} files`));
        total += entry.uncompressedSize;
        if (total > maxBytes) return reject(new Error(`the package unpacks to more than ${maxBytes} bytes`));
        if (entry.fileName.endsWith('/')) return zip.readEntry();
        zip.openReadStream(entry, (error, stream) => {
          if (error) return reject(error);
          buffer(stream as Readable).then((bytes) => {
            files.set(entry.fileName, bytes);
            zip.readEntry();
          }, reject);
        });
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
  return files;
}
