import { describe, expect, it } from 'vitest';
import { BlockedAddressError, DnsError, InvalidInputError, UnsupportedSchemeError } from '../src/core/errors.js';
import { createEgressPolicy, type ResolvedAddress } from '../src/core/egress/policy.js';

// Names answer from a table: the tests never ask a real resolver (no traffic leaves 127.0.0.1).
function tableResolver(table: Record<string, string[]>) {
  const asked: string[] = [];
  const resolve = async (host: string): Promise<ResolvedAddress[]> => {
    asked.push(host);
    const answers = table[host];
    if (!answers) throw Object.assign(new Error(`ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return { resolve, asked };
}

const open = () =>
  createEgressPolicy({
    allowNets: [],
    onlyAllowed: false,
    resolve: tableResolver({
      'intranet.example': ['10.20.30.40'],
      'public.example': ['93.184.215.14'],
      'mixed.example': ['93.184.215.14', '192.168.1.10'],
      'v6private.example': ['fd00::5'],
      'xn--mnchen-3ya.de': ['127.0.0.1'],
    }).resolve,
  });

async function refusal(url: string, policy = open()): Promise<BlockedAddressError> {
  const error = await policy.checkUrl(url).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, url).toBeInstanceOf(BlockedAddressError);
  return error as BlockedAddressError;
}

describe('egress policy: host forms', () => {
  it.each([
    ['http://2130706433/', 'loopback address 127.0.0.0/8', '127.0.0.1'],
    ['http://0x7f.1/', 'loopback address 127.0.0.0/8', '127.0.0.1'],
    ['http://017700000001/', 'loopback address 127.0.0.0/8', '127.0.0.1'],
    ['http://127.1:8080/', 'loopback address 127.0.0.0/8', '127.0.0.1'],
    ['http://%31%32%37.0.0.1/', 'loopback address 127.0.0.0/8', '127.0.0.1'],
    ['http://127.0.0.1./', 'loopback address 127.0.0.0/8', '127.0.0.1'],
    ['http://[::1]/', 'loopback address ::1/128', '::1'],
    ['http://[::ffff:127.0.0.1]/', 'IPv4-mapped loopback address 127.0.0.0/8', '::ffff:7f00:1'],
    ['http://[::ffff:a00:1]/', 'IPv4-mapped private network 10.0.0.0/8', '::ffff:a00:1'],
    ['http://[::127.0.0.1]/', 'deprecated IPv4-compatible address', '::7f00:1'],
    ['http://localhost/', 'loopback address 127.0.0.0/8', '127.0.0.1'],
    ['http://LOCALHOST./', 'loopback address 127.0.0.0/8', '127.0.0.1'],
    ['http://api.localhost:3000/', 'loopback address 127.0.0.0/8', '127.0.0.1'],
    ['https://intranet.example/', 'private network 10.0.0.0/8', '10.20.30.40'],
    ['https://intranet.example./x', 'private network 10.0.0.0/8', '10.20.30.40'],
    ['https://v6private.example/', 'unique local address (ULA) fc00::/7', 'fd00::5'],
    ['http://münchen.de/', 'loopback address 127.0.0.0/8', '127.0.0.1'],
    ['http://0/', 'unspecified address 0.0.0.0/8', '0.0.0.0'],
    ['http://[::]/', 'unspecified address ::/128', '::'],
    ['http://169.254.169.254/latest/meta-data/', 'link-local address 169.254.0.0/16', '169.254.169.254'],
  ])('%s is refused: %s', async (url, reason, address) => {
    const error = await refusal(url);
    expect(error.code).toBe('blocked_address');
    expect(error.details.reason).toContain(reason);
    expect(error.details.address).toBe(address);
    expect(error.message).toContain(reason);
  });

  it('refuses a name when any one of its addresses is private, not only the first', async () => {
    const error = await refusal('https://mixed.example/');
    expect(error.details).toMatchObject({ host: 'mixed.example', address: '192.168.1.10', reason: 'private network 192.168.0.0/16' });
  });

  it('resolves a name once, without trailing dots, and never asks DNS for localhost', async () => {
    const { resolve, asked } = tableResolver({ 'public.example': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'] });
    const policy = createEgressPolicy({ allowNets: [], onlyAllowed: false, resolve });
    const target = await policy.checkUrl('https://Public.Example.:8443/a?b=1');
    expect(target).toMatchObject({ host: 'public.example.', address: '93.184.215.14', family: 4, port: 8443 });
    expect(target.url.pathname).toBe('/a');
    await policy.checkUrl('http://localhost/').catch(() => undefined);
    expect(asked).toEqual(['public.example']);
  });

  it('refuses other schemes and reports names that do not resolve', async () => {
    const policy = open();
    for (const url of ['ftp://example.org/', 'file:///etc/passwd', 'javascript:alert(1)', 'ws://example.org/', 'data:text/html,x']) {
      await expect(policy.checkUrl(url), url).rejects.toBeInstanceOf(UnsupportedSchemeError);
    }
    await expect(policy.checkUrl('https://nowhere.invalid/')).rejects.toBeInstanceOf(DnsError);
  });

  it('tells a name that does not exist (final) from DNS that did not answer (worth a retry)', async () => {
    const failing = (code: string) =>
      createEgressPolicy({
        allowNets: [],
        onlyAllowed: false,
        resolve: async (host) => {
          throw Object.assign(new Error(`getaddrinfo ${code} ${host}`), { code });
        },
      });
    const noSuchName = await failing('ENOTFOUND').checkUrl('https://no-such-name.example/').catch((error: unknown) => error);
    expect(noSuchName).toBeInstanceOf(DnsError);
    expect(noSuchName).toMatchObject({ transient: false, message: 'The host name no-such-name.example does not exist' });
    const unanswered = await failing('EAI_AGAIN').checkUrl('https://flaky.example/').catch((error: unknown) => error);
    expect(unanswered).toMatchObject({ transient: true, message: 'Could not resolve the host name flaky.example' });
  });

  it('checks CONNECT-style host and port pairs the same way', async () => {
    const policy = open();
    await expect(policy.checkHost('2130706433', 443)).rejects.toThrow(/loopback address/);
    await expect(policy.checkHost('[::ffff:7f00:1]', 443)).rejects.toThrow(/IPv4-mapped loopback/);
    await expect(policy.checkHost('public.example', 443)).resolves.toMatchObject({ address: '93.184.215.14', port: 443 });
  });
});

describe('egress policy: addresses', () => {
  const policy = open();
  it.each([
    ['127.0.0.2', 'loopback address 127.0.0.0/8'],
    ['10.1.2.3', 'private network 10.0.0.0/8'],
    ['172.31.255.255', 'private network 172.16.0.0/12'],
    ['192.168.0.1', 'private network 192.168.0.0/16'],
    ['100.64.0.1', 'carrier-grade NAT (CGNAT) address 100.64.0.0/10'],
    ['169.254.1.1', 'link-local address 169.254.0.0/16'],
    ['224.0.0.251', 'multicast address 224.0.0.0/4'],
    ['239.255.255.250', 'multicast address 224.0.0.0/4'],
    ['255.255.255.255', 'broadcast address'],
    ['0.1.2.3', 'unspecified address 0.0.0.0/8'],
    ['192.0.0.170', 'IETF protocol assignment 192.0.0.0/24'],
    ['192.0.2.10', 'documentation address 192.0.2.0/24'],
    ['198.51.100.7', 'documentation address 198.51.100.0/24'],
    ['203.0.113.99', 'documentation address 203.0.113.0/24'],
    ['198.19.0.1', 'benchmarking address 198.18.0.0/15'],
    ['240.1.2.3', 'reserved address (future use) 240.0.0.0/4'],
    ['::1', 'loopback address ::1/128'],
    ['::', 'unspecified address ::/128'],
    ['fe80::1', 'link-local address fe80::/10'],
    ['fe80::1%eth0', 'link-local address fe80::/10'],
    ['fc00::1', 'unique local address (ULA) fc00::/7'],
    ['fdff:ffff::1', 'unique local address (ULA) fc00::/7'],
    ['fec0::1', 'site-local address fec0::/10'],
    ['ff02::1', 'multicast address ff00::/8'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback address 127.0.0.0/8'],
    ['::ffff:192.168.1.1', 'IPv4-mapped private network 192.168.0.0/16'],
    ['::ffff:0:10.0.0.1', 'IPv4-translated private network 10.0.0.0/8'],
    ['::10.0.0.1', 'deprecated IPv4-compatible address ::/96'],
    // ipaddr.js alone would read this as the IPv4-mapped (public, allowed) ::ffff:8.8.8.8.
    ['::8.8.8.8', 'deprecated IPv4-compatible address ::/96'],
    ['64:ff9b::127.0.0.1', 'NAT64 loopback address 127.0.0.0/8'],
    ['64:ff9b::169.254.169.254', 'NAT64 link-local address 169.254.0.0/16'],
    ['64:ff9b:1::1', 'local-use NAT64 address 64:ff9b:1::/48'],
    ['2002:c0a8:101::1', '6to4 private network 192.168.0.0/16'],
    ['2002:7f00:1::', '6to4 loopback address 127.0.0.0/8'],
    // Teredo client 10.0.0.1 is stored XORed: ~0a00:0001 = f5ff:fffe.
    ['2001:0:808:808::f5ff:fffe', 'Teredo client private network 10.0.0.0/8'],
    ['2001:0:a00:1::f7f7:f7f7', 'Teredo server private network 10.0.0.0/8'],
    ['2001:db8::1', 'documentation address 2001:db8::/32'],
    ['3fff::1', 'documentation address 3fff::/20'],
    ['2001:2::1', 'benchmarking address 2001:2::/48'],
    ['100::1', 'discard-only address 100::/64'],
    ['4000::1', 'reserved address (outside global unicast 2000::/3)'],
    ['not-an-ip', 'not an IP address'],
  ])('%s is refused: %s', (ip, reason) => {
    const verdict = policy.checkAddress(ip);
    expect(verdict.allowed).toBe(false);
    expect(verdict.reason).toContain(reason);
  });

  it.each(['8.8.8.8', '93.184.215.14', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::8.8.8.8', '2002:808:808::1'])(
    'public address %s is allowed when not only-allowed',
    (ip) => {
      expect(policy.checkAddress(ip)).toEqual({ allowed: true, reason: null });
    },
  );

  it('allows a public name and returns the checked address to connect to', async () => {
    await expect(policy.checkUrl('https://public.example/')).resolves.toMatchObject({
      host: 'public.example',
      address: '93.184.215.14',
      family: 4,
      port: 443,
    });
  });
});

describe('egress policy: LINKSNAP_ALLOW_NETS and LINKSNAP_ONLY_ALLOWED', () => {
  it('opens listed ranges on purpose and keeps the rest of the same range refused', () => {
    const policy = createEgressPolicy({ allowNets: ['127.0.0.1/32', '10.1.0.0/16', 'fd00:1::/32', '192.168.5.5'], onlyAllowed: false });
    expect(policy.checkAddress('127.0.0.1').allowed).toBe(true);
    expect(policy.checkAddress('::ffff:127.0.0.1').allowed).toBe(true);
    expect(policy.checkAddress('127.0.0.2')).toEqual({ allowed: false, reason: 'loopback address 127.0.0.0/8' });
    expect(policy.checkAddress('10.1.200.3').allowed).toBe(true);
    expect(policy.checkAddress('10.2.0.1').allowed).toBe(false);
    expect(policy.checkAddress('fd00:1:2::3').allowed).toBe(true);
    expect(policy.checkAddress('fd00:2::3').allowed).toBe(false);
    expect(policy.checkAddress('192.168.5.5').allowed).toBe(true);
    expect(policy.checkAddress('192.168.5.6').allowed).toBe(false);
    expect(policy.checkAddress('8.8.8.8').allowed).toBe(true);
  });

  it('with onlyAllowed refuses public addresses outside the list, with a reason saying so', async () => {
    const policy = createEgressPolicy({ allowNets: ['127.0.0.1/32'], onlyAllowed: true, resolve: tableResolver({ 'public.example': ['93.184.215.14'] }).resolve });
    expect(policy.checkAddress('127.0.0.1')).toEqual({ allowed: true, reason: null });
    expect(policy.checkAddress('8.8.8.8')).toEqual({ allowed: false, reason: 'address outside the allowed networks (LINKSNAP_ONLY_ALLOWED)' });
    // A refused range keeps its own, more telling reason.
    expect(policy.checkAddress('127.0.0.2').reason).toBe('loopback address 127.0.0.0/8');
    await expect(policy.checkUrl('https://public.example/')).rejects.toThrow(/outside the allowed networks/);
    await expect(policy.checkUrl('http://127.0.0.1:1234/')).resolves.toMatchObject({ address: '127.0.0.1', port: 1234 });
    // localhost also answers ::1, which is not in the list: refused as a whole.
    await expect(policy.checkUrl('http://localhost:1234/')).rejects.toThrow(/::1/);
  });

  it('rejects a malformed allow-list entry naming the entry', () => {
    expect(() => createEgressPolicy({ allowNets: ['10.0.0.0/33'], onlyAllowed: false })).toThrow(InvalidInputError);
    expect(() => createEgressPolicy({ allowNets: ['intranet'], onlyAllowed: false })).toThrow(/"intranet"/);
  });
});
