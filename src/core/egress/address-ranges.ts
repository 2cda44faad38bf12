// Which IP addresses a capture may never reach, and why. ipaddr.js names the special-purpose
// ranges (IANA registries); this file turns a range name into a reason a user can read, adds the
// ranges ipaddr.js is silent about, and looks inside IPv6 forms that embed an IPv4 address
// (mapped, translated, NAT64, 6to4, Teredo) so `::ffff:127.0.0.1` is refused like 127.0.0.1.
import ipaddr from 'ipaddr.js';

type IPv4 = ipaddr.IPv4;
type IPv6 = ipaddr.IPv6;
type Range = [IPv4 | IPv6, number];

const V4Labels: Record<string, string> = {
  unspecified: 'unspecified address',
  broadcast: 'broadcast address',
  multicast: 'multicast address',
  linkLocal: 'link-local address',
  loopback: 'loopback address',
  carrierGradeNat: 'carrier-grade NAT (CGNAT) address',
  private: 'private network',
  reserved: 'reserved address',
  as112: 'AS112 DNS sink address',
  amt: 'AMT relay anycast address',
};

const V6Labels: Record<string, string> = {
  unspecified: 'unspecified address',
  linkLocal: 'link-local address',
  multicast: 'multicast address',
  loopback: 'loopback address',
  uniqueLocal: 'unique local address (ULA)',
  deprecatedSiteLocal: 'site-local address',
  discard: 'discard-only address',
  benchmarking: 'benchmarking address',
  amt: 'AMT relay anycast address',
  as112v6: 'AS112 DNS sink address',
  deprecatedOrchid: 'ORCHID address',
  orchid2: 'ORCHID address',
  droneRemoteIdProtocolEntityTags: 'drone remote ID address',
  segmentRouting: 'segment routing SID address',
  reserved: 'reserved address',
};

/** Finer labels inside ipaddr.js's broad "reserved" bucket, so the reason says what the range is. */
const ReservedDetail: Array<[string, string]> = [
  ['192.0.2.0/24', 'documentation address'],
  ['198.51.100.0/24', 'documentation address'],
  ['203.0.113.0/24', 'documentation address'],
  ['198.18.0.0/15', 'benchmarking address'],
  ['192.0.0.0/24', 'IETF protocol assignment'],
  ['192.88.99.0/24', '6to4 relay anycast address'],
  ['240.0.0.0/4', 'reserved address (future use)'],
  ['2001:db8::/32', 'documentation address'],
  ['3fff::/20', 'documentation address'],
  ['2001::/23', 'IETF protocol assignment'],
];

// Ranges ipaddr.js does not single out: IPv4-compatible (deprecated, ::a.b.c.d), the local-use
// NAT64 prefix (whatever it embeds is a site's own choice), and everything outside global unicast.
const Ipv4Compatible = ipaddr.IPv6.parseCIDR('::/96');
const LocalUseNat64 = ipaddr.IPv6.parseCIDR('64:ff9b:1::/48');
const GlobalUnicast = ipaddr.IPv6.parseCIDR('2000::/3');

export interface ReasonOptions {
  /**
   * Quote the IPv4 address an IPv6 one embeds (`… (embeds 10.0.0.1)`); true by default. False for
   * an address a name resolved to: the reason is shown to users, who must not learn that address.
   */
  embedded?: boolean;
}

/** Returns why the address is refused, or null when it is an ordinary public unicast address. */
export function blockedReason(address: IPv4 | IPv6, options: ReasonOptions = {}): string | null {
  const quote = options.embedded ?? true;
  return address.kind() === 'ipv4' ? ipv4Reason(address as IPv4) : ipv6Reason(address as IPv6, quote);
}

function ipv4Reason(address: IPv4): string | null {
  const range = address.range();
  if (range === 'unicast') return null;
  const cidr = matchingCidr(address, range);
  const detail = cidr ? ReservedDetail.find(([text]) => text === cidr)?.[1] : undefined;
  const label = detail ?? V4Labels[range] ?? `special-purpose address (${range})`;
  return cidr ? `${label} ${cidr}` : label;
}

function ipv6Reason(address: IPv6, quote: boolean): string | null {
  // The embedding forms are judged by the IPv4 address they carry.
  if (address.match(LocalUseNat64)) return 'local-use NAT64 address 64:ff9b:1::/48';
  const range = address.range();
  const embedded = (form: string, inner: IPv4) => embeddedReason(form, inner, quote);
  switch (range) {
    case 'ipv4Mapped':
      return embedded('IPv4-mapped', v4From(address.parts[6], address.parts[7]));
    case 'rfc6145':
      return embedded('IPv4-translated', v4From(address.parts[6], address.parts[7]));
    case 'rfc6052':
      return embedded('NAT64', v4From(address.parts[6], address.parts[7]));
    case '6to4':
      return embedded('6to4', v4From(address.parts[1], address.parts[2]));
    case 'teredo':
      // Server in bits 32-63, client (obfuscated by XOR) in the last 32 bits.
      return (
        embedded('Teredo server', v4From(address.parts[2], address.parts[3])) ??
        embedded('Teredo client', v4From(address.parts[6] ^ 0xffff, address.parts[7] ^ 0xffff))
      );
    case 'unicast':
      if (address.match(Ipv4Compatible)) {
        const inner = v4From(address.parts[6], address.parts[7]);
        return `deprecated IPv4-compatible address ::/96${quote ? ` (embeds ${inner.toString()})` : ''}`;
      }
      if (!address.match(GlobalUnicast)) return 'reserved address (outside global unicast 2000::/3)';
      return null;
    default: {
      const cidr = matchingCidr(address, range);
      const detail = cidr ? ReservedDetail.find(([text]) => text === cidr)?.[1] : undefined;
      const label = detail ?? V6Labels[range] ?? `special-purpose address (${range})`;
      return cidr ? `${label} ${cidr}` : label;
    }
  }
}

function embeddedReason(form: string, inner: IPv4, quote: boolean): string | null {
  const reason = ipv4Reason(inner);
  if (!reason) return null;
  return quote ? `${form} ${reason} (embeds ${inner.toString()})` : `${form} ${reason}`;
}

function v4From(high: number, low: number): IPv4 {
  return new ipaddr.IPv4([(high >> 8) & 0xff, high & 0xff, (low >> 8) & 0xff, low & 0xff]);
}

/** The CIDR of the named ipaddr.js range the address falls in, to quote it in the reason. */
function matchingCidr(address: IPv4 | IPv6, rangeName: string): string | null {
  // SpecialRanges is ipaddr.js's own table (untyped on the prototype); reading it keeps one source of truth.
  const table = (address as unknown as { SpecialRanges: Record<string, Range | Range[]> }).SpecialRanges;
  const entry = table?.[rangeName];
  if (!entry) return null;
  const ranges: Range[] = Array.isArray(entry[0]) ? (entry as Range[]) : [entry as Range];
  for (const [network, bits] of ranges) {
    if (network.kind() === address.kind() && address.match(network as never, bits)) {
      return `${network.kind() === 'ipv6' ? (network as IPv6).toRFC5952String() : network.toString()}/${bits}`;
    }
  }
  return null;
}
