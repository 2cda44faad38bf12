// Name resolution shared by every capture of a process. A page names the same few hosts dozens of
// times (40 images on 4 CDN hosts), and concurrent captures name the same CDNs again; asking the
// system resolver each time queues lookups on libuv's four threads and floods the DNS server. Seen
// on a real machine: past ~48 queries in flight the server drops the rest, and getaddrinfo waits
// its 5 s retransmit timeout, so refusals of dead hosts arrived in batches 5 s apart.
// So: one lookup per name in flight, a short cache of answers (dead names too), a cap on lookups
// at once, and a deadline after which the name counts as unresolved for now.
// Caching addresses is safe for the egress policy: every address is checked on every use, and
// connections go to the checked address.
import type { ResolvedAddress, Resolver } from './policy.js';

export interface CachingResolverOptions {
  /** How long an answer is reused. */
  ttlMs?: number;
  /** How long "no such name" is reused. */
  negativeTtlMs?: number;
  /** How long a lookup that did not answer (timeout, SERVFAIL) is remembered, so its page's other requests don't wait again. */
  failureTtlMs?: number;
  /** Lookups in flight at once; the rest wait their turn. */
  maxConcurrent?: number;
  /** A lookup not answered by then fails as "DNS did not answer" (transient). */
  timeoutMs?: number;
  /** Names kept; the oldest go first. */
  maxEntries?: number;
  now?: () => number;
}

export const DefaultDnsCacheOptions = {
  ttlMs: 60_000,
  negativeTtlMs: 60_000,
  failureTtlMs: 10_000,
  maxConcurrent: 16,
  timeoutMs: 4_000,
  maxEntries: 10_000,
} as const satisfies CachingResolverOptions;

type Entry = { expires: number; addresses: ResolvedAddress[] } | { expires: number; error: unknown };

/** Codes that mean the name does not exist, as opposed to DNS not answering. */
const NoSuchName = new Set(['ENOTFOUND', 'ENODATA']);

export interface CachingResolver extends Resolver {
  readonly stats: { lookups: number; hits: number; coalesced: number; timeouts: number };
}

export function cachingResolver(resolve: Resolver, options: CachingResolverOptions = {}): CachingResolver {
  const o = { ...DefaultDnsCacheOptions, ...options };
  const now = options.now ?? Date.now;
  const cache = new Map<string, Entry>();
  const inFlight = new Map<string, Promise<ResolvedAddress[]>>();
  const waiting: Array<() => void> = [];
  let running = 0;
  const stats = { lookups: 0, hits: 0, coalesced: 0, timeouts: 0 };

  const remember = (host: string, entry: Entry) => {
    cache.delete(host);
    cache.set(host, entry);
    while (cache.size > o.maxEntries) cache.delete(cache.keys().next().value as string);
  };

  const turn = async (): Promise<() => void> => {
    if (running >= o.maxConcurrent) await new Promise<void>((resolve) => waiting.push(resolve));
    running += 1;
    return () => {
      running -= 1;
      waiting.shift()?.();
    };
  };

  async function lookUp(host: string): Promise<ResolvedAddress[]> {
    const release = await turn();
    stats.lookups += 1;
    let timer: NodeJS.Timeout | undefined;
    try {
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          stats.timeouts += 1;
          reject(Object.assign(new Error(`DNS did not answer for ${host} within ${o.timeoutMs} ms`), { code: 'ETIMEOUT' }));
        }, o.timeoutMs);
      });
      const addresses = await Promise.race([resolve(host), deadline]);
      remember(host, { expires: now() + o.ttlMs, addresses });
      return addresses;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const ttl = typeof code === 'string' && NoSuchName.has(code) ? o.negativeTtlMs : o.failureTtlMs;
      remember(host, { expires: now() + ttl, error });
      throw error;
    } finally {
      clearTimeout(timer);
      // getaddrinfo cannot be cancelled: the slot frees when the deadline fires, and the late
      // answer, if any, is dropped.
      release();
    }
  }

  const resolver = (async (rawHost: string) => {
    const host = rawHost.toLowerCase();
    const cached = cache.get(host);
    if (cached && cached.expires > now()) {
      stats.hits += 1;
      if ('error' in cached) throw cached.error;
      return cached.addresses;
    }
    const pending = inFlight.get(host);
    if (pending) {
      stats.coalesced += 1;
      return pending;
    }
    const lookup = lookUp(host).finally(() => inFlight.delete(host));
    inFlight.set(host, lookup);
    return lookup;
  }) as CachingResolver;
  Object.defineProperty(resolver, 'stats', { get: () => ({ ...stats }) });
  return resolver;
}
