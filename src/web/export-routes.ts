// GET /api/export?tag=…&q=…&workspace=…&format=wacz: the matching links in one download, streamed
// as it is made. Behind the API token like every list of a workspace's links.
import { exportFileName, ExportFormats, exportFormat, exportTitle } from '../core/export-formats.js';
import type { Router } from './router.js';
import { findQueryFrom } from './api-routes.js';
import { requireAuth, type WebContext, type WebDeps } from './web-context.js';
import { BadRequestError } from './web-errors.js';

export function registerExportRoutes(router: Router<WebContext>, deps: WebDeps): void {
  router.on('GET', '/api/export', async (ctx) => {
    requireAuth(ctx);
    const params = ctx.url.searchParams;
    const format = exportFormat(params.get('format'));
    if (!format) throw new BadRequestError(`format must be one of ${Object.keys(ExportFormats).join(', ')}`);
    if (!params.has('q') && params.has('text')) params.set('q', params.get('text') ?? '');
    const found = findQueryFrom(params);
    const query = { workspaceId: found.workspaceId, tags: found.tags, text: found.text, viewer: null };
    const name = exportFileName(query, format);
    ctx.res.writeHead(200, {
      'content-type': format.mime,
      'content-disposition': `attachment; filename="${name.replace(/[^\x20-\x7e]|"/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    try {
      await format.write(deps.service, query, ctx.res, exportTitle(query));
    } catch (error) {
      // The status is gone already: cut the response, so the download fails instead of ending in a
      // zip that looks whole and is not.
      deps.logger({ level: 'error', context: 'web', message: 'An export failed while streaming', details: { error, query } });
      ctx.res.destroy(error as Error);
    }
  });
}
