// A sliding-window limit per key (a user), so one person flooding /snap gets a polite answer
// instead of starving everyone else's captures.

export type RateDecision = { ok: true } | { ok: false; retryAfterMs: number };

export class RateLimiter {
  readonly limit: number;
  readonly windowMs: number;
  readonly #now: () => number;
  readonly #hits = new Map<string, number[]>();

  constructor(options: { limit: number; windowMs: number; now?: () => number }) {
    this.limit = options.limit;
    this.windowMs = options.windowMs;
    this.#now = options.now ?? Date.now;
  }

  take(key: string): RateDecision {
    const now = this.#now();
    const since = now - this.windowMs;
    const hits = (this.#hits.get(key) ?? []).filter((time) => time > since);
    if (hits.length >= this.limit) {
      this.#hits.set(key, hits);
      return { ok: false, retryAfterMs: Math.max(1, hits[0] + this.windowMs - now) };
    }
    hits.push(now);
    this.#hits.set(key, hits);
    if (this.#hits.size > 10_000) this.#prune(since);
    return { ok: true };
  }

  #prune(since: number): void {
    for (const [key, hits] of this.#hits) {
      if (hits[hits.length - 1] <= since) this.#hits.delete(key);
    }
  }
}
