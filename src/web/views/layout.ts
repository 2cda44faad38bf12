// The frame every page shares: header with the two menu entries (both on the home page: the add
// form and the link list under it), workspace and language switches, and the main landmark the
// skip link jumps to.
import type { Locale } from '../../core/i18n.js';
import { html, raw, type SafeHtml } from '../html.js';
import { ClientMessageKeys, type Translate } from '../messages.js';

export interface LayoutOptions {
  locale: Locale;
  t: Translate;
  title: string;
  /** Current URL (path + query) so the language switch comes back here. */
  here: URL;
  /** The home page marks "link management" as current; "add link" jumps to its form. */
  active?: 'links' | null;
  /** Shown only when there is more than one workspace to choose from. */
  workspaces?: Array<{ id: string; label: string }>;
  workspace?: string;
  signOut?: boolean;
  headExtra?: SafeHtml;
}

export function layout(options: LayoutOptions, body: SafeHtml): SafeHtml {
  const { locale, t, title, active } = options;
  const other: Locale = locale === 'zh-CN' ? 'en' : 'zh-CN';
  const switchUrl = new URL(options.here.toString());
  switchUrl.searchParams.set('lang', other);
  const clientMessages = Object.fromEntries(ClientMessageKeys.map((key) => [key, t(key)]));
  const current = (name: 'links') => (active === name ? raw(' aria-current="page"') : '');
  return html`<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} · ${t('app.title')}</title>
<link rel="stylesheet" href="/assets/style.css">
<script src="/assets/app.js" defer></script>
${options.headExtra ?? ''}
</head>
<body>
<a class="skip" href="#main">${t('nav.skip')}</a>
<header class="top">
  <a class="brand" href="/"><span class="logo" aria-hidden="true">◎</span> ${t('app.title')}</a>
  <nav class="menu" aria-label="${t('app.title')}">
    <a href="/#add">${t('nav.add')}</a>
    <a href="/#links"${current('links')}>${t('nav.links')}</a>
  </nav>
  <div class="tools">
    ${options.workspaces && options.workspaces.length > 1
      ? html`<form class="workspace" method="get" action="/workspace">
      <label for="ws-select">${t('workspace.label')}</label>
      <select id="ws-select" name="ws" data-autosubmit>
        ${options.workspaces.map((w) => html`<option value="${w.id}"${w.id === options.workspace ? raw(' selected') : ''}>${w.label}</option>`)}
      </select>
      <button type="submit" class="secondary">${t('workspace.switch')}</button>
    </form>`
      : ''}
    <a class="lang" href="${switchUrl.pathname + switchUrl.search}" hreflang="${other}" lang="${other}" aria-label="${t('nav.language')}">${other === 'zh-CN' ? '中文' : 'English'}</a>
    ${options.signOut ? html`<form method="post" action="/logout"><button type="submit" class="link">${t('nav.signOut')}</button></form>` : ''}
  </div>
</header>
<main id="main" tabindex="-1">
${body}
</main>
<script type="application/json" id="messages">${raw(JSON.stringify(clientMessages).replace(/</g, '\\u003c'))}</script>
</body>
</html>`;
}

/** Dates in UTC, spelled for the page's language; the exact ISO time rides along in `datetime`. */
export function time(locale: Locale, iso: string | null): SafeHtml {
  if (!iso) return html``;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return html`${iso}`;
  return html`<time datetime="${date.toISOString()}" title="${date.toISOString()}">${timeText(locale, iso)}</time>`;
}

/** The same date as plain text, for where markup cannot go (an option of a select). */
export function timeText(locale: Locale, iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' }).format(date)} UTC`;
}
