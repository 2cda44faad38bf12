// The snapshot view: everything needed to see what a page said and to prove it later —
// screenshot, the archived page in a sandboxed frame, readable text, metadata, every version,
// and each file with its SHA-256 and the capture time; how it changed since the version before,
// whether its address died, the watch that captures it again, and links to compare versions.
import { describeError, type Locale } from '../../core/i18n.js';
import { formatBytes } from '../../core/errors.js';
import type { ArtifactKind, Link, Share, Snapshot, Watch } from '../../core/types.js';
import { displayHost } from '../../core/url.js';
import { html, raw } from '../html.js';
import { artifactPath } from '../snapshot-json.js';
import type { Translate } from '../messages.js';
import { deadInfo, everyText, tagChip } from './snapshot-card.js';
import { layout, time, timeText, type LayoutOptions } from './layout.js';

export interface SnapshotPageData {
  snapshot: Snapshot;
  link: Link;
  versions: Snapshot[];
  shares: Share[];
  /** The readable text (possibly cut short) and whether it was cut. */
  text: { content: string; truncated: boolean } | null;
  /** `sig=…` when opened through a signed link: appended to file URLs; editing is hidden. */
  grant: string | null;
  /** Every watch of the link (empty through a signed link, which shows no controls). */
  watches: Watch[];
  /** What the watch form re-shows after a refused schedule. */
  watchForm?: WatchFormState;
  /** Offer "upload your own": the newest version, and its capture failed or came out incomplete. */
  uploadable?: boolean;
}

export interface WatchFormState {
  every: string;
  cron: string;
  error: string | null;
}

const EveryChoices = ['hourly', 'daily', 'weekly'] as const;

const DownloadOrder: ArtifactKind[] = ['archive', 'wacz', 'mhtml', 'screenshot', 'fullpage', 'text', 'visibleText', 'original', 'thumbnail'];

export function snapshotPage(options: Omit<LayoutOptions, 'title' | 'active'>, data: SnapshotPageData) {
  const { t, locale } = options;
  const { snapshot, link, grant } = data;
  const file = (kind: ArtifactKind) => artifactPath(snapshot.id, kind) + (grant ? `?${grant}` : '');
  const title = snapshot.title?.trim() || t('untitled');
  const pending = snapshot.status === 'queued' || snapshot.status === 'capturing';
  const isHtmlArchive = Boolean(snapshot.artifacts.archive);
  // Older snapshots and LINKSNAP_WACZ=0 have no WACZ: the static archive alone, as before. A
  // file's one-response WACZ replays nothing its download does not show better (and Chromium
  // will not show a PDF in the sandboxed replay frame).
  const hasReplay = snapshot.status === 'done' && Boolean(snapshot.artifacts.wacz) && !snapshot.artifacts.original;
  const replayHref = `/s/${encodeURIComponent(snapshot.id)}/replay${grant ? `?${grant}` : ''}`;
  const meta: Array<[string, unknown]> = [
    [t('meta.status'), html`<span class="badge status-${snapshot.status}">${t(`status.${snapshot.status}`)}</span>`],
    [t('meta.title'), snapshot.title],
    [t('meta.description'), snapshot.description],
    [t('meta.site'), snapshot.siteName],
    [t('meta.author'), snapshot.author],
    [t('meta.published'), snapshot.publishedTime],
    [t('meta.lang'), snapshot.lang],
    [t('meta.canonical'), snapshot.canonicalUrl],
    [t('meta.httpStatus'), snapshot.httpStatus],
    [t('meta.contentType'), snapshot.contentType],
    [t('meta.requested'), time(locale, snapshot.createdAt)],
    [t('meta.captured'), time(locale, snapshot.capturedAt)],
  ];
  const headExtra = pending ? html`<noscript><meta http-equiv="refresh" content="3"></noscript>` : undefined;
  const dead = deadInfo(link);
  const previous = previousVersions(data.versions);
  const diffHref = (id: string, against: string) => `/s/${encodeURIComponent(id)}/diff?against=${encodeURIComponent(against)}${grant ? `&${grant}` : ''}`;
  const when = (version: Snapshot | undefined) => time(locale, version ? (version.capturedAt ?? version.createdAt) : null).value || '—';
  return layout(
    { ...options, title, headExtra },
    html`<article class="snapshot" data-snapshot="${snapshot.id}" data-status="${snapshot.status}"${grant ? raw(` data-grant="${grant.replace(/[^\w=&-]/g, '')}"`) : ''}>
  <header class="snapshot-head">
    ${grant ? '' : html`<p><a href="/">← ${t('view.back')}</a></p>`}
    <h1 dir="auto">${title}</h1>
    <p class="original">${t('view.original')}: <a href="${link.url}" rel="noreferrer noopener" target="_blank">${link.url}</a>
      ${dead ? html`<span class="badge dead">${t('view.dead')}</span>` : ''}</p>
    ${dead
      ? html`<p class="dead-notice" id="dead-notice" role="note">${raw(t('view.deadNotice', { date: time(locale, dead.since).value }))}${dead.reason ? html` ${t('view.deadReason')}: <span class="reason">${dead.reason}</span>` : ''}</p>`
      : ''}
    ${changeSummary(t, locale, snapshot, data.versions, previous, when, diffHref)}
    ${snapshot.finalUrl && snapshot.finalUrl !== link.url ? html`<p class="final">${t('view.finalUrl')}: <span class="mono">${snapshot.finalUrl}</span></p>` : ''}
    ${snapshot.description ? html`<p class="lede" dir="auto">${snapshot.description}</p>` : ''}
    ${grant
      ? html`<ul class="tags">${link.tags.map((tag) => html`<li class="tag">#${tag}</li>`)}</ul>`
      : html`<div class="card-actions" data-snapshot="${snapshot.id}">
      <ul class="tags" aria-label="${t('view.tags')}">${link.tags.map((tag) => tagChip(tag, t, (x) => `/?tag=${encodeURIComponent(x)}`))}</ul>
      <form class="tag-add" data-snapshot="${snapshot.id}">
        <input name="tag" type="text" placeholder="${t('links.addTag')}" aria-label="${t('links.addTagLabel', { title })}" maxlength="64" autocomplete="off">
        <button type="submit" class="secondary" aria-label="${t('links.addTagLabel', { title })}">+</button>
      </form>
      <button type="button" class="danger delete" data-snapshot="${snapshot.id}" data-after="/" aria-label="${t('links.deleteLabel', { title })}">${t('links.delete')}</button>
    </div>`}
    ${pending ? html`<p class="pending" role="status" id="pending">${t('view.pending')}</p>` : ''}
    ${snapshot.status === 'not_captured' && !grant ? html`<p><a class="button" href="/?url=${encodeURIComponent(snapshot.url)}#add">${t('view.captureNow')}</a></p>` : ''}
    ${snapshot.status === 'failed' ? html`<p class="error-text" role="alert">${describeError(locale, snapshot.errorCode, snapshot.error)}</p>` : ''}
    ${snapshot.degraded ? html`<p class="warning">${snapshot.degradedReason ?? ''}</p>` : ''}
    ${snapshot.uploadedBy ? html`<p class="uploaded-by">${t('upload.uploadedBy', { who: snapshot.uploadedBy })}</p>` : ''}
  </header>
  ${data.uploadable ? uploadSection(t, snapshot, grant) : ''}

  ${grant ? '' : watchSection(t, locale, snapshot, data.watches, data.watchForm)}

  ${snapshot.artifacts.screenshot
    ? html`<section aria-labelledby="shot-heading">
    <h2 id="shot-heading">${t('view.screenshot')}</h2>
    <a href="${snapshot.artifacts.fullpage ? file('fullpage') : file('screenshot')}"><img class="screenshot" src="${file('screenshot')}" alt="${t('view.screenshot')}: ${title}" width="1280" height="800"></a>
  </section>`
    : ''}

  ${isHtmlArchive || hasReplay
    ? html`<section aria-labelledby="archive-heading" class="archive-views">
    <h2 id="archive-heading">${t('view.archive')}</h2>
    ${isHtmlArchive && hasReplay
      ? html`<div class="tabs" role="tablist" aria-labelledby="archive-heading" hidden>
      <button type="button" role="tab" id="tab-archive" aria-controls="panel-archive" aria-selected="true">${t('view.archiveTab')}</button>
      <button type="button" role="tab" id="tab-replay" aria-controls="panel-replay" aria-selected="false" tabindex="-1">${t('replay.title')}</button>
    </div>`
      : ''}
    ${isHtmlArchive
      ? html`<div id="panel-archive" role="tabpanel" aria-labelledby="${hasReplay ? 'tab-archive' : 'archive-heading'}">
      <p class="note">${t('view.archiveNote')} <a href="${file('archive')}" target="_blank" rel="noopener noreferrer">${t('view.openArchive')}</a></p>
      <iframe class="archive" id="archive-frame" title="${t('view.archive')}: ${title}" src="${file('archive')}" sandbox="" referrerpolicy="no-referrer" loading="lazy"></iframe>
    </div>`
      : ''}
    ${hasReplay ? replayPanel(t, replayHref, title, isHtmlArchive) : ''}
  </section>`
    : ''}

  ${snapshot.status === 'done'
    ? html`<section aria-labelledby="text-heading">
    <h2 id="text-heading">${t('view.text')}</h2>
    ${data.text && data.text.content.trim()
      ? html`<details class="readable"${data.text.content.length < 4000 ? raw(' open') : ''}><summary>${t('view.text')}</summary><div class="text" dir="auto" lang="${snapshot.lang ?? ''}">${data.text.content}</div>
      ${data.text.truncated ? html`<p class="note">${t('view.textTruncated')}</p>` : ''}</details>`
      : html`<p class="empty">${t('view.noText')}</p>`}
  </section>`
    : ''}

  <section aria-labelledby="meta-heading">
    <h2 id="meta-heading">${t('view.metadata')}</h2>
    <dl class="meta-table">
      ${meta.filter(([, value]) => value !== null && value !== undefined && value !== '').map(([label, value]) => html`<dt>${label}</dt><dd dir="auto">${value as string}</dd>`)}
      ${!grant && data.shares.length
        ? html`<dt>${t('view.shares')}</dt><dd>${data.shares.map((share, i) => html`${i ? ', ' : ''}${share.userName ?? share.userId} (${share.platform}${share.channelName ? ` #${share.channelName}` : ''}, ${time(locale, share.createdAt)})`)}</dd>`
        : ''}
    </dl>
  </section>

  ${!grant && data.shares.some((share) => share.messageText)
    ? html`<section aria-labelledby="conversation-heading">
    <h2 id="conversation-heading">${t('view.conversation')}</h2>
    <ul class="conversation">${data.shares
      .filter((share) => share.messageText)
      .map((share) => html`<li><p class="who">${share.userName ?? share.userId} · ${share.platform}${share.channelName ? ` #${share.channelName}` : ''} · ${time(locale, share.createdAt)}</p><blockquote dir="auto">${share.messageText!}</blockquote></li>`)}</ul>
  </section>`
    : ''}

  ${Object.keys(snapshot.artifacts).length
    ? html`<section aria-labelledby="files-heading">
    <h2 id="files-heading">${t('view.downloads')}</h2>
    <p class="note">${raw(t('view.evidence', { time: time(locale, snapshot.capturedAt).value || '—' }))}</p>
    <div class="table-wrap"><table class="files">
      <thead><tr><th scope="col">${t('view.file')}</th><th scope="col">${t('view.size')}</th><th scope="col">SHA-256</th></tr></thead>
      <tbody>
      ${DownloadOrder.filter((kind) => snapshot.artifacts[kind]).map((kind) => {
        const ref = snapshot.artifacts[kind]!;
        return html`<tr><td><a href="${file(kind)}" download>${t(`kind.${kind}`)}</a></td><td>${formatBytes(ref.size)}</td><td class="mono hash">${ref.sha256}</td></tr>`;
      })}
      </tbody>
    </table></div>
  </section>`
    : ''}

  <section aria-labelledby="versions-heading">
    <h2 id="versions-heading">${t('view.versions')}</h2>
    <ol class="versions">
      ${data.versions.map((version) => {
        const label = html`${time(locale, version.capturedAt ?? version.createdAt)} · ${t(`status.${version.status}`)}`;
        const before = previous.get(version.id);
        // A signed link opens one snapshot, so it compares that one only.
        const compare = before && (!grant || version.id === snapshot.id) ? html` · <a class="compare-previous" href="${diffHref(version.id, before)}">${t('view.compare.previous')}</a>` : '';
        if (version.id === snapshot.id) return html`<li aria-current="true" data-version="${version.id}"><strong>${label}</strong> (${t('view.thisVersion')})${compare}</li>`;
        return grant ? html`<li data-version="${version.id}">${label}</li>` : html`<li data-version="${version.id}"><a href="/s/${encodeURIComponent(version.id)}">${label}</a>${compare}</li>`;
      })}
    </ol>
    ${compareForm(t, locale, snapshot, data.versions, previous.get(snapshot.id) ?? null, grant)}
  </section>
  <p class="site-foot">${displayHost(link.url)} · ${snapshot.id}</p>
</article>`,
  );
}

/**
 * The replay (/s/:id/replay, which frames the viewer on the replay origin). The page script loads
 * it only when asked (the viewer is 2 MB of script); without scripts the link opens it on its own.
 */
function replayPanel(t: Translate, href: string, title: string, besideArchive: boolean) {
  return html`<div id="panel-replay" role="tabpanel" aria-labelledby="${besideArchive ? 'tab-replay' : 'archive-heading'}" data-replay="${href}">
      ${besideArchive ? '' : html`<h3>${t('replay.title')}</h3>`}
      <p class="note">${t('replay.note')} <a href="${href}" target="_blank" rel="noopener noreferrer" id="replay-open">${t('replay.open')}</a></p>
      ${besideArchive ? '' : html`<p><button type="button" id="replay-start">${t('replay.title')}</button></p>`}
      <iframe class="replay" id="replay-frame" title="${t('replay.title')}: ${title}" referrerpolicy="no-referrer" allow="fullscreen" hidden></iframe>
    </div>`;
}

/** For each done version, the one it is compared with: the one it was compared with when captured, else the next older done one. */
function previousVersions(versions: Snapshot[]): Map<string, string> {
  const previous = new Map<string, string>();
  versions.forEach((version, index) => {
    if (version.status !== 'done') return;
    const older = version.change?.previousId ?? versions.slice(index + 1).find((v) => v.status === 'done')?.id;
    if (older) previous.set(version.id, older);
  });
  return previous;
}

function changeSummary(
  t: Translate,
  locale: Locale,
  snapshot: Snapshot,
  versions: Snapshot[],
  previous: Map<string, string>,
  when: (version: Snapshot | undefined) => string,
  diffHref: (id: string, against: string) => string,
) {
  if (snapshot.status !== 'done') return '';
  const change = snapshot.change;
  if (!change) {
    // Not compared but with an older version (captured before changes were tracked): say nothing rather than "first".
    return previous.has(snapshot.id) ? '' : html`<p class="change first" id="change-summary">${t('view.change.first')}</p>`;
  }
  // The previous version may since have been dropped (keepVersions); the change remembers when it was captured.
  const previousVersion = versions.find((v) => v.id === change.previousId);
  const date = previousVersion ? when(previousVersion) : time(locale, change.previousCapturedAt).value || '—';
  if (!change.changed) return html`<p class="change same" id="change-summary">${raw(t('view.change.same', { date }))}</p>`;
  return html`<p class="change changed" id="change-summary">${raw(t('view.change.changed', { date, added: change.added, removed: change.removed }))}
      <a href="${diffHref(snapshot.id, change.previousId)}">${t('view.change.show')}</a></p>`;
}

/** A page the capture could not see (a login, a paywall, a bot wall), saved by the person and uploaded. */
function uploadSection(t: Translate, snapshot: Snapshot, grant: string | null) {
  const action = `/s/${encodeURIComponent(snapshot.id)}/upload${grant ? `?${grant}` : ''}`;
  return html`<section class="upload-own" aria-labelledby="upload-heading">
    <h2 id="upload-heading">${t('upload.title')}</h2>
    <p>${t('upload.help')}</p>
    <form method="post" action="${action}" enctype="multipart/form-data">
      <input type="file" name="file" required accept=".html,.htm,.mhtml,.mht,.wacz,text/html,multipart/related,application/zip" aria-label="${t('upload.file')}">
      <button type="submit">${t('upload.submit')}</button>
    </form>
  </section>`;
}

/** Under a signed link `versions` holds only this snapshot and older ones (page-routes.ts), so only those are offered. */
function compareForm(t: Translate, locale: Locale, snapshot: Snapshot, versions: Snapshot[], preselected: string | null, grant: string | null) {
  const others = versions.filter((v) => v.id !== snapshot.id && v.status === 'done');
  if (snapshot.status !== 'done' || !others.length) return '';
  const params = new URLSearchParams(grant ?? '');
  return html`<form class="compare" method="get" action="/s/${encodeURIComponent(snapshot.id)}/diff">
      ${[...params].map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
      <label for="compare-against">${t('view.compare.with')}</label>
      <select id="compare-against" name="against">
        ${others.map((v) => html`<option value="${v.id}"${v.id === preselected ? raw(' selected') : ''}>${timeText(locale, v.capturedAt ?? v.createdAt)}</option>`)}
      </select>
      <button type="submit" class="secondary">${t('view.compare.submit')}</button>
    </form>`;
}

function watchSection(t: Translate, locale: Locale, snapshot: Snapshot, watches: Watch[], form: WatchFormState | undefined) {
  const own = watches.find((w) => w.channelId === null) ?? null;
  const elsewhere = watches.filter((w) => w !== own);
  const every = form?.every ?? (own ? (EveryChoices.includes(own.every as (typeof EveryChoices)[number]) ? own.every : 'cron') : 'daily');
  const cron = form?.cron ?? (own && every === 'cron' ? own.every : '');
  const action = (verb: string) => `/s/${encodeURIComponent(snapshot.id)}/${verb}`;
  return html`<section id="watch" class="watch" aria-labelledby="watch-heading" data-watched="${own ? own.every : ''}">
    <h2 id="watch-heading">${t('watch.heading')}</h2>
    <p class="note">${t('watch.explain')}</p>
    ${own ? html`<p class="watching" id="watching">${raw(t('watch.watching', { every: html`${everyText(t, own.every)}`.value, next: time(locale, own.nextRunAt).value }))}</p>` : ''}
    ${elsewhere.map((w) => html`<p class="watching-elsewhere">${t('watch.elsewhere', { every: everyText(t, w.every), place: `${w.channelName ? `#${w.channelName}` : (w.channelId ?? '')} (${w.platform})` })}</p>`)}
    <form class="watch-form" method="post" action="${action('watch')}">
      <div class="field">
        <label for="watch-every">${t('watch.every')}</label>
        <select id="watch-every" name="every">
          ${EveryChoices.map((choice) => html`<option value="${choice}"${choice === every ? raw(' selected') : ''}>${t(`every.${choice}`)}</option>`)}
          <option value="cron"${every === 'cron' ? raw(' selected') : ''}>${t('watch.cronOption')}</option>
        </select>
      </div>
      <div class="field">
        <label for="watch-cron">${t('watch.cron')}</label>
        <input id="watch-cron" name="cron" type="text" value="${cron}" maxlength="200" autocomplete="off" placeholder="0 9 * * 1" aria-describedby="watch-cron-hint">
        <small id="watch-cron-hint">${t('watch.cronHint')}</small>
      </div>
      <button type="submit" id="watch-submit">${own ? t('watch.update') : t('watch.start')}</button>
    </form>
    ${own ? html`<form class="unwatch-form" method="post" action="${action('unwatch')}"><button type="submit" class="secondary" id="unwatch-submit">${t('watch.stop')}</button></form>` : ''}
    ${form?.error ? html`<p class="error-text" role="alert" id="watch-error">${form.error}</p>` : ''}
  </section>`;
}
