// "Add link": a URL and tags, at the top of the link list. The page script posts to the API,
// follows progress over server-sent events and refreshes the list; without scripts the form
// posts to /add and lands on the snapshot view.
import { html } from '../html.js';
import type { Translate } from '../messages.js';

export interface AddFormState {
  url?: string;
  tags?: string;
  error?: string | null;
}

export function addForm(t: Translate, workspace: string, form: AddFormState) {
  return html`<section class="panel add-panel" id="add" aria-labelledby="add-heading">
  <h1 id="add-heading">${t('add.heading')}</h1>
  <form id="add-form" class="add-row" method="post" action="/add" data-workspace="${workspace}">
    <div class="field url-field">
      <label for="url">${t('add.url')}</label>
      <input id="url" name="url" type="text" inputmode="url" autocomplete="url" required maxlength="4096" value="${form.url ?? ''}" placeholder="https://" aria-describedby="url-hint">
      <small id="url-hint">${t('add.urlHint')}</small>
    </div>
    <div class="field">
      <label for="tags">${t('add.tags')}</label>
      <input id="tags" name="tags" type="text" value="${form.tags ?? ''}" aria-describedby="tags-hint" autocomplete="off">
      <small id="tags-hint">${t('add.tagsHint')}</small>
    </div>
    <button type="submit" id="add-submit">${t('add.submit')}</button>
    <label class="check"><input type="checkbox" name="force" value="1"> ${t('add.force')}</label>
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
</section>`;
}
