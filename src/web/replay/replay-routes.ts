// The web page's side of replay: /s/:id/replay, the frame the snapshot view's Replay tab shows,
// which frames the viewer on the replay origin through the snapshot's signed link.
import { NotFoundError } from '../../core/errors.js';
import { sendHtml } from '../http-io.js';
import type { Router } from '../router.js';
import { checkId, snapshotGrant, type WebContext, type WebDeps } from '../web-context.js';
import { replayFrameCsp, replayFramePage } from './replay-page.js';
import type { ReplayServer } from './replay-server.js';

export function registerReplayRoutes(router: Router<WebContext>, deps: WebDeps, replay: ReplayServer): void {
  router.on('GET', '/s/:id/replay', async (ctx) => {
    const id = checkId(ctx.params.id);
    const grant = snapshotGrant(ctx, deps, id);
    const snapshot = await deps.service.getSnapshotById(id);
    if (!deps.service.artifact(snapshot, 'wacz')) throw new NotFoundError('web archive (WACZ) of snapshot', id);
    // A signed link passes on its own signature (and expiry); a signed-in reader gets a fresh one.
    const viewerUrl = replay.viewerUrl(id, grant ?? deps.signer.query(id));
    sendHtml(ctx.res, 200, replayFramePage({ viewerUrl, title: snapshot.title?.trim() || snapshot.url, lang: ctx.locale, t: ctx.t }), {
      'content-security-policy': replayFrameCsp(replay.origin()),
    });
  });
}
