// Sends a stored artifact. Archived pages are hostile content: every artifact is served with a
// CSP sandbox (no scripts, an opaque origin, so no cookies or storage of ours), nosniff, no cookies
// set, streamed from the blob store (with single byte ranges, for media and resumed downloads).
import type http from 'node:http';
import { artifactExtension } from '../core/artifact-files.js';
import { NotFoundError } from '../core/errors.js';
import type { ArtifactKind, ArtifactRef, ByteRange, OpenedArtifact, Snapshot } from '../core/types.js';

/** Self-contained archives need inline styles and data: images; nothing may leave the frame. */
export const ArchiveCsp =
  "sandbox; default-src 'none'; img-src data: blob:; style-src 'unsafe-inline' data:; font-src data:; media-src data: blob:; " +
  "form-action 'none'; frame-ancestors 'self'; base-uri 'none'";

/** Kinds shown in the browser; the rest download. */
const Inline = new Set<ArtifactKind>(['screenshot', 'fullpage', 'thumbnail', 'archive', 'text', 'visibleText']);

export async function sendArtifact(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  snapshot: Snapshot,
  ref: ArtifactRef,
  open: (ref: ArtifactRef, range?: ByteRange) => Promise<OpenedArtifact>,
): Promise<void> {
  const etag = `"${ref.sha256}"`;
  const headers: Record<string, string> = {
    'content-type': contentType(ref),
    'accept-ranges': 'bytes',
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
  // Blobs are content-addressed, so an If-Range naming any other version asks for the whole file.
  const ifRange = req.headers['if-range'];
  const range = ifRange === undefined || ifRange === etag ? parseRange(req.headers.range, ref.size) : null;
  if (range === 'unsatisfiable') {
    res.writeHead(416, { 'content-range': `bytes */${ref.size}`, 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' });
    res.end(`Range not satisfiable: this ${ref.kind} has ${ref.size} bytes.\n`);
    return;
  }
  let opened: OpenedArtifact;
  try {
    opened = await open(ref, range ?? undefined);
  } catch (error) {
    if (error instanceof NotFoundError) throw new NotFoundError(`${ref.kind} file of snapshot`, snapshot.id);
    throw error;
  }
  const { stream, size } = opened;
  if (range) {
    headers['content-range'] = `bytes ${range.start}-${range.end}/${size}`;
    headers['content-length'] = String(range.end - range.start + 1);
  } else {
    headers['content-length'] = String(size);
  }
  res.writeHead(range ? 206 : 200, headers);
  if (req.method === 'HEAD') {
    stream.destroy();
    res.end();
    return;
  }
  await new Promise<void>((resolve, reject) => {
    stream.on('error', reject);
    res.on('close', () => {
      stream.destroy();
      resolve();
    });
    stream.pipe(res).on('finish', resolve);
  });
}

/**
 * One `bytes=` range (first-last, first-, or -suffix), clipped to the size; null when absent or
 * when several are asked for (then the whole file is sent, which HTTP allows).
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | null {
  if (!header) return null;
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!match) return /^\s*bytes\s*=.*,/i.test(header) ? null : 'unsatisfiable';
  const [, first, last] = match;
  if (first === '' && last === '') return 'unsatisfiable';
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

function contentType(ref: ArtifactRef): string {
  if (ref.kind === 'archive') return 'text/html; charset=utf-8';
  if (ref.kind === 'text' || ref.kind === 'visibleText') return 'text/plain; charset=utf-8';
  if (ref.kind === 'mhtml') return 'multipart/related';
  // A stored original could claim to be HTML or SVG; it is served as a download under the sandbox anyway.
  return /^[\w.+-]+\/[\w.+-]+(;\s*charset=[\w-]+)?$/i.test(ref.mime) ? ref.mime : 'application/octet-stream';
}

function fileName(snapshot: Snapshot, ref: ArtifactRef): string {
  const ext = artifactExtension(ref.kind, ref.mime);
  return `linksnap-${snapshot.id.replace(/[^A-Za-z0-9_-]/g, '')}-${ref.kind}.${ext}`;
}
