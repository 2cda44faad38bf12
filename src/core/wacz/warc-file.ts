// One WARC 1.1 file of a capture, written with warcio: a warcinfo record, then a response and a
// request record per exchange, then resource records for the screenshot (urn:view:) and the
// readable text (urn:text:), the names Webrecorder's tools give them. Each record is its own gzip
// member, so a reader can seek to any one; the CDXJ index is made as the records are written,
// from the offsets we already know, instead of parsing the finished file again.
import { createHash } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { WARCRecord, WARCSerializer, WARC_1_1, getSurt } from 'warcio';
import type { RecordedExchange } from '../capture/response-recorder.js';

const gzip = promisify(zlib.gzip);

export interface CdxjEntry {
  urlkey: string;
  /** 14 digits, UTC. */
  timestamp: string;
  fields: { url: string; mime: string; status?: string; digest: string; length: string; offset: string; filename: string };
}

export interface WarcFile {
  name: string;
  data: Buffer;
  index: CdxjEntry[];
}

export interface WarcInfo {
  software: string;
  /** What the file holds, e.g. the page's URL. */
  description: string;
}

export class WarcFileWriter {
  readonly #name: string;
  readonly #members: Buffer[] = [];
  readonly #index: CdxjEntry[] = [];
  #offset = 0;

  constructor(name: string) {
    this.#name = name;
  }

  async addWarcinfo(info: WarcInfo, date: Date): Promise<void> {
    const record = WARCRecord.createWARCInfo(
      { filename: this.#name, warcVersion: WARC_1_1, date: date.toISOString() },
      { software: info.software, format: 'WARC File Format 1.1', description: info.description },
    );
    await this.#write(record);
  }

  /** The response (indexed), then its request, linked by WARC-Concurrent-To. */
  async addExchange(exchange: RecordedExchange): Promise<void> {
    const date = exchange.date.toISOString();
    const response = WARCRecord.create(
      {
        url: exchange.url,
        date,
        type: 'response',
        warcVersion: WARC_1_1,
        statusline: `HTTP/1.1 ${exchange.status} ${exchange.statusText || reasonPhrase(exchange.status)}`,
        httpHeaders: exchange.responseHeaders,
      },
      [exchange.body],
    );
    const offset = this.#offset;
    const mime = headerOf(exchange.responseHeaders, 'content-type')?.split(';')[0].trim().toLowerCase() || 'unk';
    const length = await this.#write(response, compressible(mime), exchange.body);
    this.#indexRecord(response, exchange.url, exchange.date, { mime, status: String(exchange.status), offset, length });

    const path = new URL(exchange.url);
    const request = WARCRecord.create(
      {
        url: exchange.url,
        date,
        type: 'request',
        warcVersion: WARC_1_1,
        warcHeaders: { 'WARC-Concurrent-To': response.warcHeaders.headers.get('WARC-Record-ID') ?? '' },
        statusline: `${exchange.method} ${path.pathname}${path.search} HTTP/1.1`,
        httpHeaders: exchange.requestHeaders,
      },
      exchange.postData === null ? [] : [Buffer.from(exchange.postData, 'utf8')],
    );
    await this.#write(request);
  }

  /** A file that is not an HTTP exchange, such as `urn:view:<url>` for the screenshot. */
  async addResource(url: string, mime: string, data: Buffer, date: Date): Promise<void> {
    const record = WARCRecord.create(
      { url, date: date.toISOString(), type: 'resource', warcVersion: WARC_1_1, warcHeaders: { 'Content-Type': mime } },
      [data],
    );
    const offset = this.#offset;
    const length = await this.#write(record, compressible(mime), data);
    this.#indexRecord(record, url, date, { mime, offset, length });
  }

  finish(): WarcFile {
    return { name: this.#name, data: Buffer.concat(this.#members), index: this.#index };
  }

  /**
   * warcio writes the record (headers, digests); Node's zlib makes its gzip member on the thread
   * pool, off the event loop. Images, fonts and media are compressed already: their members are
   * stored (level 0, still valid gzip), which halves what packaging costs on a typical page.
   */
  async #write(record: WARCRecord, compress = true, body?: Buffer): Promise<number> {
    if (body) presetDigests(record, body);
    const raw = await WARCSerializer.serialize(record, { gzip: false });
    const bytes = await gzip(raw, { level: compress ? 6 : 0 });
    this.#members.push(bytes);
    this.#offset += bytes.length;
    return bytes.length;
  }

  #indexRecord(record: WARCRecord, url: string, date: Date, at: { mime: string; status?: string; offset: number; length: number }): void {
    this.#index.push({
      urlkey: getSurt(url),
      timestamp: warcTimestamp(date),
      fields: {
        url,
        mime: at.mime,
        ...(at.status ? { status: at.status } : {}),
        digest: record.warcPayloadDigest ?? '',
        length: String(at.length),
        offset: String(at.offset),
        filename: this.#name,
      },
    });
  }
}

/** CDXJ lines sorted as replay tools binary-search them: by SURT key, then time. */
export function cdxjLines(entries: Iterable<CdxjEntry>): string[] {
  return [...entries]
    .map((entry) => `${entry.urlkey} ${entry.timestamp} ${JSON.stringify(entry.fields)}`)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function warcTimestamp(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/**
 * The payload and block digests warcio would compute with its WebAssembly SHA-256, computed with
 * Node's native one instead (warcio keeps digests it is given); the same values, for less CPU.
 */
function presetDigests(record: WARCRecord, body: Buffer): void {
  const payload = createHash('sha256').update(body);
  const block = createHash('sha256');
  if (record.httpHeaders) block.update(`${record.httpHeaders.toString()}\r\n`, 'utf8');
  block.update(body);
  record.warcHeaders.headers.set('WARC-Payload-Digest', `sha256:${payload.digest('hex')}`);
  record.warcHeaders.headers.set('WARC-Block-Digest', `sha256:${block.digest('hex')}`);
}

/** Text-like bodies shrink several times under gzip; everything else is left as it is. */
function compressible(mime: string): boolean {
  return /^(text\/|application\/(javascript|x-javascript|ecmascript|json|ld\+json|manifest\+json|xml|xhtml\+xml|rss\+xml|atom\+xml|wasm)|image\/svg\+xml|unk$)/.test(mime);
}

function headerOf(headers: Array<[string, string]>, name: string): string | undefined {
  return headers.find(([key]) => key.toLowerCase() === name)?.[1];
}

/** HTTP/2 responses have no reason phrase; WARC's HTTP/1.1 status line wants one. */
function reasonPhrase(status: number): string {
  return STATUS_CODES[status] ?? 'Unknown';
}
