import { html } from '../html.js';
import { layout, type LayoutOptions } from './layout.js';

export function loginPage(options: Omit<LayoutOptions, 'title'>, next: string, wrong: boolean) {
  const { t } = options;
  return layout(
    { ...options, title: t('login.heading') },
    html`<section class="panel narrow">
  <h1>${t('login.heading')}</h1>
  ${wrong ? html`<p class="error-text" role="alert">${t('login.wrong')}</p>` : ''}
  <form method="post" action="/login" class="stack">
    <input type="hidden" name="next" value="${next}">
    <label for="token">${t('login.token')}</label>
    <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
    <button type="submit">${t('login.submit')}</button>
  </form>
</section>`,
  );
}
