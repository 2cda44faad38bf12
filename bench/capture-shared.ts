// Pieces the capture benchmark's processes share (capture-bench.ts and the children it forks).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResolvedAddress } from '../src/core/egress/policy.js';

/** Names RFC 2606/6761 reserve: no DNS anywhere answers them, so neither does the simulated one. */
export function isReservedName(host: string): boolean {
  return /(^|\.)(test|invalid|example|localhost|local)\.?$/i.test(host);
}

/** Scenario 2's resolver: every external name is the simulated internet's address. */
export function simulatedResolver(address: string): (host: string) => Promise<ResolvedAddress[]> {
  return async (host) => {
    if (isReservedName(host)) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND', hostname: host });
    return [{ address, family: 4 }];
  };
}

/** True when the module at `metaUrl` is the process's entry point (a forked child), not an import. */
export function isEntryPoint(metaUrl: string): boolean {
  return Boolean(process.argv[1]) && path.resolve(process.argv[1]) === fileURLToPath(metaUrl);
}
