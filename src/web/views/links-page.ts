// "Link management": newest first, filter by tags (ANDed), full-text search, cursor paging,
// the tag list with counts beside it.
import type { FindResult, TagCount } from '../../core/types.js';
import { html, raw } from '../html.js';
import { layout, type LayoutOptions } from './layout.js';
import { snapshotCard } from './snapshot-card.js';

export interface LinksPageData {
  result: FindResult;
  tags: TagCount[];
  activeTags: string[];
  query: string;
  cursor: string | null;
}

export function linksPage(options: Omit<LayoutOptions, 'title' | 'active'>, data: LinksPageData) {
  const { t, locale } = options;
  const { result, tags, activeTags, query } = data;
  const href = (nextTags: string[], q: string, cursor?: string | null) => {
    const params = new URLSearchParams();
    for (const tag of nextTags) params.append('tag', tag);
    if (q) params.set('q', q);
    if (cursor) params.set('cursor', cursor);
    const search = params.toString();
    return `/links${search ? `?${search}` : ''}`;
  };
  const toggle = (tag: string) => (activeTags.includes(tag) ? activeTags.filter((x) => x !== tag) : [...activeTags, tag]);
  const filtered = activeTags.length > 0 || query !== '';
  return layout(
    { ...options, title: t('nav.links'), active: 'links' },
    html`<div class="links-layout">
<section class="results" aria-labelledby="links-heading">
  <h1 id="links-heading">${t('nav.links')}</h1>
  <form class="search" method="get" action="/links" role="search">
    ${activeTags.map((tag) => html`<input type="hidden" name="tag" value="${tag}">`)}
    <label class="visually-hidden" for="q">${t('links.search')}</label>
    <input id="q" name="q" type="search" value="${query}" placeholder="${t('links.searchPlaceholder')}" maxlength="500">
    <button type="submit">${t('links.search')}</button>
  </form>
  ${filtered
    ? html`<p class="filters">${activeTags.length ? html`${t('links.filter')} ${activeTags.map((tag) => html`<a class="chip active" href="${href(toggle(tag), query)}" aria-label="${t('links.removeTag', { tag })}">#${tag} ×</a> `)}` : ''}
      ${query ? html`${t('links.query')} <q>${query}</q> ` : ''}<a href="/links">${t('links.clear')}</a></p>`
    : ''}
  ${result.items.length
    ? html`<ul class="grid" id="link-list">${result.items.map((item) => snapshotCard(item, locale, t, (tag) => href(activeTags.includes(tag) ? activeTags : [...activeTags, tag], query)))}</ul>`
    : html`<p class="empty">${filtered ? t('links.nothingFound') : t('links.empty')}</p>`}
  <nav class="pager" aria-label="${t('links.next')}">
    ${data.cursor ? html`<a href="${href(activeTags, query)}">${t('links.first')}</a>` : ''}
    ${result.nextCursor ? html`<a rel="next" href="${href(activeTags, query, result.nextCursor)}">${t('links.next')} →</a>` : ''}
  </nav>
</section>
<aside class="tag-list" aria-labelledby="tags-heading">
  <h2 id="tags-heading">${t('links.tags')}</h2>
  ${tags.length
    ? html`<ul>${tags.map(
        (entry) =>
          html`<li><a class="chip${activeTags.includes(entry.tag) ? raw(' active') : ''}" href="${href(toggle(entry.tag), query)}"${activeTags.includes(entry.tag) ? raw(' aria-current="true"') : ''}>#${entry.tag} <span class="count">${entry.count}</span></a></li>`,
      )}</ul>`
    : html`<p class="empty">${t('links.noTags')}</p>`}
</aside>
</div>`,
  );
}
