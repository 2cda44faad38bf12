// Chromium settings that send every byte a page asks for through the egress proxy. Each flag is
// here because a test in test/egress-chromium.test.ts showed a leak without it (or proves it holds).

export interface ProxyLike {
  /** `http://127.0.0.1:PORT` */
  url: string;
}

/** Chromium's own default: loopback and link-local names skip the proxy. `<-loopback>` removes that rule. */
export const ProxyBypassNothing = '<-loopback>';

/**
 * Launch arguments for the one long-lived browser. `proxyUrl` is the proxy of the default browser
 * context; captures get their own proxy per context (see `egressContextOptions`), which overrides it.
 * Give the default context a proxy whose policy refuses everything
 * (`createEgressPolicy({ allowNets: [], onlyAllowed: true, resolve: refuseAll })`): Chromium's own
 * background requests (update.googleapis.com, accounts.google.com, clients2.google.com, seen on
 * Chromium 156 despite --disable-background-networking) go there and are refused without a lookup.
 */
export function chromiumEgressArgs(proxyUrl: string): string[] {
  return [
    `--proxy-server=${proxyUrl}`,
    // Without this Chromium connects to 127.0.0.0/8, [::1] and localhost directly, past the proxy.
    `--proxy-bypass-list=${ProxyBypassNothing}`,
    // Chromium itself resolves nothing: names go to the proxy, which resolves once and checks.
    // DNS prefetch, preconnect and STUN/TURN names all fail here instead of asking the system resolver.
    // It also refuses direct connections to IP literals, a second wall behind the bypass list.
    // EXCLUDE keeps the proxy itself (always on 127.0.0.1) reachable.
    '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
    // WebRTC may only use UDP through a proxy, and an HTTP proxy has none: no host or srflx
    // candidates, so a page cannot read the machine's local addresses or send STUN packets anywhere.
    // The two builds read different switches (tested on Chromium 156): the full browser honours
    // only --webrtc-ip-handling-policy, the headless shell only --force-webrtc-ip-handling-policy.
    '--webrtc-ip-handling-policy=disable_non_proxied_udp',
    '--force-webrtc-ip-handling-policy=disable_non_proxied_udp',
    // HTTP/3 (QUIC) runs over UDP, which an HTTP proxy cannot carry. Not proven by a test (no
    // QUIC server here); kept because Chromium documents that proxied requests never use QUIC anyway.
    '--disable-quic',
  ];
}

export interface EgressContextOptions {
  proxyServer: string;
  proxyBypassList: string[];
}

/** Options for `browser.createBrowserContext(...)`: this capture's traffic goes to this capture's proxy. */
export function egressContextOptions(proxy: ProxyLike): EgressContextOptions {
  return { proxyServer: proxy.url, proxyBypassList: [ProxyBypassNothing] };
}
