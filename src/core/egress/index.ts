// Which addresses a capture may reach, and the plumbing that makes every request ask first:
// policy.ts decides, proxy.ts enforces it for the browser, fetch.ts for Node-side requests,
// chromium.ts makes Chromium send everything to the proxy.
export { createEgressPolicy } from './policy.js';
export type { AddressVerdict, CheckedTarget, EgressPolicy, EgressPolicyOptions, ResolvedAddress, Resolver } from './policy.js';
export { DefaultEgressProxyOptions, RefusedHeader, startEgressProxy } from './proxy.js';
export type { BlockedRequest, EgressProxy, EgressProxyOptions } from './proxy.js';
export { egressRequest } from './fetch.js';
export type { EgressRequestOptions, EgressResponse } from './fetch.js';
export { ProxyBypassNothing, chromiumEgressArgs, egressContextOptions } from './chromium.js';
export type { EgressContextOptions, ProxyLike } from './chromium.js';
