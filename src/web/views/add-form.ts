// "Add link": a URL and tags, at the top of the link list. The page script posts to the API,
// follows progress over server-sent events and refreshes the list; without scripts the form
// posts to /add and lands on the snapshot view. Under it, "Import links from a file".
import { formatBytes } from '../../core/errors.js';
import type { ImportReport } from '../../core/import-links.js';
import { MaxImportBytes } from '../../core/import/index.js';
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

/** What an upload through the import form did: its summary, or why the file was refused. */
export interface ImportFormState {
  report?: ImportReport;
  fileName?: string;
  error?: string;
}

/** Bad lines listed under the summary; the API's JSON has the first 1,000. */
const ShownImportErrors = 10;

/**
 * "Import links from a file", under the add form: a plain multipart form (no script needed) that
 * posts to /import and comes back to this page with the summary. The captures it queued show their
 * progress in the list below like any other.
 */
export function importForm(t: Translate, state: ImportFormState | null) {
  const report = state?.report ?? null;
  const bad = report ? report.errors.length + report.errorsNotListed : 0;
  return html`<section class="panel add-panel import-panel" id="import" aria-labelledby="import-heading">
  <details${state ? html` open` : ''}>
  <summary><h2 id="import-heading">${t('import.heading')}</h2></summary>
  <form id="import-form" class="add-row" method="post" action="/import" enctype="multipart/form-data">
    <div class="field url-field">
      <label for="import-file">${t('import.file')}</label>
      <input id="import-file" name="file" type="file" required accept=".html,.htm,.csv,.json,.jsonl,.txt,text/html,text/csv,application/json,text/plain" aria-describedby="import-file-hint">
      <small id="import-file-hint">${t('import.fileHint', { max: formatBytes(MaxImportBytes) })}</small>
    </div>
    <div class="field">
      <label for="import-tags">${t('import.tags')}</label>
      <input id="import-tags" name="tags" type="text" autocomplete="off" aria-describedby="import-tags-hint">
      <small id="import-tags-hint">${t('add.tagsHint')}</small>
    </div>
    <button type="submit">${t('import.submit')}</button>
    <label class="check"><input type="checkbox" name="capture" value="1"> ${t('import.capture')}</label>
  </form>
  ${state?.error ? html`<p class="error-text" role="alert">${state.error}</p>` : ''}
  ${report
    ? html`<div class="import-result" role="status">
    <p>${t('import.done', { links: report.links, file: state?.fileName ?? '', added: report.added, existing: report.existing })}</p>
    ${report.queued ? html`<p>${t('import.queued', { queued: report.queued })}</p>` : ''}
    ${!report.queued && report.added ? html`<p>${t('import.notCaptured')}</p>` : ''}
    ${bad
      ? html`<p>${t('import.badLines', { count: bad })}</p>
    <ul class="import-errors">${report.errors.slice(0, ShownImportErrors).map((error) => html`<li>${error.message}</li>`)}</ul>
    ${bad > ShownImportErrors ? html`<p>${t('import.moreBadLines', { count: bad - Math.min(ShownImportErrors, report.errors.length) })}</p>` : ''}`
      : ''}
  </div>`
    : ''}
  </details>
</section>`;
}
