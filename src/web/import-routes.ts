// Importing a bookmark file over the web: POST /api/import (multipart/form-data, for scripts and the
// page script) and POST /import (the home page's upload form, answered with the home page and the
// import's summary). Both behind the API token like every other write to a workspace. The upload is
// read as a stream and cut off at the import's size cap, so an endless body never fills memory.
import type http from 'node:http';
import busboy from 'busboy';
import { LinksnapError, TooLargeError } from '../core/errors.js';
import type { ImportReport } from '../core/import-links.js';
import { MaxImportBytes } from '../core/import/index.js';
import { errorMessage } from '../core/chat/present.js';
import { parseTagList } from '../core/tags.js';
import { workspaceRef } from './api-routes.js';
import { sendJson } from './http-io.js';
import { renderHome } from './page-routes.js';
import type { Router } from './router.js';
import { checkWorkspaceId, requireAuth, type WebContext, type WebDeps } from './web-context.js';
import { BadRequestError } from './web-errors.js';

/** The file's cap plus room for the form fields and multipart framing. */
export const MaxImportUploadBytes = MaxImportBytes + 64 * 1024;

export interface ImportUpload {
  fileName: string;
  data: Buffer;
  /** The other fields, each name with every value given. */
  fields: Map<string, string[]>;
}

export function registerImportRoutes(router: Router<WebContext>, deps: WebDeps): void {
  router.on('POST', '/api/import', async (ctx) => {
    requireAuth(ctx);
    const upload = await readImportUpload(ctx.req);
    const workspace = await workspaceRef(deps, checkWorkspaceId(field(upload, 'workspace')));
    const report = await runImport(deps, upload, workspace);
    sendJson(ctx.res, 200, report);
  });

  // Without scripts too: the form posts here and the home page comes back with what happened.
  router.on('POST', '/import', async (ctx) => {
    requireAuth(ctx);
    let upload: ImportUpload;
    try {
      upload = await readImportUpload(ctx.req);
      const report = await runImport(deps, upload, await workspaceRef(deps, ctx.pageWorkspace));
      await renderHome(ctx, deps, 200, {}, { report, fileName: upload.fileName });
    } catch (error) {
      if (!(error instanceof LinksnapError) || error.code === 'internal') throw error;
      const status = error instanceof TooLargeError ? 413 : 400;
      await renderHome(ctx, deps, status, {}, { error: errorMessage(ctx.locale, error) }, status === 413 ? { connection: 'close' } : {});
    }
  });
}

async function runImport(deps: WebDeps, upload: ImportUpload, workspace: Awaited<ReturnType<typeof workspaceRef>>): Promise<ImportReport> {
  const report = await deps.service.importLinks({
    fileName: upload.fileName,
    data: upload.data,
    tags: (upload.fields.get('tags') ?? []).flatMap((value) => parseTagList(value)),
    capture: isOn(field(upload, 'capture')),
    workspace,
    requester: { id: 'local', name: 'web' },
    platform: 'web',
  });
  deps.logger({ level: 'info', context: 'web', message: 'Links imported from the web', details: { file: upload.fileName, workspace: workspace.id, added: report.added, queued: report.queued } });
  return report;
}

function field(upload: ImportUpload, name: string): string | null {
  return upload.fields.get(name)?.[0] ?? null;
}

/** A checkbox ("on", "1") or a script's "true". */
function isOn(value: string | null): boolean {
  return value !== null && ['1', 'on', 'true', 'yes'].includes(value.trim().toLowerCase());
}

/**
 * Reads a multipart/form-data upload with one file (field `file`) and a few short fields. Refused
 * with TooLargeError as soon as the declared length or the bytes received pass the cap; the rest
 * of such a body is never kept.
 */
export function readImportUpload(req: http.IncomingMessage): Promise<ImportUpload> {
  const type = String(req.headers['content-type'] ?? '');
  if (!/^multipart\/form-data\b/i.test(type)) {
    req.resume();
    return Promise.reject(new BadRequestError(`Send the file as multipart/form-data, in a field named "file" (got ${type || 'no content type'})`));
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > MaxImportUploadBytes) {
    req.resume();
    return Promise.reject(new TooLargeError('The file', MaxImportBytes));
  }
  return new Promise<ImportUpload>((resolve, reject) => {
    let settled = false;
    let file: { fileName: string; data: Buffer } | null = null;
    const fields = new Map<string, string[]>();
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fileSize: MaxImportBytes, files: 1, fields: 20, fieldSize: 16 * 1024, parts: 24 } });
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
      if (received > MaxImportUploadBytes) fail(new TooLargeError('The file', MaxImportBytes));
    });
    parser.on('file', (name, stream, info) => {
      if (name !== 'file' || file) {
        stream.resume();
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => fail(new TooLargeError('The file', MaxImportBytes)));
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
      if (!file) reject(new BadRequestError('Choose a file to import (the form field "file")'));
      else resolve({ ...file, fields });
    });
    req.pipe(parser);
  });
}
