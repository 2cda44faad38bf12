// The diff view: two versions of one link side by side — the readable text with removed lines on
// the left and added ones on the right between unchanged context, and both screenshots. Opened
// from the versions list, or from a chat change notice through the newer snapshot's signed link.
import type { Locale } from '../../core/i18n.js';
import type { DiffHunk, Link, Snapshot, SnapshotDiff } from '../../core/types.js';
import { html, raw } from '../html.js';
import type { Translate } from '../messages.js';
import { layout, time, type LayoutOptions } from './layout.js';

export interface DiffPageData {
  diff: SnapshotDiff;
  link: Link;
  /** Where each version's screenshot is served (null: it has none), and its view (null: not openable from here). */
  urls: (snapshot: Snapshot) => { screenshot: string | null; view: string | null };
}

type Row =
  | { kind: 'context'; oldNo: number; newNo: number; text: string }
  | { kind: 'change'; removed: { no: number; text: string } | null; added: { no: number; text: string } | null };

export function diffPage(options: Omit<LayoutOptions, 'title' | 'active'>, data: DiffPageData) {
  const { t, locale } = options;
  const { diff, link } = data;
  const title = diff.to.title?.trim() || diff.from.title?.trim() || t('untitled');
  const version = (snapshot: Snapshot) => {
    const label = time(locale, snapshot.capturedAt ?? snapshot.createdAt);
    const view = data.urls(snapshot).view;
    return view ? html`<a href="${view}">${label}</a>` : label;
  };
  return layout(
    { ...options, title: `${t('diff.title')}: ${title}` },
    html`<article class="snapshot diff-view" data-from="${diff.from.id}" data-to="${diff.to.id}" data-changed="${String(diff.changed)}">
  <header class="snapshot-head">
    ${data.urls(diff.to).view ? html`<p><a href="${data.urls(diff.to).view!}">← ${t('diff.back')}</a></p>` : ''}
    <h1 dir="auto">${t('diff.heading')}: ${title}</h1>
    <p class="original">${t('view.original')}: <a href="${link.url}" rel="noreferrer noopener" target="_blank">${link.url}</a></p>
    <p class="range">${raw(t('diff.range', { from: version(diff.from).value, to: version(diff.to).value }))}</p>
    <p class="change ${diff.changed ? 'changed' : 'same'}" id="diff-summary">${diff.changed ? t('diff.summary', { added: diff.added, removed: diff.removed }) : t('diff.none')}</p>
    ${diff.approximate ? html`<p class="note">${t('diff.approximate')}</p>` : ''}
  </header>

  <section aria-labelledby="diff-text-heading">
    <h2 id="diff-text-heading">${t('diff.text')}</h2>
    ${diff.hunks.length ? textTable(t, diff.hunks) : ''}
  </section>

  <section aria-labelledby="diff-shots-heading">
    <h2 id="diff-shots-heading">${t('diff.screenshots')}</h2>
    <div class="side-by-side">
      ${screenshot(t, locale, t('diff.before'), diff.from, data.urls(diff.from).screenshot, 'before')}
      ${screenshot(t, locale, t('diff.after'), diff.to, data.urls(diff.to).screenshot, 'after')}
    </div>
  </section>
</article>`,
  );
}

function screenshot(t: Translate, locale: Locale, label: string, snapshot: Snapshot, url: string | null, side: 'before' | 'after') {
  return html`<figure class="shot-${side}">
        <figcaption>${label} · ${time(locale, snapshot.capturedAt ?? snapshot.createdAt)}</figcaption>
        ${url ? html`<a href="${url}"><img class="screenshot" id="shot-${side}" src="${url}" alt="${label}" width="1280" height="800"></a>` : html`<p class="empty">${t('diff.noScreenshot')}</p>`}
      </figure>`;
}

function textTable(t: Translate, hunks: DiffHunk[]) {
  return html`<div class="table-wrap"><table class="diff">
      <colgroup><col class="num"><col class="text"><col class="num"><col class="text"></colgroup>
      <thead><tr><th scope="col" colspan="2">${t('diff.before')}</th><th scope="col" colspan="2">${t('diff.after')}</th></tr></thead>
      ${hunks.map(
        (hunk) => html`<tbody class="hunk">
        <tr class="hunk-head"><th scope="rowgroup" colspan="4">${t('diff.lines', { old: span(hunk.oldStart, hunk.oldLines), new: span(hunk.newStart, hunk.newLines) })}</th></tr>
        ${sideBySide(hunk).map((row) =>
          row.kind === 'context'
            ? html`<tr class="context"><td class="num">${row.oldNo}</td><td class="old" dir="auto">${row.text}</td><td class="num">${row.newNo}</td><td class="new" dir="auto">${row.text}</td></tr>`
            : html`<tr class="changed"><td class="num">${row.removed?.no ?? ''}</td>${row.removed ? html`<td class="old del" dir="auto"><del><span class="visually-hidden">${t('diff.removed')} </span>${row.removed.text}</del></td>` : html`<td class="old blank"></td>`}<td class="num">${row.added?.no ?? ''}</td>${row.added ? html`<td class="new add" dir="auto"><ins><span class="visually-hidden">${t('diff.added')} </span>${row.added.text}</ins></td>` : html`<td class="new blank"></td>`}</tr>`,
        )}
      </tbody>`,
      )}
    </table></div>`;
}

function span(start: number, lines: number): string {
  return lines <= 1 ? String(start) : `${start}–${start + lines - 1}`;
}

/** A hunk's lines as rows: context on both sides, and each run of removals paired with the additions that replace it. */
export function sideBySide(hunk: DiffHunk): Row[] {
  const rows: Row[] = [];
  let oldNo = hunk.oldStart;
  let newNo = hunk.newStart;
  let removed: Array<{ no: number; text: string }> = [];
  let added: Array<{ no: number; text: string }> = [];
  const flush = () => {
    for (let i = 0; i < Math.max(removed.length, added.length); i++) rows.push({ kind: 'change', removed: removed[i] ?? null, added: added[i] ?? null });
    removed = [];
    added = [];
  };
  for (const line of hunk.lines) {
    const text = line.slice(1);
    if (line.startsWith('-')) {
      if (added.length) flush();
      removed.push({ no: oldNo++, text });
    } else if (line.startsWith('+')) {
      added.push({ no: newNo++, text });
    } else {
      flush();
      rows.push({ kind: 'context', oldNo: oldNo++, newNo: newNo++, text });
    }
  }
  flush();
  return rows;
}
