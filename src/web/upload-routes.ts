// "Upload your own" over the web: the page someone saved in their own browser, for a snapshot whose
// capture failed or came out incomplete. POST /api/snapshots/:id/upload (multipart field `file`, or
// the file as the raw body, for scripts) answers with the new version; POST /s/:id/upload is the
// snapshot view's form, answered with the new version's page. Either with the token or with the
// snapshot's signed link, the one a chat card carries to the person who shared it. The upload works
// once: only the newest version takes one (core/service.ts).
import type { Snapshot } from '../core/types.js';
import { readBody, redirect, sendJson } from './http-io.js';
import { readFileUpload } from './multipart-upload.js';
import type { Router } from './router.js';
import { snapshotJson } from './snapshot-json.js';
import { checkId, snapshotGrant, type WebContext, type WebDeps } from './web-context.js';

/** Room for the form's other fields and the multipart framing around the file. */
const FormOverheadBytes = 64 * 1024;

export function registerUploadRoutes(router: Router<WebContext>, deps: WebDeps): void {
  router.on('POST', '/api/snapshots/:id/upload', async (ctx) => {
    const { version, grant } = await upload(ctx, deps);
    sendJson(ctx.res, 202, { snapshot: snapshotJson(version, grant) });
  });
  router.on('POST', '/s/:id/upload', async (ctx) => {
    const { version, grant } = await upload(ctx, deps);
    redirect(ctx.res, `/s/${encodeURIComponent(version.id)}${grant ? `?${grant}` : ''}`);
  });
}

async function upload(ctx: WebContext, deps: WebDeps): Promise<{ version: Snapshot; grant: string | null }> {
  const id = checkId(ctx.params.id);
  const signed = snapshotGrant(ctx, deps, id);
  const maxBytes = deps.config.maxUploadBytes;
  let data: Buffer;
  let name: string | null = null;
  if (/^multipart\/form-data\b/i.test(String(ctx.req.headers['content-type'] ?? ''))) {
    const form = await readFileUpload(ctx.req, { maxFileBytes: maxBytes, maxBodyBytes: maxBytes + FormOverheadBytes, missing: 'Choose the saved page to upload (the form field "file")' });
    data = form.data;
    name = form.fields.get('name')?.[0]?.trim().slice(0, 80) || null;
  } else {
    data = await readBody(ctx.req, maxBytes);
  }
  const version = await deps.service.uploadVersion({ snapshotId: id, data, uploadedBy: await uploader(deps, id, signed !== null, name) });
  // The signed link opened this snapshot only; the uploader gets one for the version they made.
  return { version, grant: signed ? deps.signer.query(version.id) : null };
}

/**
 * Through a signed link, the person the chat card answered: the link's first sharer. With the
 * token, the name the form gave, else the web page.
 */
async function uploader(deps: WebDeps, snapshotId: string, signed: boolean, name: string | null): Promise<string> {
  if (!signed) return name ?? 'the web page';
  const snapshot = await deps.service.getSnapshotById(snapshotId);
  const share = await deps.service.firstShare(snapshot.workspaceId, snapshot.linkId);
  return share?.userName ?? share?.userId ?? 'someone with the snapshot link';
}
