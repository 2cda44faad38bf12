// "Add link": a URL and tags. The page script posts to the API and follows progress over
// server-sent events; without scripts the form posts here and lands on the snapshot view.
import { html } from '../html.js';
import { layout, type LayoutOptions } from './layout.js';

export function addPage(options: Omit<LayoutOptions, 'title' | 'active'>, form: { url?: string; tags?: string; error?: string | null }) {
  const { t } = options;
  return layout(
    { ...options, title: t('nav.add'), active: 'add' },
    html`<section class="panel narrow" aria-labelledby="add-heading">
  <h1 id="add-heading">${t('add.heading')}</h1>
  <p class="lede">${t('app.tagline')}</p>
  <form id="add-form" class="stack" method="post" action="/add" data-workspace="${options.workspace ?? 'local'}">
    <label for="url">${t('add.url')}</label>
    <input id="url" name="url" type="text" inputmode="url" autocomplete="url" required maxlength="4096" value="${form.url ?? ''}" placeholder="https://" aria-describedby="url-hint" autofocus>
    <small id="url-hint">${t('add.urlHint')}</small>
    <label for="tags">${t('add.tags')}</label>
    <input id="tags" name="tags" type="text" value="${form.tags ?? ''}" aria-describedby="tags-hint" autocomplete="off">
    <small id="tags-hint">${t('add.tagsHint')}</small>
    <label class="check"><input type="checkbox" name="force" value="1"> ${t('add.force')}</label>
    <button type="submit" id="add-submit">${t('add.submit')}</button>
  </form>
  <p id="add-error" class="error-text" role="alert"${form.error ? '' : html` hidden`}>${form.error ?? ''}</p>
  <div id="progress" class="progress" role="status" aria-live="polite" hidden>
    <ol class="steps">
      <li data-step="queued">${t('status.queued')}</li>
      <li data-step="capturing">${t('status.capturing')}</li>
      <li data-step="done">${t('status.done')}</li>
    </ol>
    <p id="progress-text"></p>
  </div>
  <div id="result" hidden></div>
</section>`,
  );
}
