// Turns a downloaded non-HTML file into a capture: the file itself as `original`, a thumbnail
// when it is an image sharp can read, and for a PDF its first page and its text (pdf-render.ts),
// so a shared PDF shows like a page in chat and is found by what it says.
import sharp from 'sharp';
import type { CaptureLimits } from '../../config.js';
import type { Logger } from '../logger.js';
import type { PageMetadata } from '../types.js';
import { EmptyMetadata } from './extract/extract-page.js';
import { poppler, renderPdf, type PopplerTools } from './pdf-render.js';
import type { CaptureOutput } from './types.js';

export interface FileCaptureContext {
  finalUrl: string;
  status: number;
  contentType: string;
  body: Buffer;
  filename: string | null;
  limits: Pick<CaptureLimits, 'thumbnailMaxWidth' | 'viewportWidth' | 'maxTextChars' | 'maxScreenshotBytes'>;
  logger: Logger;
  logDetails: Record<string, unknown>;
  /** poppler-utils; looked up once per process when left out, null for none. */
  poppler?: PopplerTools | null;
}

export type FileCaptureResult = Pick<CaptureOutput, 'metadata' | 'artifacts' | 'text' | 'dropped'>;

export async function captureFile(ctx: FileCaptureContext, signal: AbortSignal): Promise<FileCaptureResult> {
  const mime = ctx.contentType.split(';')[0].trim().toLowerCase();
  signal.throwIfAborted();
  if (isPdf(mime, ctx.body)) return capturePdf(ctx, signal);
  const artifacts: FileCaptureResult['artifacts'] = { original: { data: ctx.body, mime } };
  const dropped: FileCaptureResult['dropped'] = [];
  if (mime.startsWith('image/')) {
    try {
      artifacts.thumbnail = { data: await makeThumbnail(ctx.body, ctx.limits.thumbnailMaxWidth), mime: 'image/webp' };
    } catch (error) {
      dropped.push({ kind: 'thumbnail', reason: `image could not be decoded: ${(error as Error).message}` });
      ctx.logger({ level: 'info', context: 'capture', message: 'No thumbnail for an image sharp cannot read', details: { ...ctx.logDetails, mime, error } });
    }
  }
  const metadata: PageMetadata = { ...EmptyMetadata, title: ctx.filename };
  return { metadata, artifacts, text: ctx.filename ?? '', dropped };
}

/** By type, or by its header: servers often send PDFs as application/octet-stream. */
function isPdf(mime: string, body: Buffer): boolean {
  return mime === 'application/pdf' || mime === 'application/x-pdf' || body.subarray(0, 5).toString('latin1') === '%PDF-';
}

let warnedNoPoppler = false;

async function capturePdf(ctx: FileCaptureContext, signal: AbortSignal): Promise<FileCaptureResult> {
  const artifacts: FileCaptureResult['artifacts'] = { original: { data: ctx.body, mime: 'application/pdf' } };
  const dropped: FileCaptureResult['dropped'] = [];
  const metadata: PageMetadata = { ...EmptyMetadata, title: ctx.filename };
  const drop = (kinds: Array<'thumbnail' | 'screenshot' | 'text'>, reason: string) => {
    for (const kind of kinds) dropped.push({ kind, reason });
  };
  const tools = ctx.poppler === undefined ? poppler() : ctx.poppler;
  if (!tools) {
    // Set-up installs poppler-utils where apt exists; elsewhere the PDF is still kept, as before.
    drop(['thumbnail', 'screenshot', 'text'], 'poppler-utils is not installed, so PDFs get no preview or text (apt-get install poppler-utils)');
    if (!warnedNoPoppler) {
      warnedNoPoppler = true;
      ctx.logger({ level: 'warn', context: 'capture', message: 'poppler-utils is not installed: PDFs are kept without a thumbnail or searchable text', details: { ...ctx.logDetails } });
    }
    ctx.logger({ level: 'info', context: 'capture', message: 'Kept a PDF without preview or text (no poppler-utils)', details: { ...ctx.logDetails } });
    return { metadata, artifacts, text: ctx.filename ?? '', dropped };
  }

  const pdf = await renderPdf(
    ctx.body,
    { tools, longSidePx: ctx.limits.viewportWidth, maxImageBytes: ctx.limits.maxScreenshotBytes, maxTextChars: ctx.limits.maxTextChars },
    signal,
  );
  if (pdf.firstPage) {
    // The whole first page, its longer side the viewport's width: the snapshot page shows it where
    // a web page's screenshot goes, and the thumbnail made from it is what chat cards show.
    artifacts.screenshot = { data: pdf.firstPage, mime: 'image/png' };
    try {
      artifacts.thumbnail = { data: await makeThumbnail(pdf.firstPage, ctx.limits.thumbnailMaxWidth), mime: 'image/webp' };
    } catch (error) {
      drop(['thumbnail'], `sharp could not read the rendered first page: ${(error as Error).message}`);
    }
  } else {
    drop(['thumbnail', 'screenshot'], pdf.imageProblem ?? 'the first page could not be rendered');
  }
  if (pdf.text) artifacts.text = { data: Buffer.from(pdf.text, 'utf8'), mime: 'text/plain; charset=utf-8' };
  else drop(['text'], pdf.textProblem ?? 'no text could be read');

  metadata.title = pdf.title ?? firstLine(pdf.text) ?? ctx.filename;
  metadata.author = pdf.author;
  const details = { ...ctx.logDetails, pages: pdf.pages, bytes: ctx.body.length, ms: pdf.ms, textChars: pdf.text?.length ?? 0 };
  if (dropped.length) {
    ctx.logger({ level: 'info', context: 'capture', message: 'Kept a PDF with parts left out', details: { ...details, dropped } });
  } else {
    ctx.logger({ level: 'debug', context: 'capture', message: 'Rendered a PDF with poppler', details });
  }
  return { metadata, artifacts, text: pdf.text ?? ctx.filename ?? '', dropped };
}

/** A title for a PDF without one in its metadata: its first line, when it reads like a heading. */
function firstLine(text: string | null): string | null {
  const line = text?.split('\n', 1)[0].replace(/\s+/g, ' ').trim();
  return line && line.length <= 200 && /\p{L}/u.test(line) ? line : null;
}

/** A small WebP at most `maxWidth` wide: tens of KB, for chat embeds and lists. */
export async function makeThumbnail(image: Buffer, maxWidth: number): Promise<Buffer> {
  return sharp(image, { limitInputPixels: 268_402_689, failOn: 'none' })
    .rotate()
    .resize({ width: maxWidth, height: maxWidth * 3, fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 70, effort: 2 })
    .toBuffer();
}
