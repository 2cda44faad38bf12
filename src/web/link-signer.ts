// Signed snapshot links: the link a chat reply carries opens that one snapshot without logging in,
// and nothing else. The signature is an HMAC-SHA256 of the snapshot id (and expiry, when links
// expire), so ids cannot be enumerated or swapped.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LinksnapError, ErrorCode } from '../core/errors.js';

export interface LinkGrant {
  sig: string;
  /** Unix seconds; absent when links never expire. */
  exp?: number;
}

export class LinkSigner {
  readonly #key: Buffer;
  readonly #ttlSec: number | null;
  readonly #now: () => number;

  constructor(secret: string | Buffer, options: { ttlSec?: number | null; now?: () => number } = {}) {
    this.#key = Buffer.isBuffer(secret) ? secret : Buffer.from(secret, 'utf8');
    if (this.#key.length < 16) throw new LinksnapError(ErrorCode.InvalidInput, 'The link signing secret must be at least 16 bytes long');
    this.#ttlSec = options.ttlSec ?? null;
    this.#now = options.now ?? Date.now;
  }

  sign(snapshotId: string): LinkGrant {
    const exp = this.#ttlSec ? Math.floor(this.#now() / 1000) + this.#ttlSec : undefined;
    return { sig: this.#mac(`snapshot:${snapshotId}:${exp ?? ''}`), ...(exp ? { exp } : {}) };
  }

  /** The query string (`sig=…&exp=…`) that grants access to one snapshot. */
  query(snapshotId: string): string {
    const grant = this.sign(snapshotId);
    return `sig=${grant.sig}${grant.exp ? `&exp=${grant.exp}` : ''}`;
  }

  verify(snapshotId: string, sig: string | null, exp: string | null): boolean {
    return this.#verifyMessage((expiry) => `snapshot:${snapshotId}:${expiry}`, sig, exp);
  }

  #verifyMessage(message: (expiry: string) => string, sig: string | null, exp: string | null): boolean {
    if (!sig || !/^[A-Za-z0-9_-]{43}$/.test(sig)) return false;
    let expiry = '';
    if (exp !== null && exp !== '') {
      if (!/^\d{1,12}$/.test(exp)) return false;
      if (Number(exp) * 1000 < this.#now()) return false;
      expiry = exp;
    }
    const expected = Buffer.from(this.#mac(message(expiry)));
    const given = Buffer.from(sig);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /**
   * The query string for a feed (`feed:<workspace>:<tag>`, the tag empty for the workspace's
   * feed): a feed reader holds the link, never the API token. Expires like snapshot links.
   */
  feedQuery(workspaceId: string, tag: string | null): string {
    const exp = this.#ttlSec ? Math.floor(this.#now() / 1000) + this.#ttlSec : undefined;
    return `sig=${this.#mac(feedMessage(workspaceId, tag, String(exp ?? '')))}${exp ? `&exp=${exp}` : ''}`;
  }

  verifyFeed(workspaceId: string, tag: string | null, sig: string | null, exp: string | null): boolean {
    return this.#verifyMessage((expiry) => feedMessage(workspaceId, tag, expiry), sig, exp);
  }

  /** A value for the login cookie that proves the holder knew the API token, without storing it. */
  sessionValue(apiToken: string): string {
    return this.#mac(`session:${apiToken}`);
  }

  #mac(message: string): string {
    return createHmac('sha256', this.#key).update(message).digest('base64url');
  }
}

/** JSON keeps workspace ids and tags with colons in them from running into each other. */
function feedMessage(workspaceId: string, tag: string | null, expiry: string): string {
  return `feed:${JSON.stringify([workspaceId, tag ?? ''])}:${expiry}`;
}

/**
 * The configured secret, or one generated on first start and kept (mode 0600) in the data folder
 * so links stay valid across restarts.
 */
export function loadLinkSecret(dataDir: string, configured: string | null): string {
  if (configured) return configured;
  const file = path.join(dataDir, 'link-secret');
  fs.mkdirSync(dataDir, { recursive: true });
  try {
    fs.writeFileSync(file, randomBytes(32).toString('hex'), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new LinksnapError(ErrorCode.Internal, `Could not create the link secret ${file}: ${(error as Error).message}`, { cause: error });
    }
  }
  const secret = fs.readFileSync(file, 'utf8').trim();
  if (secret.length < 32) throw new LinksnapError(ErrorCode.Internal, `The link secret in ${file} is too short; delete it to make a new one`);
  return secret;
}
