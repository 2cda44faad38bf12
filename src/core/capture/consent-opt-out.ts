// Opts out of cookie and consent banners with DuckDuckGo's autoconsent: its rules (~800 consent
// managers and site banners) and its content script ship inside the npm package. The content
// script runs in every frame and talks to us through one exposed binding; we answer with its
// configuration and rules, run the page-side snippets it asks for, and record what it did.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { filterCompactRules } from '@duckduckgo/autoconsent';
import type { Frame, Page } from 'puppeteer-core';
import type { Logger } from '../logger.js';

export interface ConsentState {
  /** The consent manager found on the page, if any. */
  cmp: string | null;
  /** A banner was shown. */
  popupFound: boolean;
  /** The opt-out finished and succeeded. */
  optedOut: boolean;
  /** autoconsent reported it is done with the page (found nothing, or opted out). */
  done: boolean;
}

export interface ConsentOptOut {
  readonly state: ConsentState;
  /** Waits (at most `maxMs`) for a banner that was found to be dismissed. Returns at once when none was found. */
  settle(maxMs: number, signal?: AbortSignal): Promise<void>;
}

const BindingName = '__linksnapConsent';

interface Assets {
  script: string;
  compactRules: Parameters<typeof filterCompactRules>[0];
}

let assets: Assets | null = null;

function loadAssets(): Assets {
  if (assets) return assets;
  const require = createRequire(import.meta.url);
  const dist = require.resolve('@duckduckgo/autoconsent').replace(/autoconsent\.(?:esm|cjs)\.js$/, '');
  const script = readFileSync(`${dist}autoconsent.playwright.js`, 'utf8');
  const compactRules = require('@duckduckgo/autoconsent/rules/compact-rules.json') as Assets['compactRules'];
  assets = { script, compactRules };
  return assets;
}

/** Reads the script and rules now, so the first capture after start does not stall chat on it. */
export function preloadConsentOptOut(): void {
  loadAssets();
}

// Picking the rules that apply to a frame walks all ~800 of them (100-200 ms of main thread for a
// page with many frames); the same ad and embed frames recur on page after page.
const RulesCacheSize = 500;
const rulesCache = new Map<string, ReturnType<typeof filterCompactRules>>();

function rulesFor(compactRules: Assets['compactRules'], url: string, mainFrame: boolean): ReturnType<typeof filterCompactRules> {
  const key = `${mainFrame ? 'main' : 'sub'} ${url}`;
  let rules = rulesCache.get(key);
  if (rules) {
    rulesCache.delete(key); // re-inserted below: the Map's order is the least recently used first
  } else {
    rules = filterCompactRules(compactRules, { url, mainFrame });
  }
  rulesCache.set(key, rules);
  if (rulesCache.size > RulesCacheSize) rulesCache.delete(rulesCache.keys().next().value!);
  return rules;
}

/** Installs the opt-out on `page`; call before navigating. */
export async function installConsentOptOut(page: Page, logger: Logger, logDetails: Record<string, unknown> = {}): Promise<ConsentOptOut> {
  const { script, compactRules } = loadAssets();
  const state: ConsentState = { cmp: null, popupFound: false, optedOut: false, done: false };
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const waiter of waiters) waiter();
  };

  // The binding does not say which frame called; each frame names itself so replies go back to it.
  // Asking every frame for its name costs a round trip per frame, and pages carry a dozen or more
  // (ad slots, embeds), so names are learnt once and remembered until a frame navigates or goes.
  const frames = new Map<string, Frame>();
  const learnt = new WeakMap<Frame, string>();
  // A frame that navigates keeps its Frame object but gets a new document and token: forget the old
  // one at once, so a late message from the old document is never answered in the new one.
  const forget = (frame: Frame) => {
    const token = learnt.get(frame);
    if (token !== undefined) frames.delete(token);
    learnt.delete(frame);
  };
  page.on('framenavigated', forget);
  page.on('framedetached', forget);
  const frameOf = async (frameToken: string): Promise<Frame | null> => {
    const known = frames.get(frameToken);
    if (known && !known.detached) return known;
    await Promise.all(
      page.frames().map(async (frame) => {
        if (frame.detached) return;
        const token = await frame.evaluate(() => (window as unknown as { __linksnapFrame?: string }).__linksnapFrame).catch(() => undefined);
        if (!token) return;
        forget(frame);
        learnt.set(frame, token);
        frames.set(token, frame);
      }),
    );
    return frames.get(frameToken) ?? null;
  };
  const reply = (frame: Frame, message: unknown) =>
    frame.evaluate((m) => (window as unknown as { autoconsentReceiveMessage?: (x: unknown) => unknown }).autoconsentReceiveMessage?.(m), message as never).catch(() => {});

  await page.exposeFunction(BindingName, async (frameToken: string, url: string, isMain: boolean, raw: string) => {
    const message = JSON.parse(raw) as { type: string; [key: string]: unknown };
    switch (message.type) {
      case 'init': {
        const frame = await frameOf(frameToken);
        if (!frame) return;
        const rules = { compact: rulesFor(compactRules, url, isMain) };
        await reply(frame, {
          type: 'initResp',
          config: {
            enabled: true,
            autoAction: 'optOut',
            disabledCmps: [],
            // Hides known banners by CSS at once, so none shows in a screenshot taken mid-opt-out.
            enablePrehide: true,
            prehideTimeout: 2000,
            enableCosmeticRules: true,
            enableGeneratedRules: true,
            enableHeuristicDetection: true,
            enablePopupMutationObserver: false,
            detectRetries: 10,
            isMainWorld: true,
            visualTest: false,
            performanceLoggingEnabled: false,
            heuristicPopupSearchTimeout: 500,
            logs: { lifecycle: false, rulesteps: false, detectionsteps: false, evals: false, errors: false, messages: false, waits: false },
          },
          rules,
        });
        return;
      }
      case 'eval': {
        // Snippets from the shipped rules, run in the page like the extension does.
        const frame = await frameOf(frameToken);
        if (!frame) return;
        const result = await frame.evaluate(String(message.code)).catch(() => false);
        await reply(frame, { id: message.id, type: 'evalResp', result: Boolean(result) });
        return;
      }
      case 'cmpDetected':
        state.cmp ??= String(message.cmp ?? '') || null;
        return;
      case 'popupFound':
        state.popupFound = true;
        state.cmp = String(message.cmp ?? '') || state.cmp;
        wake();
        return;
      case 'optOutResult':
        state.optedOut = Boolean(message.result);
        if (!state.optedOut) logger({ level: 'info', context: 'capture', message: 'Could not opt out of a consent banner', details: { ...logDetails, cmp: message.cmp } });
        wake();
        return;
      case 'autoconsentDone':
        if (isMain) state.done = true;
        state.cmp = String(message.cmp ?? '') || state.cmp;
        wake();
        return;
      default:
        return;
    }
  });

  await page.evaluateOnNewDocument(`(() => {
    const token = Math.random().toString(36).slice(2) + Date.now().toString(36);
    Object.defineProperty(window, '__linksnapFrame', { value: token });
    const isMain = window === window.top;
    window.autoconsentSendMessage = (message) => {
      // "report" messages mirror autoconsent's internal state after every change, dozens per
      // page; nothing here reads them, so they never cross to Node.
      if (message && message.type === 'report') return;
      const send = window[${JSON.stringify(BindingName)}];
      if (typeof send === 'function') send(token, location.href, isMain, JSON.stringify(message)).catch(() => {});
    };
  })();\n${script}`);

  return {
    state,
    async settle(maxMs, signal) {
      if (!state.popupFound || state.optedOut || state.done) return;
      await new Promise<void>((resolve) => {
        const finish = () => {
          clearTimeout(timer);
          waiters.delete(check);
          signal?.removeEventListener('abort', finish);
          resolve();
        };
        const check = () => {
          if (state.optedOut || state.done) finish();
        };
        const timer = setTimeout(finish, maxMs);
        waiters.add(check);
        signal?.addEventListener('abort', finish, { once: true });
      });
    },
  };
}
