// Importing a bookmark file over the web: POST /api/import (multipart/form-data, for scripts and the
// page script) and POST /import (the home page's upload form, answered with the home page and the
// import's summary). Both behind the API token like every other write to a workspace. The upload is
// read as a stream and cut off at the import's size cap, so an endless body never fills memory.
import type http from 'node:http';
import { LinksnapError, TooLargeError } from '../core/errors.js';
import { readFileUpload, type FileUpload } from './multipart-upload.js';
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

export type ImportUpload = FileUpload;

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

/** The import's file (field `file`) and its fields, within the import's cap. */
export function readImportUpload(req: http.IncomingMessage): Promise<ImportUpload> {
  return readFileUpload(req, { maxFileBytes: MaxImportBytes, maxBodyBytes: MaxImportUploadBytes, missing: 'Choose a file to import (the form field "file")' });
}
