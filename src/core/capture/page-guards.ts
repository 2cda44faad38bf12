// Keeps a page capturable: JS dialogs (alert, confirm, prompt, beforeunload) block the renderer
// until answered, and pop-ups or new tabs would take focus and memory. Both are answered at once.
import type { Dialog, Page } from 'puppeteer-core';
import type { Logger } from '../logger.js';

export interface PageGuardStats {
  dialogs: number;
  popups: number;
}

export function guardPage(page: Page, logger: Logger, logDetails: Record<string, unknown>): PageGuardStats {
  const stats: PageGuardStats = { dialogs: 0, popups: 0 };
  page.on('dialog', (dialog: Dialog) => {
    stats.dialogs += 1;
    logger({ level: 'debug', context: 'capture', message: 'Dismissed a dialog', details: { ...logDetails, type: dialog.type() } });
    // Leaving a page is the only question answered yes: the capture never navigates away by itself.
    const answer = dialog.type() === 'beforeunload' ? dialog.accept() : dialog.dismiss();
    answer.catch(() => {});
  });
  page.on('popup', (popup) => {
    if (!popup) return;
    stats.popups += 1;
    logger({ level: 'debug', context: 'capture', message: 'Closed a pop-up', details: { ...logDetails, popup: popup.url() } });
    popup.close({ runBeforeUnload: false }).catch(() => {});
  });
  return stats;
}
