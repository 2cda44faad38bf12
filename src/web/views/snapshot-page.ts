// The snapshot view: everything needed to see what a page said and to prove it later —
// screenshot, the archived page in a sandboxed frame, readable text, metadata, every version,
// and each file with its SHA-256 and the capture time.
import { describeError } from '../../core/i18n.js';
import { formatBytes } from '../../core/errors.js';
import type { ArtifactKind, Link, Share, Snapshot } from '../../core/types.js';
import { displayHost } from '../../core/url.js';
import { html, raw } from '../html.js';
import { artifactPath } from '../snapshot-json.js';
import { tagChip } from './snapshot-card.js';
import { layout, time, type LayoutOptions } from './layout.js';

export interface SnapshotPageData {
  snapshot: Snapshot;
  link: Link;
  versions: Snapshot[];
  shares: Share[];
  /** The readable text (possibly cut short) and whether it was cut. */
  text: { content: string; truncated: boolean } | null;
  /** `sig=…` when opened through a signed link: appended to file URLs; editing is hidden. */
  grant: string | null;
  /** Set when a link check found the original address gone. */
  deadSince: string | null;
}

const DownloadOrder: ArtifactKind[] = ['archive', 'mhtml', 'screenshot', 'fullpage', 'text', 'visibleText', 'original', 'thumbnail'];

export function snapshotPage(options: Omit<LayoutOptions, 'title' | 'active'>, data: SnapshotPageData) {
  const { t, locale } = options;
  const { snapshot, link, grant } = data;
  const file = (kind: ArtifactKind) => artifactPath(snapshot.id, kind) + (grant ? `?${grant}` : '');
  const title = snapshot.title?.trim() || t('untitled');
  const pending = snapshot.status === 'queued' || snapshot.status === 'capturing';
  const isHtmlArchive = Boolean(snapshot.artifacts.archive);
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
  return layout(
    { ...options, title, headExtra },
    html`<article class="snapshot" data-snapshot="${snapshot.id}" data-status="${snapshot.status}"${grant ? raw(` data-grant="${grant.replace(/[^\w=&-]/g, '')}"`) : ''}>
  <header class="snapshot-head">
    ${grant ? '' : html`<p><a href="/links">← ${t('view.back')}</a></p>`}
    <h1 dir="auto">${title}</h1>
    <p class="original">${t('view.original')}: <a href="${link.url}" rel="noreferrer noopener" target="_blank">${link.url}</a>
      ${data.deadSince ? html`<span class="badge dead">${t('view.dead')} (${time(locale, data.deadSince)})</span>` : ''}</p>
    ${snapshot.finalUrl && snapshot.finalUrl !== link.url ? html`<p class="final">${t('view.finalUrl')}: <span class="mono">${snapshot.finalUrl}</span></p>` : ''}
    ${snapshot.description ? html`<p class="lede" dir="auto">${snapshot.description}</p>` : ''}
    ${grant
      ? html`<ul class="tags">${link.tags.map((tag) => html`<li class="tag">#${tag}</li>`)}</ul>`
      : html`<div class="card-actions" data-snapshot="${snapshot.id}">
      <ul class="tags" aria-label="${t('view.tags')}">${link.tags.map((tag) => tagChip(tag, t, (x) => `/links?tag=${encodeURIComponent(x)}`))}</ul>
      <form class="tag-add" data-snapshot="${snapshot.id}">
        <input name="tag" type="text" placeholder="${t('links.addTag')}" aria-label="${t('links.addTagLabel', { title })}" maxlength="64" autocomplete="off">
        <button type="submit" class="secondary" aria-label="${t('links.addTagLabel', { title })}">+</button>
      </form>
      <button type="button" class="danger delete" data-snapshot="${snapshot.id}" data-after="/links" aria-label="${t('links.deleteLabel', { title })}">${t('links.delete')}</button>
    </div>`}
    ${pending ? html`<p class="pending" role="status" id="pending">${t('view.pending')}</p>` : ''}
    ${snapshot.status === 'failed' ? html`<p class="error-text" role="alert">${describeError(locale, snapshot.errorCode, snapshot.error)}</p>` : ''}
    ${snapshot.degraded ? html`<p class="warning">${snapshot.degradedReason ?? ''}</p>` : ''}
  </header>

  ${snapshot.artifacts.screenshot
    ? html`<section aria-labelledby="shot-heading">
    <h2 id="shot-heading">${t('view.screenshot')}</h2>
    <a href="${snapshot.artifacts.fullpage ? file('fullpage') : file('screenshot')}"><img class="screenshot" src="${file('screenshot')}" alt="${t('view.screenshot')}: ${title}" width="1280" height="800"></a>
  </section>`
    : ''}

  ${isHtmlArchive
    ? html`<section aria-labelledby="archive-heading">
    <h2 id="archive-heading">${t('view.archive')}</h2>
    <p class="note">${t('view.archiveNote')} <a href="${file('archive')}" target="_blank" rel="noopener noreferrer">${t('view.openArchive')}</a></p>
    <iframe class="archive" id="archive-frame" title="${t('view.archive')}: ${title}" src="${file('archive')}" sandbox="" referrerpolicy="no-referrer" loading="lazy"></iframe>
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
        if (version.id === snapshot.id) return html`<li aria-current="true"><strong>${label}</strong> (${t('view.thisVersion')})</li>`;
        return grant ? html`<li>${label}</li>` : html`<li><a href="/s/${encodeURIComponent(version.id)}">${label}</a></li>`;
      })}
    </ol>
  </section>
  <p class="site-foot">${displayHost(link.url)} · ${snapshot.id}</p>
</article>`,
  );
}
