// Sends a stored artifact. Archived pages are hostile content: every artifact is served with a
// CSP sandbox (no scripts, an opaque origin, so no cookies or storage of ours), nosniff, no cookies
// set, and only from a file inside the blob folder.
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { NotFoundError } from '../core/errors.js';
import type { ArtifactKind, ArtifactRef, Snapshot } from '../core/types.js';

/** Self-contained archives need inline styles and data: images; nothing may leave the frame. */
export const ArchiveCsp =
  "sandbox; default-src 'none'; img-src data: blob:; style-src 'unsafe-inline' data:; font-src data:; media-src data: blob:; " +
  "form-action 'none'; frame-ancestors 'self'; base-uri 'none'";

const Extensions: Partial<Record<ArtifactKind, string>> = {
  screenshot: 'png',
  fullpage: 'jpg',
  thumbnail: 'webp',
  mhtml: 'mhtml',
  archive: 'html',
  text: 'txt',
  visibleText: 'txt',
};

/** Kinds shown in the browser; the rest download. */
const Inline = new Set<ArtifactKind>(['screenshot', 'fullpage', 'thumbnail', 'archive', 'text', 'visibleText']);

export async function sendArtifact(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  snapshot: Snapshot,
  ref: ArtifactRef,
  blobDir: string,
): Promise<void> {
  const file = await confinedPath(ref.path, blobDir, snapshot.id, ref.kind);
  const stat = await fs.promises.stat(file);
  const etag = `"${ref.sha256}"`;
  const headers: Record<string, string> = {
    'content-type': contentType(ref),
    'content-length': String(stat.size),
    'content-security-policy': ArchiveCsp,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-resource-policy': 'same-origin',
    'cache-control': 'private, max-age=31536000, immutable',
    etag,
    'content-disposition': `${Inline.has(ref.kind) ? 'inline' : 'attachment'}; filename="${fileName(snapshot, ref)}"`,
  };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, { etag, 'cache-control': headers['cache-control'] });
    res.end();
    return;
  }
  res.writeHead(200, headers);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await new Promise<void>((resolve, reject) => {
    const stream = fs.createReadStream(file);
    stream.on('error', reject);
    res.on('close', () => {
      stream.destroy();
      resolve();
    });
    stream.pipe(res).on('finish', resolve);
  });
}

/** The artifact's file, resolved through symlinks, refused unless it lies inside the blob folder. */
async function confinedPath(file: string, blobDir: string, snapshotId: string, kind: ArtifactKind): Promise<string> {
  let real: string;
  let root: string;
  try {
    [real, root] = await Promise.all([fs.promises.realpath(file), fs.promises.realpath(blobDir)]);
  } catch {
    throw new NotFoundError(`${kind} file of snapshot`, snapshotId);
  }
  if (real !== root && !real.startsWith(root + path.sep)) throw new NotFoundError(`${kind} file of snapshot`, snapshotId);
  return real;
}

function contentType(ref: ArtifactRef): string {
  if (ref.kind === 'archive') return 'text/html; charset=utf-8';
  if (ref.kind === 'text' || ref.kind === 'visibleText') return 'text/plain; charset=utf-8';
  if (ref.kind === 'mhtml') return 'multipart/related';
  // A stored original could claim to be HTML or SVG; it is served as a download under the sandbox anyway.
  return /^[\w.+-]+\/[\w.+-]+(;\s*charset=[\w-]+)?$/i.test(ref.mime) ? ref.mime : 'application/octet-stream';
}

function fileName(snapshot: Snapshot, ref: ArtifactRef): string {
  const ext = Extensions[ref.kind] ?? (ref.mime.split('/')[1]?.replace(/[^a-z0-9]/gi, '') || 'bin');
  return `linksnap-${snapshot.id.replace(/[^A-Za-z0-9_-]/g, '')}-${ref.kind}.${ext}`;
}
