// Splits an MHTML document (RFC 2557 multipart/related, as written by Chromium's
// Page.captureSnapshot) into its parts. Written here rather than taken from npm: the format Blink
// writes is small and regular (headers, a boundary, quoted-printable or base64 bodies), and the
// MHTML packages on npm are unmaintained or pull in a whole mail stack.
import { InvalidInputError } from '../../errors.js';

export interface MhtmlPart {
  /** Lower-cased MIME type without parameters, e.g. `text/html`. */
  mime: string;
  charset: string | null;
  /** Content-Location as written (an absolute URL or a `cid:` URL). */
  location: string | null;
  /** Content-ID without the angle brackets. */
  contentId: string | null;
  body: Buffer;
}

export interface MhtmlDocument {
  /** URL of the page that was saved (Snapshot-Content-Location), when present. */
  url: string | null;
  /** When the snapshot was taken (the Date header), as written. */
  date: string | null;
  parts: MhtmlPart[];
}

export function parseMhtml(mhtml: string): MhtmlDocument {
  const headerEnd = findBlankLine(mhtml, 0);
  if (headerEnd.at < 0) throw new InvalidInputError('MHTML has no header block: the snapshot is truncated or not MHTML');
  const headers = parseHeaders(mhtml.slice(0, headerEnd.at));
  const contentType = headers.get('content-type') ?? '';
  const boundary = headerParam(contentType, 'boundary');
  if (!/^multipart\//i.test(contentType) || !boundary) {
    throw new InvalidInputError(`MHTML is not multipart (Content-Type: ${contentType.slice(0, 80) || 'missing'})`);
  }
  const delimiter = `--${boundary}`;
  const parts: MhtmlPart[] = [];
  let cursor = mhtml.indexOf(delimiter, headerEnd.next);
  while (cursor >= 0) {
    let start = cursor + delimiter.length;
    if (mhtml.startsWith('--', start)) break; // closing delimiter
    start = skipLineEnd(mhtml, start);
    let end = mhtml.indexOf(`\n${delimiter}`, start);
    if (end < 0) end = mhtml.length;
    const bodyEnd = end > start && mhtml[end - 1] === '\r' ? end - 1 : end;
    const part = parsePart(mhtml.slice(start, bodyEnd));
    if (part) parts.push(part);
    cursor = end < mhtml.length ? end + 1 : -1;
  }
  return { url: headers.get('snapshot-content-location') ?? null, date: headers.get('date') ?? null, parts };
}

function parsePart(raw: string): MhtmlPart | null {
  const split = findBlankLine(raw, 0);
  if (split.at < 0) return null;
  const headers = parseHeaders(raw.slice(0, split.at));
  const contentType = headers.get('content-type') ?? 'application/octet-stream';
  const encoding = (headers.get('content-transfer-encoding') ?? '').trim().toLowerCase();
  const text = raw.slice(split.next);
  let body: Buffer;
  if (encoding === 'base64') body = Buffer.from(text, 'base64');
  else if (encoding === 'quoted-printable') body = decodeQuotedPrintable(text);
  else body = Buffer.from(text, 'latin1'); // 7bit / 8bit / binary: characters are bytes
  const contentId = headers.get('content-id')?.trim().replace(/^<|>$/g, '') ?? null;
  return {
    mime: contentType.split(';')[0].trim().toLowerCase(),
    charset: headerParam(contentType, 'charset'),
    location: headers.get('content-location')?.trim() ?? null,
    contentId,
    body,
  };
}

function findBlankLine(text: string, from: number): { at: number; next: number } {
  const crlf = text.indexOf('\r\n\r\n', from);
  const lf = text.indexOf('\n\n', from);
  if (crlf >= 0 && (lf < 0 || crlf <= lf)) return { at: crlf, next: crlf + 4 };
  if (lf >= 0) return { at: lf, next: lf + 2 };
  return { at: -1, next: -1 };
}

function skipLineEnd(text: string, at: number): number {
  while (at < text.length && (text[at] === ' ' || text[at] === '\t')) at++;
  if (text[at] === '\r') at++;
  if (text[at] === '\n') at++;
  return at;
}

/** RFC 5322 headers with folded continuation lines; names lower-cased, first occurrence wins. */
function parseHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  const unfolded = block.replace(/\r?\n[ \t]+/g, ' ');
  for (const line of unfolded.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
  }
  return headers;
}

function headerParam(value: string, name: string): string | null {
  const match = new RegExp(`(?:^|;)\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(value);
  return match ? (match[1] ?? match[2] ?? null) : null;
}

const HexValue = (code: number): number => {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 70) return code - 55;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
};

/** Quoted-printable to bytes: `=XX` escapes and `=` soft line breaks. */
export function decodeQuotedPrintable(text: string): Buffer {
  const out = Buffer.allocUnsafe(text.length);
  let length = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const code = text.charCodeAt(i);
    if (code === 61 /* = */) {
      const next = text.charCodeAt(i + 1);
      if (next === 13 /* \r */ && text.charCodeAt(i + 2) === 10) {
        i += 2;
        continue;
      }
      if (next === 10 /* \n */) {
        i += 1;
        continue;
      }
      const hi = HexValue(next);
      const lo = HexValue(text.charCodeAt(i + 2));
      if (hi >= 0 && lo >= 0) {
        out[length++] = (hi << 4) | lo;
        i += 2;
        continue;
      }
    }
    out[length++] = code & 0xff;
  }
  return out.subarray(0, length);
}
