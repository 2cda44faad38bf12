// Does a captured link still answer? The check goes through the same egress policy as captures. A
// page is *gone* when it answers 404 or 410, when its host no longer resolves, or when it redirects
// to another site or to its own site's front page (a "soft 404": the page was removed and its
// address now leads somewhere generic). Two checks in a row that find it gone make the link dead
// (storage/link-checks.ts). A 5xx, a time-out or a refused connection says nothing either way.
import { getDomain } from 'tldts';
import { egressRequest } from './egress/fetch.js';
import type { EgressPolicy } from './egress/policy.js';
import { asLinksnapError, ErrorCode } from './errors.js';
import type { LinkCheck, Platform } from './types.js';

export interface RecordedCheck {
  failures: number;
  deadSince: string | null;
  deadReason: string | null;
  /** This check made the link dead (it was not before). */
  becameDead: boolean;
}

/** A chat channel a dead link was shared in, and the first message it was shared in there. */
export interface DeadLinkPlace {
  workspaceId: string;
  platform: Platform;
  channelId: string;
  messageId: string | null;
}

export interface LinkCheckStore {
  /**
   * Links never checked or last checked before `before`, oldest check first; `before` null: every
   * link, in id order after `afterId` (a full pass, page by page).
   */
  linksDueForCheck(before: Date | null, limit: number, afterId?: string | null): Promise<Array<{ id: string; url: string; finalUrl: string | null }>>;
  /** Records the check and moves the rot verdict; null when the link was forgotten meanwhile. */
  recordLinkCheck(linkId: string, check: LinkCheck): Promise<RecordedCheck | null>;
  deadLinkPlaces(linkId: string): Promise<DeadLinkPlace[]>;
  /** Claims the run of `name` due at `slot`; true for exactly one process of the cluster. */
  claimRun(name: string, slot: Date, owner: string): Promise<boolean>;
}

export interface LinkCheckReport {
  checked: number;
  alive: number;
  /** Found gone this time (404/410, no such host, soft 404). */
  gone: number;
  /** Links this run called dead (their second gone check in a row). */
  died: number;
}

const CheckTimeoutMs = 15_000;
const CheckBatch = 500;
/** A nightly pass ends after this long even with links still due; the next run starts with those checked longest ago. */
const DueCheckBudgetMs = 3 * 3_600_000;

/**
 * Checks links once each: the due ones (not checked since `before`), or with `before` null every
 * link. `onDeath` runs for each link this run called dead.
 */
export async function checkLinks(
  options: {
    store: LinkCheckStore;
    policy: EgressPolicy;
    onDeath?: (link: { id: string; url: string }, recorded: RecordedCheck) => Promise<void>;
    /** How long a due pass may go on (3 h by default). */
    budgetMs?: number;
    /** An alert could not be written; the check goes on with the next link. */
    onError?: (link: { id: string; url: string }, error: unknown) => void;
  },
  before: Date | null,
  signal?: AbortSignal,
): Promise<LinkCheckReport> {
  const report: LinkCheckReport = { checked: 0, alive: 0, gone: 0, died: 0 };
  const startedAt = Date.now();
  const budgetMs = options.budgetMs ?? DueCheckBudgetMs;
  let afterId: string | null = null;
  for (;;) {
    const links = await options.store.linksDueForCheck(before, CheckBatch, afterId);
    for (const link of links) {
      signal?.throwIfAborted();
      const check = await checkLink(link.url, options.policy, signal, link.finalUrl);
      report.checked += 1;
      if (check.alive) report.alive += 1;
      if (check.gone) report.gone += 1;
      const recorded = await options.store.recordLinkCheck(link.id, check);
      if (recorded?.becameDead) report.died += 1;
      // Announced at every check that finds it still dead, not only the one that made it so: the
      // alerts are unique per death, so a process that stopped between the verdict and its alerts
      // (or an alert that could not be written) is made good at the next check, and nothing is told twice.
      if (recorded?.deadSince && options.onDeath) {
        await options.onDeath(link, recorded).catch((error: unknown) => options.onError?.(link, error));
      }
    }
    if (links.length < CheckBatch) return report;
    // A due pass goes on while links are due (each checked one is no longer due) and its time lasts;
    // what is left is the oldest-checked of the next run. A full pass walks every link by id.
    if (before !== null && Date.now() - startedAt > budgetMs) return report;
    if (before === null) afterId = links[links.length - 1].id;
  }
}

/** `landedAt`: where the latest good capture ended up (after its redirects), when there is one. */
export async function checkLink(url: string, policy: EgressPolicy, signal?: AbortSignal, landedAt: string | null = null): Promise<LinkCheck> {
  const checkedAt = new Date().toISOString();
  try {
    // GET rather than HEAD: many servers answer HEAD with 405 or 404 for pages that exist.
    const response = await egressRequest(url, { policy, method: 'GET', timeoutMs: CheckTimeoutMs, maxBytes: 1, signal });
    response.abort();
    if (response.status === 404 || response.status === 410) return { checkedAt, alive: false, gone: true, httpStatus: response.status, error: null };
    const soft = softNotFound(url, response.url, landedAt);
    if (soft) return { checkedAt, alive: false, gone: true, httpStatus: response.status, error: soft };
    const alive = response.status < 400 || response.status === 401 || response.status === 403 || response.status === 429;
    return { checkedAt, alive, gone: false, httpStatus: response.status, error: null };
  } catch (error) {
    const failure = asLinksnapError(error);
    // DnsError is transient only while DNS did not answer; a name DNS says does not exist is gone.
    const gone = failure.code === ErrorCode.DnsFailed && !failure.transient;
    return { checkedAt, alive: false, gone, httpStatus: null, error: failure.message };
  }
}

/**
 * Why a redirect from `from` to `to` means the page is gone, or null when it does not. It is judged
 * against where the page was when it was captured (`landedAt`), not the address alone: a short
 * link (t.co, youtu.be, bit.ly) always leads to another site, and that is where its page lives.
 */
export function softNotFound(from: string, to: string, landedAt: string | null = null): string | null {
  if (to === from || to === landedAt) return null;
  const baseline = new URL(landedAt ?? from);
  const target = new URL(to);
  if (siteOf(baseline) !== siteOf(target)) return `Redirects to another site (${target.host})`;
  if (!isFrontPage(baseline) && isFrontPage(target)) return `Redirects to the site's front page (${target.origin}/)`;
  return null;
}

/** The registrable domain (news.bbc.co.uk → bbc.co.uk), or the host itself for addresses and local names. */
function siteOf(url: URL): string {
  return getDomain(url.hostname) ?? url.hostname;
}

function isFrontPage(url: URL): boolean {
  return /^\/(?:index\.\w{2,5}|home|[a-z]{2}(?:-[a-z]{2})?)?\/?$/i.test(url.pathname) && !url.search;
}
