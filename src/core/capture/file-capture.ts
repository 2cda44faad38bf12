// Turns a downloaded non-HTML file into a capture: the file itself as `original`, and a
// thumbnail when it is an image sharp can read.
import sharp from 'sharp';
import type { CaptureLimits } from '../../config.js';
import type { Logger } from '../logger.js';
import type { PageMetadata } from '../types.js';
import { EmptyMetadata } from './extract/extract-page.js';
import type { CaptureOutput } from './types.js';

export interface FileCaptureContext {
  finalUrl: string;
  status: number;
  contentType: string;
  body: Buffer;
  filename: string | null;
  limits: Pick<CaptureLimits, 'thumbnailMaxWidth'>;
  logger: Logger;
  logDetails: Record<string, unknown>;
}

export type FileCaptureResult = Pick<CaptureOutput, 'metadata' | 'artifacts' | 'text' | 'dropped'>;

export async function captureFile(ctx: FileCaptureContext, signal: AbortSignal): Promise<FileCaptureResult> {
  const mime = ctx.contentType.split(';')[0].trim().toLowerCase();
  const artifacts: FileCaptureResult['artifacts'] = { original: { data: ctx.body, mime } };
  const dropped: FileCaptureResult['dropped'] = [];
  signal.throwIfAborted();
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

/** A small WebP at most `maxWidth` wide: tens of KB, for chat embeds and lists. */
export async function makeThumbnail(image: Buffer, maxWidth: number): Promise<Buffer> {
  return sharp(image, { limitInputPixels: 268_402_689, failOn: 'none' })
    .rotate()
    .resize({ width: maxWidth, height: maxWidth * 3, fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 70, effort: 2 })
    .toBuffer();
}
