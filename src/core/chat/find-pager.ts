// /find results are paged with Previous/Next buttons. A button carries only a short session id
// and page number (Discord custom ids are capped at 100 characters), so the query and the cursor of
// each page are kept here, for a while, with the one user allowed to turn the pages.
import { randomBytes } from 'node:crypto';
import { ForbiddenError, NotFoundError } from '../errors.js';
import type { SnapService } from '../service-api.js';
import type { FindItem, FindQuery } from '../types.js';
import { ChatPolicy } from './policy.js';

export interface FindPage {
  sessionId: string;
  index: number;
  items: FindItem[];
  hasPrev: boolean;
  hasNext: boolean;
  /** 1-based positions of the first and last item shown. */
  from: number;
  to: number;
  query: FindQuery;
}

interface Session {
  query: FindQuery;
  ownerId: string;
  /** cursors[i] is the cursor that fetches page i (null for the first). */
  cursors: Array<string | null>;
  expiresAt: number;
}

export class FindPager {
  readonly #service: Pick<SnapService, 'find'>;
  readonly #pageSize: number;
  readonly #ttlMs: number;
  readonly #sessions = new Map<string, Session>();
  readonly #now: () => number;

  constructor(options: { service: Pick<SnapService, 'find'>; pageSize?: number; ttlMs?: number; now?: () => number }) {
    this.#service = options.service;
    this.#pageSize = options.pageSize ?? ChatPolicy.find.pageSize;
    this.#ttlMs = options.ttlMs ?? ChatPolicy.find.sessionTtlMs;
    this.#now = options.now ?? Date.now;
  }

  async start(query: FindQuery, ownerId: string): Promise<FindPage> {
    this.#expire();
    const sessionId = randomBytes(6).toString('base64url');
    this.#sessions.set(sessionId, { query, ownerId, cursors: [null], expiresAt: this.#now() + this.#ttlMs });
    return this.page(sessionId, 0, ownerId);
  }

  async page(sessionId: string, index: number, userId: string): Promise<FindPage> {
    const session = this.#sessions.get(sessionId);
    if (!session || session.expiresAt < this.#now()) {
      this.#sessions.delete(sessionId);
      throw new NotFoundError('search', sessionId);
    }
    if (session.ownerId !== userId) throw new ForbiddenError('Only the person who searched can turn these pages');
    if (!Number.isInteger(index) || index < 0 || index >= session.cursors.length) {
      throw new NotFoundError('search page', String(index));
    }
    session.expiresAt = this.#now() + this.#ttlMs;
    const result = await this.#service.find({ ...session.query, limit: this.#pageSize, cursor: session.cursors[index] });
    if (result.nextCursor && session.cursors.length === index + 1) session.cursors.push(result.nextCursor);
    const from = index * this.#pageSize + 1;
    return {
      sessionId,
      index,
      items: result.items,
      hasPrev: index > 0,
      hasNext: result.nextCursor !== null,
      from: result.items.length ? from : 0,
      to: from + result.items.length - 1,
      query: session.query,
    };
  }

  #expire(): void {
    const now = this.#now();
    for (const [id, session] of this.#sessions) if (session.expiresAt < now) this.#sessions.delete(id);
  }
}
