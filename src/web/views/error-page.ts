import { html } from '../html.js';
import { layout, type LayoutOptions } from './layout.js';

export function errorPage(options: Omit<LayoutOptions, 'title'>, status: number, message: string) {
  const { t } = options;
  return layout(
    { ...options, title: t('error.heading') },
    html`<section class="panel narrow error-page">
  <h1>${status === 404 ? t('error.notFound') : t('error.heading')}</h1>
  <p class="error-text">${message}</p>
  <p><a href="/">${t('error.home')}</a></p>
</section>`,
  );
}
