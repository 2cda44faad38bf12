// Export files arrive as bytes from uploads and disk; most are UTF-8, some Windows tools write UTF-16 with a BOM.
import { TooLargeError } from '../errors.js';
import { MaxImportBytes } from './import-types.js';

/** The file's text, without a byte order mark; throws when it is over MaxImportBytes. */
export function decodeImportText(data: Buffer | string): string {
  if (typeof data === 'string') {
    if (Buffer.byteLength(data, 'utf8') > MaxImportBytes) throw new TooLargeError('The import file', MaxImportBytes);
    return data.replace(/^\uFEFF/u, '');
  }
  if (data.byteLength > MaxImportBytes) throw new TooLargeError('The import file', MaxImportBytes);
  if (data[0] === 0xff && data[1] === 0xfe) return new TextDecoder('utf-16le').decode(data.subarray(2));
  if (data[0] === 0xfe && data[1] === 0xff) return new TextDecoder('utf-16be').decode(data.subarray(2));
  // TextDecoder drops a UTF-8 BOM itself; bytes that are not UTF-8 become U+FFFD rather than failing the whole file.
  return new TextDecoder('utf-8').decode(data);
}
