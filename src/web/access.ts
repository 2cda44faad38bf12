// Who may do what. Without LINKSNAP_API_TOKEN everything is open (the server listens on loopback
// by default); with it, every page and API route needs the token as a bearer header or the login
// cookie, except a signed link, which opens exactly one snapshot and its files.
import { timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import type { LinkSigner } from './link-signer.js';
import { parseCookies } from './http-io.js';

export const SessionCookie = 'linksnap_session';

export type Access = { kind: 'full' } | { kind: 'none' };

export class AccessPolicy {
  readonly #token: string | null;
  readonly #signer: LinkSigner;
  readonly #session: string | null;
  readonly #allowedHosts: Set<string> | null;

  constructor(options: { apiToken: string | null; signer: LinkSigner; allowedHosts: string[] | null }) {
    this.#token = options.apiToken;
    this.#signer = options.signer;
    this.#session = options.apiToken ? options.signer.sessionValue(options.apiToken) : null;
    this.#allowedHosts = options.allowedHosts ? new Set(options.allowedHosts.map((h) => h.toLowerCase())) : null;
  }

  get tokenRequired(): boolean {
    return this.#token !== null;
  }

  /** Whether the request carries the token (or no token is configured). */
  access(req: http.IncomingMessage): Access {
    if (!this.#token) return { kind: 'full' };
    const header = req.headers.authorization;
    if (header) {
      const match = /^Bearer\s+(.+)$/i.exec(header.trim());
      if (match && equal(match[1], this.#token)) return { kind: 'full' };
    }
    const session = parseCookies(req.headers.cookie)[SessionCookie];
    if (session && this.#session && equal(session, this.#session)) return { kind: 'full' };
    return { kind: 'none' };
  }

  checkToken(candidate: string): boolean {
    return this.#token !== null && equal(candidate, this.#token);
  }

  sessionCookieValue(): string | null {
    return this.#session;
  }

  /** A signed link's grant for one snapshot. */
  signedFor(snapshotId: string, url: URL): boolean {
    return this.#signer.verify(snapshotId, url.searchParams.get('sig'), url.searchParams.get('exp'));
  }

  /**
   * Open mode trusts whoever can reach the port, so a page elsewhere must not reach it by
   * pointing its own host name at 127.0.0.1 (DNS rebinding): the Host header has to be ours.
   */
  hostAllowed(req: http.IncomingMessage): boolean {
    if (this.#token || !this.#allowedHosts) return true;
    const host = hostnameOf(req.headers.host ?? '');
    return host !== null && this.#allowedHosts.has(host);
  }

  /** Blocks cross-site form posts and fetches that change things (CSRF). */
  sameOrigin(req: http.IncomingMessage): boolean {
    const site = req.headers['sec-fetch-site'];
    if (site && site !== 'same-origin' && site !== 'none') return false;
    // Our pages send no referrer, so a browser's own form posts carry "Origin: null"; its
    // Sec-Fetch-Site (which no page script can set) still tells a same-origin post apart.
    if (site === 'same-origin') return true;
    const origin = req.headers.origin;
    if (!origin || origin === 'null') return origin !== 'null';
    try {
      return new URL(origin).host.toLowerCase() === String(req.headers.host ?? '').toLowerCase();
    } catch {
      return false;
    }
  }
}

function equal(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function hostnameOf(hostHeader: string): string | null {
  try {
    return new URL(`http://${hostHeader}`).hostname.toLowerCase();
  } catch {
    return null;
  }
}
