// The home page: the add-link form on top of "link management" — newest first, filter by tags
// (ANDed), full-text search, dead links only, cursor paging, the tag list with counts beside it.
import type { FindResult, TagCount, Watch } from '../../core/types.js';
import { html, raw } from '../html.js';
import { addForm, importForm, type AddFormState, type ImportFormState } from './add-form.js';
import { layout, type LayoutOptions } from './layout.js';
import { snapshotCard } from './snapshot-card.js';

export interface LinksPageData {
  result: FindResult;
  tags: TagCount[];
  activeTags: string[];
  query: string;
  /** Only links the link check found dead. */
  dead: boolean;
  cursor: string | null;
  /** The workspace's watches by link id, to mark watched cards. */
  watches: Map<string, Watch[]>;
  add: AddFormState;
  /** What the import form's upload did, shown under it. */
  imported?: ImportFormState | null;
}

export function linksPage(options: Omit<LayoutOptions, 'title' | 'active'>, data: LinksPageData) {
  const { t, locale } = options;
  const { result, tags, activeTags, query, dead } = data;
  const href = (next: { tags?: string[]; q?: string; dead?: boolean; cursor?: string | null }) => {
    const params = new URLSearchParams();
    for (const tag of next.tags ?? activeTags) params.append('tag', tag);
    // Dead links are listed by tag only (the service refuses text with dead), so each drops the other.
    const isDead = next.dead ?? dead;
    const q = isDead ? '' : (next.q ?? query);
    if (q) params.set('q', q);
    if (isDead) params.set('dead', '1');
    if (next.cursor) params.set('cursor', next.cursor);
    const search = params.toString();
    return `/${search ? `?${search}` : ''}`;
  };
  const toggle = (tag: string) => (activeTags.includes(tag) ? activeTags.filter((x) => x !== tag) : [...activeTags, tag]);
  const filtered = activeTags.length > 0 || query !== '' || dead;
  return layout(
    { ...options, title: t('nav.links'), active: 'links' },
    html`${addForm(t, options.workspace ?? 'local', data.add)}
${importForm(t, data.imported ?? null)}
<div class="links-layout">
<section class="results" id="links" aria-labelledby="links-heading">
  <h2 id="links-heading">${t('nav.links')}</h2>
  <form class="search" method="get" action="/" role="search">
    ${activeTags.map((tag) => html`<input type="hidden" name="tag" value="${tag}">`)}
    <label class="visually-hidden" for="q">${t('links.search')}</label>
    <input id="q" name="q" type="search" value="${query}" placeholder="${t('links.searchPlaceholder')}" maxlength="500">
    <button type="submit">${t('links.search')}</button>
  </form>
  <p class="quick-filters"><a class="chip dead-filter${dead ? raw(' active') : ''}" href="${href({ dead: !dead, cursor: null })}"${dead ? raw(' aria-current="true"') : ''}>${t('links.dead')}</a></p>
  ${filtered
    ? html`<p class="filters">${activeTags.length ? html`${t('links.filter')} ${activeTags.map((tag) => html`<a class="chip active" href="${href({ tags: toggle(tag) })}" aria-label="${t('links.removeTag', { tag })}">#${tag} ×</a> `)}` : ''}
      ${query ? html`${t('links.query')} <q>${query}</q> ` : ''}${dead ? html`${t('links.deadFilter')} ` : ''}<a href="/">${t('links.clear')}</a></p>`
    : ''}
  <div id="link-results">
  ${result.items.length
    ? html`<ul class="grid" id="link-list">${result.items.map((item) =>
        snapshotCard(item, locale, t, (tag) => href({ tags: activeTags.includes(tag) ? activeTags : [...activeTags, tag] }), data.watches.get(item.link.id) ?? []),
      )}</ul>`
    : html`<p class="empty">${dead ? t('links.deadNone') : filtered ? t('links.nothingFound') : t('links.empty')}</p>`}
  <nav class="pager" aria-label="${t('links.next')}">
    ${data.cursor ? html`<a href="${href({})}">${t('links.first')}</a>` : ''}
    ${result.nextCursor ? html`<a rel="next" href="${href({ cursor: result.nextCursor })}">${t('links.next')} →</a>` : ''}
  </nav>
  </div>
</section>
<aside class="tag-list" id="tag-list" aria-labelledby="tags-heading">
  <h2 id="tags-heading">${t('links.tags')}</h2>
  ${tags.length
    ? html`<ul>${tags.map(
        (entry) =>
          html`<li><a class="chip${activeTags.includes(entry.tag) ? raw(' active') : ''}" href="${href({ tags: toggle(entry.tag) })}"${activeTags.includes(entry.tag) ? raw(' aria-current="true"') : ''}>#${entry.tag} <span class="count">${entry.count}</span></a></li>`,
      )}</ul>`
    : html`<p class="empty">${t('links.noTags')}</p>`}
</aside>
</div>`,
  );
}
