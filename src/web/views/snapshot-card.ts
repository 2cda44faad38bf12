// One link in the grid: thumbnail, title, site, status, dead and watched marks, tags with inline
// add/remove, delete.
// The buttons work through the page script; without it the card still links to the snapshot.
import { displayHost } from '../../core/url.js';
import type { Locale } from '../../core/i18n.js';
import type { FindItem, Link, Watch } from '../../core/types.js';
import { html, raw } from '../html.js';
import type { Translate } from '../messages.js';
import { artifactPath } from '../snapshot-json.js';
import { time } from './layout.js';

export function snapshotCard(item: FindItem, locale: Locale, t: Translate, tagHref: (tag: string) => string, watches: Watch[] = []) {
  const { link, snapshot } = item;
  const title = snapshot.title?.trim() || t('untitled');
  const view = `/s/${encodeURIComponent(snapshot.id)}`;
  const site = snapshot.siteName?.trim() || displayHost(snapshot.finalUrl ?? link.url);
  const dead = deadInfo(link);
  return html`<li class="card${dead ? raw(' is-dead') : ''}" data-snapshot="${snapshot.id}" data-status="${snapshot.status}">
  <a class="thumb" href="${view}" tabindex="-1" aria-hidden="true">
    ${snapshot.artifacts.thumbnail
      ? html`<img src="${artifactPath(snapshot.id, 'thumbnail')}" alt="" loading="lazy" width="400" height="250">`
      : html`<span class="placeholder">${[...site][0]?.toUpperCase() ?? '?'}</span>`}
  </a>
  <div class="card-body">
    <h2 class="card-title"><a href="${view}">${title}</a></h2>
    <p class="meta"><span class="site">${site}</span> · ${time(locale, snapshot.capturedAt ?? snapshot.createdAt)}
      <span class="badge status-${snapshot.status}">${t(`status.${snapshot.status}`)}</span>
      ${dead ? html`<span class="badge dead" data-dead-since="${dead.since}">${raw(t('card.deadSince', { date: time(locale, dead.since).value }))}${dead.reason ? html`: ${dead.reason}` : ''}</span>` : ''}
      ${watches.map((watch) => html`<span class="badge watched">${t('card.watched', { every: everyText(t, watch.every) })}</span>`)}</p>
    <p class="url"><a href="${link.url}" rel="noreferrer noopener" target="_blank">${link.url}</a></p>
    <ul class="tags" aria-label="${t('view.tags')}">
      ${link.tags.map((tag) => tagChip(tag, t, tagHref))}
    </ul>
    <div class="card-actions">
      <form class="tag-add" data-snapshot="${snapshot.id}">
        <input name="tag" type="text" placeholder="${t('links.addTag')}" aria-label="${t('links.addTagLabel', { title })}" maxlength="64" autocomplete="off">
        <button type="submit" class="secondary" aria-label="${t('links.addTagLabel', { title })}">+</button>
      </form>
      <button type="button" class="danger delete" data-snapshot="${snapshot.id}" aria-label="${t('links.deleteLabel', { title })}">${t('links.delete')}</button>
    </div>
  </div>
</li>`;
}

export function tagChip(tag: string, t: Translate, tagHref: (tag: string) => string) {
  return html`<li class="tag" data-tag="${tag}"><a href="${tagHref(tag)}">#${tag}</a><button type="button" class="tag-remove" data-tag="${tag}" aria-label="${t('links.removeTag', { tag })}">×</button></li>`;
}

/** The link check's verdict: dead since when and why, or null while it answers (or was never checked). */
export function deadInfo(link: Link): { since: string; reason: string | null } | null {
  const since = link.lastCheck?.deadSince;
  return since ? { since, reason: link.lastCheck?.deadReason ?? null } : null;
}

/** A watch schedule in words: hourly, daily, weekly, or the cron expression as given. */
export function everyText(t: Translate, every: string): string {
  if (every === 'hourly' || every === 'daily' || every === 'weekly') return t(`every.${every}`);
  return t('every.cron', { cron: every });
}
