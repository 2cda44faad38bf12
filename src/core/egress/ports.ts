// Which TCP ports a capture may connect to. Browsers refuse a fixed list of ports for web pages
// (SMTP, IRC, SIP…: services that would take an HTTP request as commands, see "NAT slipstreaming").
// Chromium refuses them itself when a page asks, but the preflight and the link check run in Node
// and the proxy also serves tunnels, so the policy refuses them too, for every client alike.
// LINKSNAP_ALLOW_PORTS narrows captures further to a list of ports.

/**
 * Chromium's kRestrictedPorts (net/base/port_util.cc: 0, 1 … 10080) plus the two ports the Fetch
 * standard's bad-port list has beyond it (4190 sieve, 6679 osaut;
 * https://fetch.spec.whatwg.org/#port-blocking), each with the service it belongs to.
 */
export const RestrictedPorts: ReadonlyMap<number, string> = new Map<number, string>([
  [0, 'no service: port 0 is reserved'],
  [1, 'tcpmux'],
  [7, 'echo'],
  [9, 'discard'],
  [11, 'systat'],
  [13, 'daytime'],
  [15, 'netstat'],
  [17, 'quote of the day'],
  [19, 'chargen'],
  [20, 'FTP data'],
  [21, 'FTP'],
  [22, 'SSH'],
  [23, 'telnet'],
  [25, 'SMTP mail'],
  [37, 'time'],
  [42, 'host name server'],
  [43, 'whois'],
  [53, 'DNS'],
  [69, 'TFTP'],
  [77, 'remote job entry'],
  [79, 'finger'],
  [87, 'ttylink'],
  [95, 'supdup'],
  [101, 'NIC host name'],
  [102, 'ISO-TSAP'],
  [103, 'gppitnp'],
  [104, 'ACR-NEMA'],
  [109, 'POP2 mail'],
  [110, 'POP3 mail'],
  [111, 'Sun RPC'],
  [113, 'ident'],
  [115, 'SFTP'],
  [117, 'UUCP path'],
  [119, 'NNTP news'],
  [123, 'NTP'],
  [135, 'RPC endpoint mapper'],
  [137, 'NetBIOS name service'],
  [139, 'NetBIOS session'],
  [143, 'IMAP mail'],
  [161, 'SNMP'],
  [179, 'BGP'],
  [389, 'LDAP'],
  [427, 'SLP'],
  [465, 'SMTP mail over TLS'],
  [512, 'rexec'],
  [513, 'rlogin'],
  [514, 'rsh'],
  [515, 'printer'],
  [526, 'tempo'],
  [530, 'courier RPC'],
  [531, 'chat'],
  [532, 'netnews'],
  [540, 'UUCP'],
  [548, 'AFP file sharing'],
  [554, 'RTSP'],
  [556, 'remotefs'],
  [563, 'NNTP news over TLS'],
  [587, 'mail submission'],
  [601, 'syslog'],
  [636, 'LDAP over TLS'],
  [989, 'FTPS data'],
  [990, 'FTPS'],
  [993, 'IMAP mail over TLS'],
  [995, 'POP3 mail over TLS'],
  [1719, 'H.323 gatekeeper'],
  [1720, 'H.323 call signalling'],
  [1723, 'PPTP VPN'],
  [2049, 'NFS'],
  [3659, 'Apple password server'],
  [4045, 'NFS lock daemon'],
  [4190, 'ManageSieve mail filters'],
  [5060, 'SIP'],
  [5061, 'SIP over TLS'],
  [6000, 'X11'],
  [6566, 'SANE scanner'],
  [6665, 'IRC chat'],
  [6666, 'IRC chat'],
  [6667, 'IRC chat'],
  [6668, 'IRC chat'],
  [6669, 'IRC chat'],
  [6679, 'osaut / IRC over TLS'],
  [6697, 'IRC chat over TLS'],
  [10080, 'Amanda backup'],
]);

export interface PortVerdict {
  allowed: boolean;
  reason: string | null;
}

/** Why a port is refused, or allowed. `allowPorts` null: every port not on the restricted list. */
export function portVerdict(port: number, allowPorts: ReadonlySet<number> | null): PortVerdict {
  if (!Number.isInteger(port) || port < 0 || port > 65535) return { allowed: false, reason: 'not a valid TCP port' };
  const service = RestrictedPorts.get(port);
  if (service !== undefined) return { allowed: false, reason: `a port Chromium refuses for web pages (${service})` };
  if (allowPorts && !allowPorts.has(port)) {
    return { allowed: false, reason: `not a port captures may use (LINKSNAP_ALLOW_PORTS: ${[...allowPorts].join(', ')})` };
  }
  return { allowed: true, reason: null };
}

/**
 * Reads a LINKSNAP_ALLOW_PORTS value: port numbers separated by commas or spaces. A restricted port
 * is an error rather than silently dropped: the browser would refuse it anyway.
 * `error` completes "expected …".
 */
export function parsePortList(text: string): { ports: number[] } | { error: string } {
  const items = text.split(/[\s,]+/).filter(Boolean);
  if (items.length === 0) return { error: 'at least one port number, such as 80,443' };
  const ports: number[] = [];
  for (const item of items) {
    const port = /^\d{1,5}$/.test(item) ? Number(item) : NaN;
    if (!(port >= 1 && port <= 65535)) return { error: `port numbers from 1 to 65535 separated by commas, such as 80,443 (not ${JSON.stringify(item)})` };
    const service = RestrictedPorts.get(port);
    if (service !== undefined) return { error: `ports a browser may open; ${port} is one Chromium refuses for web pages (${service})` };
    if (!ports.includes(port)) ports.push(port);
  }
  return { ports };
}
