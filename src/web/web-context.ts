// What every route handler gets: the request, its locale, whether it carries the token, and the
// shared pieces of the server. Guards turn "may this request see that?" into one call.
import type { Config } from '../config.js';
import { ForbiddenError } from '../core/errors.js';
import type { Locale } from '../core/i18n.js';
import type { Logger } from '../core/logger.js';
import type { SnapService } from '../core/service-api.js';
import type { Snapshot } from '../core/types.js';
import type { AccessPolicy } from './access.js';
import type { LinkSigner } from './link-signer.js';
import type { Translate } from './messages.js';
import type { ProgressHub } from './progress.js';
import type { RouteContext } from './router.js';
import { AuthRequiredError, BadRequestError } from './web-errors.js';

export interface WebDeps {
  service: SnapService;
  config: Config;
  logger: Logger;
  signer: LinkSigner;
  policy: AccessPolicy;
  hub: ProgressHub;
  /** LINKSNAP_PUBLIC_URL, or with an ephemeral port (`:0`, tests) the address actually bound. */
  publicBase: () => string;
}

export interface WebContext extends RouteContext {
  locale: Locale;
  t: Translate;
  /** Carries the token, or none is configured. */
  authorized: boolean;
  /** The workspace the page shows (cookie `linksnap_ws`), `local` unless switched. */
  pageWorkspace: string;
}

export const LocalWorkspace = 'local';
export const LangCookie = 'linksnap_lang';
export const WorkspaceCookie = 'linksnap_ws';

export function requireAuth(ctx: WebContext): void {
  if (!ctx.authorized) throw new AuthRequiredError(ctx.url.pathname);
}

/**
 * Access to one snapshot: full with the token, or through its signed link. Returns the grant
 * query to carry into links to the snapshot's files, or null when the request is authorized.
 * The answer is the same whether or not the id exists, so ids cannot be probed.
 */
export function snapshotGrant(ctx: WebContext, deps: WebDeps, snapshotId: string): string | null {
  if (ctx.authorized) return null;
  if (deps.policy.signedFor(snapshotId, ctx.url)) {
    const sig = ctx.url.searchParams.get('sig')!;
    const exp = ctx.url.searchParams.get('exp');
    return `sig=${sig}${exp ? `&exp=${exp}` : ''}`;
  }
  if (ctx.url.searchParams.has('sig')) throw new ForbiddenError('This link is not valid for this snapshot, or it has expired; ask for a new one');
  throw new AuthRequiredError(ctx.url.pathname);
}

/**
 * What a signed link shows of its link's versions: its own snapshot and those made before it (a
 * change notice signs the newer snapshot and compares it with an older one). A later version is
 * not the signer's to pass on, so it stays closed to the signature, even listed by id.
 */
export function signedMayShow(version: Pick<Snapshot, 'id' | 'createdAt'>, signed: Pick<Snapshot, 'id' | 'createdAt'>): boolean {
  return version.id === signed.id || Date.parse(version.createdAt) < Date.parse(signed.createdAt);
}

/** With only a signature, `against` must be an older version of the signed snapshot (same link checked by the caller or the core). */
export function checkSignedAgainst(grant: string | null, signed: Snapshot, against: Snapshot): void {
  if (grant === null || against.linkId !== signed.linkId || signedMayShow(against, signed)) return;
  throw new ForbiddenError('A shared link compares its snapshot only with older versions; sign in to compare it with a later one');
}

const IdPattern = /^[A-Za-z0-9_-]{1,100}$/;

export function checkId(id: string, what = 'snapshot'): string {
  if (!IdPattern.test(id)) throw new BadRequestError(`Not a ${what} id: ${JSON.stringify(id.slice(0, 80))}`);
  return id;
}

export function checkWorkspaceId(id: string | null | undefined): string {
  if (id === null || id === undefined || id === '') return LocalWorkspace;
  if (id.length > 200 || !/^[\w:.-]+$/.test(id)) throw new BadRequestError(`Not a workspace id: ${JSON.stringify(id.slice(0, 80))}`);
  return id;
}
