// A page someone saved in their own browser and uploaded because the capture could not see it
// (a login, a paywall, a bot wall): a SingleFile HTML, an MHTML or a WACZ. The file is hostile
// input: its type is decided from its bytes (never its name or the browser's content type), its
// size is capped, and what it holds becomes a table of responses by URL that the offline render
// serves from memory; nothing in it is ever fetched.
import zlib from 'node:zlib';
import { WARCParser } from 'warcio';
import { InvalidInputError, TooLargeError } from '../errors.js';
import type { ArtifactKind } from '../types.js';
import { mhtmlToArchive } from '../capture/archive-step.js';
import { readWaczFiles } from '../wacz/wacz-reader.js';

export type UploadKind = 'singlefile' | 'mhtml' | 'wacz';

export interface OfflineResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface UploadedPage {
  kind: UploadKind;
  /** The URL the page is rendered at (its own, as saved, or the link's). */
  url: string;
  /** Everything the render may load, by absolute URL; any other request is refused. */
  responses: Map<string, OfflineResponse>;
  /** The uploaded file, kept as the artifact of its kind. */
  original: { kind: ArtifactKind; data: Buffer; mime: string };
  /** The single-file HTML made from an MHTML upload, kept as the `archive` artifact. */
  archive: Buffer | null;
}

export interface UploadLimits {
  maxBytes: number;
  /** For MHTML, made into single-file HTML within this cap. */
  maxArchiveBytes: number;
  signal?: AbortSignal;
}

export const UploadKinds = 'a SingleFile HTML page, an MHTML file or a WACZ web archive';

/** Reads the upload; `linkUrl` is where the page is rendered when the file does not say. */
export async function readUploadedPage(data: Buffer, linkUrl: string, limits: UploadLimits): Promise<UploadedPage> {
  if (data.length === 0) throw new InvalidInputError(`The file is empty; upload ${UploadKinds}`);
  if (data.length > limits.maxBytes) throw new TooLargeError('The uploaded file', limits.maxBytes);
  const kind = sniff(data);
  if (kind === 'wacz') return readWacz(data, linkUrl, limits);
  if (kind === 'mhtml') {
    const archive = await mhtmlToArchive(data, { maxBytes: limits.maxArchiveBytes, signal: limits.signal });
    return {
      kind,
      url: mhtmlUrl(data) ?? linkUrl,
      responses: htmlAt(mhtmlUrl(data) ?? linkUrl, archive.data),
      original: { kind: 'mhtml', data, mime: 'multipart/related' },
      archive: archive.data,
    };
  }
  const url = singleFileUrl(data) ?? linkUrl;
  return { kind, url, responses: htmlAt(url, data), original: { kind: 'archive', data, mime: 'text/html; charset=utf-8' }, archive: null };
}

function sniff(data: Buffer): UploadKind {
  if (data.subarray(0, 4).equals(Buffer.from('PK\x03\x04', 'latin1'))) return 'wacz';
  const head = data.subarray(0, 4096).toString('latin1').replace(/^\uFEFF|^\xEF\xBB\xBF/, '').trimStart();
  if (/^(From: |Snapshot-Content-Location: |Subject: |Date: |MIME-Version: )/im.test(head.slice(0, 200)) && /content-type:\s*multipart\/related/i.test(head)) return 'mhtml';
  if (/^(<!--[\s\S]*?-->\s*)*<(!doctype html|html|head|body|meta|title)\b/i.test(head)) return 'singlefile';
  throw new InvalidInputError(`This file is not a saved page; upload ${UploadKinds}`);
}

function htmlAt(url: string, html: Buffer): Map<string, OfflineResponse> {
  return new Map([[url, { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: html }]]);
}

/** SingleFile writes `<!-- Page saved with SingleFile \n url: https://… \n saved date: … -->`. */
function singleFileUrl(html: Buffer): string | null {
  const head = html.subarray(0, 8192).toString('utf8');
  const saved = /Page saved with SingleFile[\s\S]{0,200}?url:\s*(\S+)/i.exec(head)?.[1];
  return webUrl(saved) ?? webUrl(/<link[^>]+rel=["']?canonical["']?[^>]*href=["']([^"']+)/i.exec(head)?.[1]);
}

function mhtmlUrl(mhtml: Buffer): string | null {
  return webUrl(/^Snapshot-Content-Location:\s*(\S+)/im.exec(mhtml.subarray(0, 4096).toString('latin1'))?.[1]);
}

function webUrl(value: string | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

async function readWacz(data: Buffer, linkUrl: string, limits: UploadLimits): Promise<UploadedPage> {
  let files: Map<string, Buffer>;
  try {
    files = await readWaczFiles(data, { maxEntries: 10_000, maxBytes: limits.maxBytes * 4 });
  } catch (error) {
    throw new InvalidInputError(`This WACZ could not be opened: ${(error as Error).message}`);
  }
  const warcs = [...files.keys()].filter((path) => /^archive\/.+\.warc(\.gz)?$/.test(path));
  if (!files.has('datapackage.json') || warcs.length === 0) throw new InvalidInputError('This zip is not a WACZ web archive: it has no datapackage.json or no WARC files under archive/');
  const responses = new Map<string, OfflineResponse>();
  for (const path of warcs) {
    for await (const record of new WARCParser([files.get(path)!])) {
      if (record.warcType !== 'response' || !record.httpHeaders || !record.warcTargetURI) continue;
      const url = webUrl(record.warcTargetURI);
      if (!url) continue;
      const headers: Record<string, string> = {};
      for (const [name, value] of record.httpHeaders.headers as unknown as Iterable<[string, string]>) headers[name.toLowerCase()] = value;
      const body = decoded(Buffer.from(await record.readFully(false)), headers);
      responses.set(url, { status: Number(record.httpHeaders.statusCode) || 200, headers, body });
    }
  }
  const datapackage = JSON.parse(files.get('datapackage.json')!.toString('utf8')) as { mainPageUrl?: string };
  const firstPage = (files.get('pages/pages.jsonl')?.toString('utf8') ?? '')
    .split('\n')
    .map((line) => {
      try {
        return JSON.parse(line) as { url?: string };
      } catch {
        return {};
      }
    })
    .find((page) => typeof page.url === 'string')?.url;
  const url = [datapackage.mainPageUrl, firstPage, linkUrl].map((candidate) => webUrl(candidate)).find((candidate) => candidate && responses.has(candidate)) ?? null;
  if (!url) throw new InvalidInputError('This WACZ holds no page to show: none of its pages has a recorded response');
  return { kind: 'wacz', url, responses, original: { kind: 'wacz', data, mime: 'application/wacz' }, archive: null };
}

/**
 * Other archivers keep the body as it came over the wire; the render serves it as is, so a
 * compressed body is decoded here and its encoding header dropped (a bomb stops at the cap).
 */
function decoded(body: Buffer, headers: Record<string, string>): Buffer {
  const encoding = headers['content-encoding']?.toLowerCase().trim();
  if (!encoding || encoding === 'identity') return body;
  delete headers['content-encoding'];
  delete headers['content-length'];
  const options = { maxOutputLength: 64 * 1024 * 1024 };
  try {
    if (encoding === 'gzip' || encoding === 'x-gzip') return zlib.gunzipSync(body, options);
    if (encoding === 'deflate') return zlib.inflateSync(body, options);
    if (encoding === 'br') return zlib.brotliDecompressSync(body, options);
  } catch {
    // Recorded decoded already (as linksnap does) while the header stayed: the body is usable as is.
  }
  return body;
}
