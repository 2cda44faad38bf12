// Reads a multipart/form-data upload holding one file (field `file`) and a few short fields, for
// the import form and "upload your own". The body is read as a stream and refused with
// TooLargeError as soon as its declared length or the bytes received pass the cap.
import type http from 'node:http';
import busboy from 'busboy';
import { type LinksnapError, TooLargeError } from '../core/errors.js';
import { BadRequestError } from './web-errors.js';

export interface FileUpload {
  fileName: string;
  data: Buffer;
  /** The other fields, each name with every value given. */
  fields: Map<string, string[]>;
}

export interface UploadLimits {
  maxFileBytes: number;
  /** The whole body: the file plus room for the fields and the multipart framing. */
  maxBodyBytes: number;
  /** What to say when no file came. */
  missing: string;
}

/**
 * Reads a multipart/form-data upload with one file (field `file`) and a few short fields. Refused
 * with TooLargeError as soon as the declared length or the bytes received pass the cap; the rest
 * of such a body is never kept.
 */
export function readFileUpload(req: http.IncomingMessage, limits: UploadLimits): Promise<FileUpload> {
  const { maxFileBytes, maxBodyBytes } = limits;
  const type = String(req.headers['content-type'] ?? '');
  if (!/^multipart\/form-data\b/i.test(type)) {
    req.resume();
    return Promise.reject(new BadRequestError(`Send the file as multipart/form-data, in a field named "file" (got ${type || 'no content type'})`));
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBodyBytes) {
    req.resume();
    return Promise.reject(new TooLargeError('The file', maxFileBytes));
  }
  return new Promise<FileUpload>((resolve, reject) => {
    let settled = false;
    let file: { fileName: string; data: Buffer } | null = null;
    const fields = new Map<string, string[]>();
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fileSize: maxFileBytes, files: 1, fields: 20, fieldSize: 16 * 1024, parts: 24 } });
    } catch (error) {
      req.resume();
      reject(new BadRequestError(`The upload is not valid multipart/form-data: ${(error as Error).message}`));
      return;
    }
    const fail = (error: LinksnapError) => {
      if (settled) return;
      settled = true;
      req.unpipe(parser);
      // Drained, not kept: the answer goes out now and the connection closes after it.
      req.resume();
      reject(error);
    };
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBodyBytes) fail(new TooLargeError('The file', maxFileBytes));
    });
    parser.on('file', (name, stream, info) => {
      if (name !== 'file' || file) {
        stream.resume();
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => fail(new TooLargeError('The file', maxFileBytes)));
      stream.on('end', () => {
        if (!settled && !(stream as { truncated?: boolean }).truncated) file = { fileName: info.filename || 'upload', data: Buffer.concat(chunks) };
      });
    });
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) return fail(new BadRequestError(`The field "${name}" is too long`));
      fields.set(name, [...(fields.get(name) ?? []), value]);
    });
    parser.on('partsLimit', () => fail(new BadRequestError('The upload has too many parts: send one file and a few fields')));
    parser.on('fieldsLimit', () => fail(new BadRequestError('The upload has too many fields')));
    parser.on('error', (error: Error) => fail(new BadRequestError(`The upload is not valid multipart/form-data: ${error.message}`)));
    parser.on('close', () => {
      if (settled) return;
      settled = true;
      if (!file) reject(new BadRequestError(limits.missing));
      else resolve({ ...file, fields });
    });
    req.pipe(parser);
  });
}
