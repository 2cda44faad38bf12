// Decides which hosts and ports a capture may reach. Every request a capture makes (preflight,
// navigation, redirects, sub-resources, websockets) asks this policy first; the proxy and the
// preflight client then connect to the address the policy checked, never to a fresh lookup of the name.
// Refused besides the special-purpose ranges (address-ranges.ts): this machine's own interface
// addresses, the addresses LINKSNAP_PUBLIC_URL resolves to, and the ports browsers refuse (ports.ts).
// A refusal's message never holds the address a name resolved to: users read it (see errors.ts).
import { lookup } from 'node:dns/promises';
import os from 'node:os';
import ipaddr from 'ipaddr.js';
import {
  BlockedAddressError,
  BlockedPortError,
  DnsError,
  InvalidInputError,
  InvalidUrlError,
  UnsupportedSchemeError,
} from '../errors.js';
import type { Logger } from '../logger.js';
import { blockedReason } from './address-ranges.js';
import { RestrictedPorts, portVerdict } from './ports.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export type Resolver = (host: string) => Promise<ResolvedAddress[]>;

/** The shape of `os.networkInterfaces()`. */
export type InterfaceReader = () => NodeJS.Dict<os.NetworkInterfaceInfo[]>;

export interface EgressPolicyOptions {
  /** CIDRs (or bare addresses) opened on purpose: intranets, test fixtures. LINKSNAP_ALLOW_NETS. */
  allowNets: string[];
  /** Refuse every address outside allowNets. LINKSNAP_ONLY_ALLOWED. */
  onlyAllowed: boolean;
  /**
   * Only these ports (LINKSNAP_ALLOW_PORTS). Null or absent: every port but the ones browsers
   * refuse for web pages (ports.ts), which stay refused either way.
   */
  allowPorts?: readonly number[] | null;
  /** How users reach linksnap (LINKSNAP_PUBLIC_URL): the addresses its host resolves to are refused. */
  publicUrl?: string | null;
  /** This machine's interface addresses, refused like private ones; `os.networkInterfaces` by default. */
  interfaces?: InterfaceReader;
  /** How long the interface addresses and the public URL's addresses are used before being read again; 60 s. */
  refreshMs?: number;
  /** Name resolution; the system resolver (getaddrinfo) by default. Injected by tests. */
  resolve?: Resolver;
  /** Gets the address behind each refused name (messages never carry it), and lookup failures of publicUrl. */
  logger?: Logger;
  /** Clock for the refreshes; Date.now by default. */
  now?: () => number;
}

export interface CheckedTarget {
  url: URL;
  /** The host as written in the URL, canonical (lower case, punycode, IPv6 without brackets). */
  host: string;
  /** The one address the request must connect to. */
  address: string;
  family: 4 | 6;
  port: number;
}

export interface AddressVerdict {
  allowed: boolean;
  reason: string | null;
}

export interface EgressPolicy {
  readonly allowNets: readonly string[];
  readonly onlyAllowed: boolean;
  /** LINKSNAP_ALLOW_PORTS; null: every port but the restricted ones. */
  readonly allowPorts: readonly number[] | null;
  /** Checks an http(s) URL: scheme, port, host in any notation, every address the name resolves to. */
  checkUrl(url: string | URL): Promise<CheckedTarget>;
  /** Checks a bare host and port (a CONNECT target). */
  checkHost(host: string, port: number): Promise<Omit<CheckedTarget, 'url'>>;
  /**
   * Checks one address. The public URL's addresses count once a check of a host has looked them up
   * (they are resolved on the first checkHost/checkUrl, and again every refreshMs).
   */
  checkAddress(ip: string): AddressVerdict;
  checkPort(port: number): AddressVerdict;
}

const DefaultPorts: Record<string, number> = { 'http:': 80, 'https:': 443 };

const LocalhostAddresses: readonly ResolvedAddress[] = [
  { address: '127.0.0.1', family: 4 },
  { address: '::1', family: 6 },
];

export const OwnInterfaceReason = "this server's own address (one of its network interfaces)";
export const PublicUrlReason = "this linksnap server's own address (LINKSNAP_PUBLIC_URL)";
const OnlyAllowedReason = 'address outside the allowed networks (LINKSNAP_ONLY_ALLOWED)';
/** A public URL whose name does not answer within this long is retried at the next refresh. */
const PublicLookupTimeoutMs = 5_000;

export function createEgressPolicy(options: EgressPolicyOptions): EgressPolicy {
  const allowed = options.allowNets.map(parseNet);
  const resolve = options.resolve ?? systemResolve;
  const onlyAllowed = options.onlyAllowed;
  const allowPorts = options.allowPorts ? checkedAllowPorts(options.allowPorts) : null;
  const allowPortSet = allowPorts ? new Set(allowPorts) : null;
  const readInterfaces = options.interfaces ?? os.networkInterfaces;
  const refreshMs = options.refreshMs ?? 60_000;
  const now = options.now ?? Date.now;
  const logger = options.logger;

  // This machine's addresses: read on the first check, then again once refreshMs has passed
  // (an interface may come up later, DHCP may change an address). Reading them is cheap.
  let own: { at: number; keys: Set<string> } | null = null;
  function ownAddresses(): Set<string> {
    const time = now();
    if (own && time - own.at < refreshMs) return own.keys;
    let keys = own?.keys ?? new Set<string>();
    try {
      keys = interfaceKeys(readInterfaces());
    } catch {
      // Keep the last known set; os.networkInterfaces() can fail in some sandboxes.
    }
    own = { at: time, keys };
    return keys;
  }

  const publicAddresses = publicAddressCache(options.publicUrl ?? null, resolve, refreshMs, now, logger);

  function verdict(ip: string, quoteEmbedded: boolean): AddressVerdict {
    let address: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      address = parseIp(ip);
    } catch {
      return { allowed: false, reason: quoteEmbedded ? `not an IP address: ${ip}` : 'not an IP address' };
    }
    // An IPv4-mapped IPv6 address is the IPv4 address on the wire; an allow list written in
    // IPv4 must match it too.
    const plain = unmapped(address);
    if (allowed.some(([network, bits]) => network.kind() === plain.kind() && plain.match(network as never, bits))) {
      return { allowed: true, reason: null };
    }
    const reason = blockedReason(address, { embedded: quoteEmbedded });
    if (reason) return { allowed: false, reason };
    const key = keyOf(plain);
    if (ownAddresses().has(key)) return { allowed: false, reason: OwnInterfaceReason };
    if (publicAddresses.known().has(key)) return { allowed: false, reason: PublicUrlReason };
    if (onlyAllowed) return { allowed: false, reason: OnlyAllowedReason };
    return { allowed: true, reason: null };
  }

  function checkAddress(ip: string): AddressVerdict {
    return verdict(ip, true);
  }

  function checkPort(port: number): AddressVerdict {
    return portVerdict(port, allowPortSet);
  }

  function requirePort(host: string, port: number): void {
    const result = checkPort(port);
    if (!result.allowed) throw new BlockedPortError(host, port, result.reason ?? 'refused');
  }

  async function checkHost(rawHost: string, port: number): Promise<Omit<CheckedTarget, 'url'>> {
    const host = canonicalHost(rawHost);
    const name = host.replace(/\.+$/, '');
    if (!name) throw new InvalidUrlError(rawHost, 'empty host name');
    let addresses: ResolvedAddress[];
    const literal = literalAddress(name);
    const localhost = !literal && (name === 'localhost' || name.endsWith('.localhost'));
    // What is known without DNS is decided first: the address of a literal (or localhost), then
    // the port. A name on a refused port is refused without a lookup.
    if (literal) {
      addresses = [literal];
    } else if (localhost) {
      // RFC 6761: localhost names are loopback and never asked of DNS.
      addresses = [...LocalhostAddresses];
    } else {
      requirePort(host, port);
      try {
        addresses = await resolve(name);
      } catch (error) {
        throw new DnsError(name, error);
      }
      if (addresses.length === 0) throw new DnsError(name);
    }
    await publicAddresses.refresh();
    // Every answer is checked, not only the one used: a name with one public and one private
    // address is refused, so which one a client picks can never matter. For a name the reason
    // shown leaves out the address (and any IPv4 address it embeds); the log gets both.
    const resolved = !literal;
    for (const { address } of addresses) {
      const result = verdict(address, !resolved);
      if (result.allowed) continue;
      const reason = result.reason ?? 'refused';
      const detail = resolved ? (verdict(address, true).reason ?? reason) : reason;
      if (resolved) {
        logger?.({ level: 'info', context: 'egress', message: 'Refused a host name for the address it resolves to', details: { host, port, address, reason: detail } });
      }
      throw new BlockedAddressError(host, address, reason, { resolved, detail });
    }
    if (literal || localhost) requirePort(host, port);
    const chosen = addresses[0];
    const address = parseIp(chosen.address);
    return {
      host,
      address: address.kind() === 'ipv6' ? (address as ipaddr.IPv6).toRFC5952String() : address.toString(),
      family: address.kind() === 'ipv6' ? 6 : 4,
      port,
    };
  }

  async function checkUrl(input: string | URL): Promise<CheckedTarget> {
    const text = String(input);
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new InvalidUrlError(text, 'cannot be parsed as a URL');
    }
    const defaultPort = DefaultPorts[url.protocol];
    if (defaultPort === undefined) throw new UnsupportedSchemeError(text, url.protocol.replace(/:$/, ''));
    if (!url.hostname) throw new InvalidUrlError(text, 'no host');
    const target = await checkHost(url.hostname, url.port ? Number(url.port) : defaultPort);
    return { url, ...target };
  }

  return { allowNets: [...options.allowNets], onlyAllowed, allowPorts, checkUrl, checkHost, checkAddress, checkPort };
}

function checkedAllowPorts(ports: readonly number[]): number[] {
  for (const port of ports) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new InvalidInputError(`LINKSNAP_ALLOW_PORTS entry ${JSON.stringify(port)} is not a port number from 1 to 65535`);
    }
    const service = RestrictedPorts.get(port);
    if (service !== undefined) {
      throw new InvalidInputError(`LINKSNAP_ALLOW_PORTS entry ${port} is a port Chromium refuses for web pages (${service}); it cannot be opened`);
    }
  }
  return [...new Set(ports)];
}

interface PublicAddressCache {
  /** Looks the addresses up when they are older than refreshMs: waits for the first answer only. */
  refresh(): Promise<void>;
  /** The addresses known now (empty before the first answer). */
  known(): ReadonlySet<string>;
}

/**
 * The addresses the public URL's host resolves to, through the policy's own resolver. A literal or
 * localhost host needs no lookup. A failed lookup is logged and retried after refreshMs; until then
 * the last known answer (or none) applies, so a broken public name never stops captures.
 */
function publicAddressCache(publicUrl: string | null, resolve: Resolver, refreshMs: number, now: () => number, logger: Logger | undefined): PublicAddressCache {
  let keys = new Set<string>();
  const none: PublicAddressCache = { refresh: async () => {}, known: () => keys };
  if (!publicUrl) return none;
  let host: string;
  try {
    host = canonicalHost(new URL(publicUrl).hostname).replace(/\.+$/, '');
  } catch {
    logger?.({ level: 'warn', context: 'egress', message: 'LINKSNAP_PUBLIC_URL has no host name; its address is not refused', details: { publicUrl } });
    return none;
  }
  if (!host) return none;
  const literal = literalAddress(host);
  const fixed = literal ? [literal] : host === 'localhost' || host.endsWith('.localhost') ? LocalhostAddresses : null;
  if (fixed) {
    keys = addressKeys(fixed.map(({ address }) => address));
    return none;
  }
  let at: number | null = null;
  let pending: Promise<void> | null = null;
  const lookUp = async () => {
    let timer: NodeJS.Timeout | undefined;
    try {
      const answers = await Promise.race([
        resolve(host),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${PublicLookupTimeoutMs} ms`)), PublicLookupTimeoutMs);
          timer.unref();
        }),
      ]);
      keys = addressKeys(answers.map(({ address }) => address));
    } catch (error) {
      logger?.({ level: 'warn', context: 'egress', message: 'Could not resolve the host of LINKSNAP_PUBLIC_URL; its addresses are not refused until it resolves', details: { host, error } });
    } finally {
      clearTimeout(timer);
      at = now();
      pending = null;
    }
  };
  return {
    async refresh() {
      if (at !== null && now() - at < refreshMs) return;
      pending ??= lookUp();
      // Only the first lookup is waited for; later ones refresh behind the last known answer.
      if (at === null) await pending;
    },
    known: () => keys,
  };
}

/** Every address of every interface, as comparison keys. */
function interfaceKeys(interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]>): Set<string> {
  const addresses: string[] = [];
  for (const infos of Object.values(interfaces)) for (const info of infos ?? []) addresses.push(info.address);
  return addressKeys(addresses);
}

function addressKeys(addresses: string[]): Set<string> {
  const keys = new Set<string>();
  for (const text of addresses) {
    try {
      keys.add(keyOf(unmapped(parseIp(text))));
    } catch {
      // Not an address (never seen in practice); nothing to refuse.
    }
  }
  return keys;
}

function unmapped(address: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  return address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() ? (address as ipaddr.IPv6).toIPv4Address() : address;
}

function keyOf(address: ipaddr.IPv4 | ipaddr.IPv6): string {
  return address.kind() === 'ipv6' ? (address as ipaddr.IPv6).toNormalizedString() : address.toString();
}

/** The WHATWG URL parser normalises every IPv4 spelling (2130706433, 0x7f.1, 017700000001), IDN and case. */
function canonicalHost(raw: string): string {
  const bare = raw.startsWith('[') && raw.endsWith(']') ? raw.slice(1, -1) : raw;
  const forUrl = bare.includes(':') ? `[${bare}]` : bare;
  let hostname: string;
  try {
    hostname = new URL(`http://${forUrl}/`).hostname;
  } catch {
    throw new InvalidUrlError(raw, 'not a valid host name');
  }
  return hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
}

/**
 * ipaddr.js reads `::10.0.0.1` (IPv4-compatible) as `::ffff:10.0.0.1` (IPv4-mapped), so IPv6 text
 * is first put in canonical hex form by the WHATWG parser, which gets it right. A zone id
 * (`fe80::1%eth0`) says nothing about the range and is dropped.
 */
function parseIp(text: string): ipaddr.IPv4 | ipaddr.IPv6 {
  if (!text.includes(':')) {
    if (!ipaddr.IPv4.isValidFourPartDecimal(text)) throw new Error(`not a dotted-quad IPv4 address: ${text}`);
    return ipaddr.IPv4.parse(text);
  }
  const bare = text.replace(/%.*$/, '');
  if (!ipaddr.IPv6.isValid(bare)) throw new Error(`not an IPv6 address: ${text}`);
  return ipaddr.IPv6.parse(new URL(`http://[${bare}]/`).hostname.slice(1, -1));
}

function literalAddress(host: string): ResolvedAddress | null {
  if (ipaddr.IPv4.isValidFourPartDecimal(host)) return { address: host, family: 4 };
  if (host.includes(':') && ipaddr.IPv6.isValid(host)) return { address: host, family: 6 };
  return null;
}

function parseNet(text: string): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  try {
    if (text.includes('/')) return ipaddr.parseCIDR(text);
    const address = ipaddr.parse(text);
    return [address, address.kind() === 'ipv4' ? 32 : 128];
  } catch {
    throw new InvalidInputError(`LINKSNAP_ALLOW_NETS entry ${JSON.stringify(text)} is not a CIDR such as 10.1.0.0/16 or an IP address`);
  }
}

/** getaddrinfo, as every other program on the machine resolves (hosts file, then DNS). */
export async function systemResolve(host: string): Promise<ResolvedAddress[]> {
  const answers = await lookup(host, { all: true, verbatim: true });
  return answers.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
}
