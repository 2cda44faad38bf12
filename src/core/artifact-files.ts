// The file name extension of each artifact kind, for downloads and zip exports.
import type { ArtifactKind } from './types.js';

const Extensions: Partial<Record<ArtifactKind, string>> = {
  screenshot: 'png',
  fullpage: 'jpg',
  thumbnail: 'webp',
  mhtml: 'mhtml',
  archive: 'html',
  text: 'txt',
  visibleText: 'txt',
  wacz: 'wacz',
};

/** The kind's own extension; an `original` takes its type's (application/pdf → pdf). */
export function artifactExtension(kind: ArtifactKind, mime: string): string {
  return Extensions[kind] ?? (mime.split(';')[0].split('/')[1]?.replace(/[^a-z0-9]/gi, '') || 'bin');
}
