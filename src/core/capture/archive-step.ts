// Makes the single-file HTML archive from the MHTML. The converter lives in archive/ (owned by
// the extraction work); until it is in the tree the archive is left out with a logged reason
// rather than faked.
import { LinksnapError, ErrorCode } from '../errors.js';

type Converter = (mhtml: string, opts: { maxBytes: number }) => string;
let converter: Converter | null | undefined;

export async function mhtmlToArchive(mhtml: string, maxBytes: number): Promise<string> {
  if (converter === undefined) {
    const modulePath = './archive/mhtml-to-html.js';
    converter = await import(modulePath).then((m: { mhtmlToHtml: Converter }) => m.mhtmlToHtml).catch(() => null);
  }
  if (!converter) throw new LinksnapError(ErrorCode.Internal, 'The MHTML to HTML converter (capture/archive/mhtml-to-html.ts) is not available');
  return converter(mhtml, { maxBytes });
}
