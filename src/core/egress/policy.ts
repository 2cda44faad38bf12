// Decides which hosts a capture may reach. Every request a capture makes (preflight, navigation,
// redirects, sub-resources, websockets) asks this policy first; the proxy and the preflight client
// then connect to the address the policy checked, never to a fresh lookup of the name.
import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import {
  BlockedAddressError,
  DnsError,
  InvalidInputError,
  InvalidUrlError,
  UnsupportedSchemeError,
} from '../errors.js';
import { blockedReason } from './address-ranges.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export type Resolver = (host: string) => Promise<ResolvedAddress[]>;

export interface EgressPolicyOptions {
  /** CIDRs (or bare addresses) opened on purpose: intranets, test fixtures. LINKSNAP_ALLOW_NETS. */
  allowNets: string[];
  /** Refuse every address outside allowNets. LINKSNAP_ONLY_ALLOWED. */
  onlyAllowed: boolean;
  /** Name resolution; the system resolver (getaddrinfo) by default. Injected by tests. */
  resolve?: Resolver;
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
  /** Checks an http(s) URL: scheme, host in any notation, every address the name resolves to. */
  checkUrl(url: string | URL): Promise<CheckedTarget>;
  /** Checks a bare host and port (a CONNECT target). */
  checkHost(host: string, port: number): Promise<Omit<CheckedTarget, 'url'>>;
  checkAddress(ip: string): AddressVerdict;
}

const DefaultPorts: Record<string, number> = { 'http:': 80, 'https:': 443 };

export function createEgressPolicy(options: EgressPolicyOptions): EgressPolicy {
  const allowed = options.allowNets.map(parseNet);
  const resolve = options.resolve ?? systemResolve;
  const onlyAllowed = options.onlyAllowed;

  function checkAddress(ip: string): AddressVerdict {
    let address: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      address = parseIp(ip);
    } catch {
      return { allowed: false, reason: `not an IP address: ${ip}` };
    }
    // An IPv4-mapped IPv6 address is the IPv4 address on the wire; an allow list written in
    // IPv4 must match it too.
    const plain = address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()
      ? (address as ipaddr.IPv6).toIPv4Address()
      : address;
    if (allowed.some(([network, bits]) => network.kind() === plain.kind() && plain.match(network as never, bits))) {
      return { allowed: true, reason: null };
    }
    const reason = blockedReason(address);
    if (reason) return { allowed: false, reason };
    if (onlyAllowed) return { allowed: false, reason: 'address outside the allowed networks (LINKSNAP_ONLY_ALLOWED)' };
    return { allowed: true, reason: null };
  }

  async function checkHost(rawHost: string, port: number): Promise<Omit<CheckedTarget, 'url'>> {
    const host = canonicalHost(rawHost);
    const name = host.replace(/\.+$/, '');
    if (!name) throw new InvalidUrlError(rawHost, 'empty host name');
    let addresses: ResolvedAddress[];
    const literal = literalAddress(name);
    if (literal) {
      addresses = [literal];
    } else if (name === 'localhost' || name.endsWith('.localhost')) {
      // RFC 6761: localhost names are loopback and never asked of DNS.
      addresses = [
        { address: '127.0.0.1', family: 4 },
        { address: '::1', family: 6 },
      ];
    } else {
      try {
        addresses = await resolve(name);
      } catch (error) {
        throw new DnsError(name, error);
      }
      if (addresses.length === 0) throw new DnsError(name);
    }
    // Every answer is checked, not only the one used: a name with one public and one private
    // address is refused, so which one a client picks can never matter.
    for (const { address } of addresses) {
      const verdict = checkAddress(address);
      if (!verdict.allowed) throw new BlockedAddressError(host, address, verdict.reason ?? 'refused');
    }
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

  return { allowNets: [...options.allowNets], onlyAllowed, checkUrl, checkHost, checkAddress };
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

async function systemResolve(host: string): Promise<ResolvedAddress[]> {
  const answers = await lookup(host, { all: true, verbatim: true });
  return answers.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
}
