// The blob store LINKSNAP_BLOBS names: files under the data folder (the default) or a bucket.
import type { BlobSettings } from '../config.js';
import { FileBlobStore, type BlobStore } from './blob-store.js';
import { S3BlobStore } from './s3-blob-store.js';

export function openBlobStore(settings: BlobSettings): BlobStore & { destroy?(): void } {
  if (settings.kind === 'file') return new FileBlobStore(settings.dir);
  const { kind: _kind, ...s3 } = settings;
  return new S3BlobStore(s3);
}
