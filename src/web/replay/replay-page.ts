// The pages around ReplayWeb.page: the viewer on the replay origin (its <replay-web-page> element
// loading one snapshot's WACZ), the index its service worker also serves, and the small page on
// the web page's origin that frames the viewer.
import type { Snapshot } from '../../core/types.js';
import { html, type SafeHtml } from '../html.js';
import type { Translate } from '../messages.js';

/**
 * The Content-Security-Policy ReplayWeb.page puts on every replayed response (its `csp` setting).
 * Its default also allows ws: and wss:, a way out to the live web; this one keeps archived pages on
 * the replay origin, where the service worker answers only from the archive.
 */
export const ReplayedPageCsp = "default-src 'unsafe-eval' 'unsafe-inline' 'self' data: blob: mediastream:; form-action 'self'; object-src 'none'";

/** Archived scripts run in this frame: no popups, no navigating the web page, no downloads. */
export const ReplayFrameSandbox = 'allow-scripts allow-same-origin allow-forms';

export interface ViewerPageData {
  snapshot: Snapshot;
  /** `/wacz/<id>.wacz?sig=…`: the archive, on this origin. */
  waczPath: string;
  /** The replay origin, for links the viewer makes to open a replayed page on its own. */
  origin: string;
  t: Translate;
}

export function viewerPage({ snapshot, waczPath, origin, t }: ViewerPageData): SafeHtml {
  const config = JSON.stringify({ csp: ReplayedPageCsp, liveRedirectOnNotFound: false });
  const title = snapshot.title?.trim() || snapshot.url;
  // embed="replayonly": the page alone, since the snapshot view around it already names the
  // address and time. newwindowbase: "open in a new window" stays here instead of linking the
  // signed WACZ URL to replayweb.page.
  return html`<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${t('replay.title')}: ${title}</title>
<style>html, body { margin: 0; height: 100%; } replay-web-page { display: block; width: 100%; height: 100%; }</style>
<script src="/replay/ui.js"></script>
</head><body>
<replay-web-page source="${waczPath}" url="${snapshot.finalUrl ?? snapshot.url}" ts="${timestamp14(snapshot.capturedAt ?? snapshot.createdAt)}" replaybase="/replay/" embed="replayonly" newwindowbase="${origin}/replay/" config="${config}"></replay-web-page>
<noscript><p>${t('replay.needsScripts')}</p></noscript>
</body></html>`;
}

/** The same page ReplayWeb.page's service worker serves for its scope (`serveIndex`). */
export function replayIndexPage(): SafeHtml {
  return html`<!doctype html>
<html><head><meta charset="utf-8"><script src="./ui.js"></script></head>
<body><replay-app-main></replay-app-main></body></html>`;
}

/**
 * The web page's frame around the viewer. Only this page may frame the replay origin (its own CSP
 * says so), so every other page of ours keeps `frame-src 'self'`.
 */
export function replayFramePage(data: { viewerUrl: string; title: string; lang: string; t: Translate }): SafeHtml {
  return html`<!doctype html>
<html lang="${data.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${data.t('replay.title')}: ${data.title}</title>
<link rel="stylesheet" href="/assets/style.css">
</head><body class="replay-frame">
<iframe id="replay-viewer" src="${data.viewerUrl}" title="${data.t('replay.title')}: ${data.title}" sandbox="${ReplayFrameSandbox}" referrerpolicy="no-referrer" allow="fullscreen"></iframe>
</body></html>`;
}

export function replayFrameCsp(replayOrigin: string): string {
  return `default-src 'none'; style-src 'self'; frame-src ${replayOrigin}; base-uri 'none'; form-action 'none'; frame-ancestors 'self'`;
}

/** ReplayWeb.page's `ts`: 14 digits, UTC. */
export function timestamp14(iso: string): string {
  return new Date(iso).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}
