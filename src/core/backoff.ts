// Retry delays for transient capture failures: 10 s, 40 s, 160 s … capped at 15 min, with jitter
// so a burst of failures against one site does not come back as one burst.
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(15 * 60_000, 10_000 * 4 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}
