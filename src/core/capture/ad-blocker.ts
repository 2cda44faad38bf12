// Which sub-resources a capture refuses as ads or trackers. The rules are Ghostery's Tracker
// Database (the @ghostery/trackerdb npm package ships them as an Adblock-syntax list), matched by
// Ghostery's own engine (@ghostery/adblocker). Nothing is downloaded at run time.
//
// Only the advertising, site-analytics and adult-advertising categories are blocked: blocking
// CDNs, video players, comment widgets or consent managers would break the pages we want to keep.
// A tracker's whole-domain rule is applied to third-party requests only, so capturing the
// tracker company's own site still works.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { FiltersEngine, Request } from '@ghostery/adblocker';

export const BlockedCategories = ['advertising', 'site_analytics', 'pornvertising'] as const;

export interface AdBlockVerdict {
  blocked: boolean;
  /** The rule that matched, e.g. `||google-analytics.com/collect`. */
  rule: string | null;
}

export interface AdBlocker {
  /** Number of network rules loaded. */
  readonly rules: number;
  match(url: string, sourceUrl: string, resourceType: string): AdBlockVerdict;
}

/** Turns trackerdb.txt into an Adblock list limited to `categories` (see the header for why). */
export function selectTrackerRules(trackerDbText: string, categories: readonly string[] = BlockedCategories): string {
  const lines = trackerDbText.split('\n');
  const out: string[] = [];
  let keep = false;
  let wholeDomain = false;
  for (const raw of lines) {
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith('!')) {
      const category = /trackerdb_category:([a-z_]+)/.exec(line)?.[1] ?? '';
      keep = categories.includes(category);
      wholeDomain = line.includes('trackerdb_domain');
      continue;
    }
    if (!keep) continue;
    if (wholeDomain && !/\$.*\b(3p|third-party)\b/.test(line)) out.push(line.includes('$') ? `${line},3p` : `${line}$3p`);
    else out.push(line);
  }
  return out.join('\n');
}

/** The path of the list shipped inside @ghostery/trackerdb. */
export function trackerDbListPath(): string {
  const require = createRequire(import.meta.url);
  // The package's only export is its SDK; the list sits beside it in dist/.
  return require.resolve('@ghostery/trackerdb').replace(/dist[\\/](?:cjs|mjs)[\\/]index\.js$/, 'dist/trackerdb.txt');
}

export function createAdBlocker(listText: string = selectTrackerRules(readFileSync(trackerDbListPath(), 'utf8'))): AdBlocker {
  const engine = FiltersEngine.parse(listText, {
    loadCosmeticFilters: false,
    loadNetworkFilters: true,
    enableCompression: false,
  });
  const rules = engine.getFilters().networkFilters.length;
  return {
    rules,
    match(url, sourceUrl, resourceType) {
      const request = Request.fromRawDetails({ url, sourceUrl, type: normaliseType(resourceType) });
      const result = engine.match(request);
      if (!result.match || result.exception) return { blocked: false, rule: null };
      return { blocked: true, rule: result.filter?.toString() ?? null };
    },
  };
}

let shared: AdBlocker | null = null;

/** One engine per process: building it parses ~10,000 rules, which is done once and reused. */
export function sharedAdBlocker(): AdBlocker {
  shared ??= createAdBlocker();
  return shared;
}

// Puppeteer's resource types, lower-cased, mostly match the engine's; these are the exceptions.
const TypeAliases: Record<string, string> = {
  eventsource: 'xhr',
  texttrack: 'media',
  manifest: 'other',
  signedexchange: 'other',
  cspviolationreport: 'csp_report',
  preflight: 'other',
  prefetch: 'other',
};

function normaliseType(resourceType: string): Parameters<typeof Request.fromRawDetails>[0]['type'] {
  const type = resourceType.toLowerCase();
  return (TypeAliases[type] ?? type) as Parameters<typeof Request.fromRawDetails>[0]['type'];
}
