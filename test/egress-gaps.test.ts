// The egress gaps closed after the first policy: this machine's own addresses, the address of
// LINKSNAP_PUBLIC_URL, the ports browsers refuse, LINKSNAP_ALLOW_PORTS, and refusals whose text
// (read by everyone: chat replies, snapshot.error, the proxy's answer) never holds the private
// address a name resolved to. No test sends a DNS query: names answer from a table.
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { errorMessage } from '../src/core/chat/present.js';
import { checkLink } from '../src/core/link-check.js';
import { BlockedAddressError, BlockedPortError, ErrorCode, InvalidInputError, LinksnapError } from '../src/core/errors.js';
import { describeError } from '../src/core/i18n.js';
import { createMemoryLogger } from '../src/core/logger.js';
import { OwnInterfaceReason, PublicUrlReason, createEgressPolicy, type EgressPolicyOptions, type InterfaceReader, type ResolvedAddress } from '../src/core/egress/policy.js';
import { RestrictedPorts } from '../src/core/egress/ports.js';
import { RefusedHeader, startEgressProxy, type EgressProxy } from '../src/core/egress/proxy.js';
import type { SnapRequest } from '../src/core/types.js';
import { startFixtureServer, type FixtureServer } from './helpers/fixture-server.js';
import { startTestApp, type TestApp } from './helpers/app.js';

/** Names a private (or otherwise secret) address hides behind, with every address form worth leaking. */
const Private: Record<string, string[]> = {
  'intranet.example': ['10.20.30.40'],
  'printer.example': ['192.168.1.77'],
  'ula.example': ['fd12:3456:789a::5'],
  'mapped.example': ['::ffff:10.9.8.7'],
  'sixtofour.example': ['2002:c0a8:14d::1'], // embeds 192.168.1.77
  'nat64.example': ['64:ff9b::a09:807'], // embeds 10.9.8.7
  'teredo.example': ['2001:0:808:808::f5f6:f7f8'], // client 10.9.8.7, XORed
  'mixed.example': ['93.184.215.14', '172.20.0.9'],
};
/** What none of the user-facing texts may contain: the addresses above and those they embed. */
const Secrets = ['10.20.30.40', '192.168.1.77', 'fd12:3456:789a::5', '10.9.8.7', '2002:c0a8:14d::1', '64:ff9b::a09:807', 'f5f6:f7f8', '172.20.0.9', 'a09:807', 'c0a8:14d'];

function tableResolver(table: Record<string, string[]>) {
  const asked: string[] = [];
  const resolve = async (host: string): Promise<ResolvedAddress[]> => {
    asked.push(host);
    const answers = table[host];
    if (!answers) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return { resolve, asked };
}

const iface = (address: string): os.NetworkInterfaceInfo =>
  address.includes(':')
    ? { address, netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:00:00:00:00:01', internal: false, cidr: `${address}/64`, scopeid: 0 }
    : { address, netmask: '255.255.255.0', family: 'IPv4', mac: '02:00:00:00:00:01', internal: false, cidr: `${address}/24` };

/** A machine with public addresses on its interfaces (a VPS): the range checks alone would allow them. */
const vpsInterfaces: InterfaceReader = () => ({
  lo: [iface('127.0.0.1'), iface('::1')],
  eth0: [iface('93.184.215.99'), iface('2606:2800:21f:cb07::99')],
});

const policyWith = (options: Partial<EgressPolicyOptions> = {}) =>
  createEgressPolicy({ allowNets: [], onlyAllowed: false, interfaces: vpsInterfaces, resolve: tableResolver({}).resolve, ...options });

async function rejection(promise: Promise<unknown>): Promise<LinksnapError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LinksnapError);
  return error as LinksnapError;
}

function expectNoSecret(text: string | null | undefined, label = 'text') {
  for (const secret of Secrets) expect(text ?? '', `${label} leaks ${secret}`).not.toContain(secret);
}

describe("this machine's own interface addresses", () => {
  it('refuses them like private ones, in every spelling, and through a name resolving to one', async () => {
    const { resolve } = tableResolver({ 'self.example': ['93.184.215.99'], 'self6.example': ['2606:2800:21f:cb07::99'], 'public.example': ['93.184.215.14'] });
    const logger = createMemoryLogger();
    const policy = policyWith({ resolve, logger });
    for (const ip of ['93.184.215.99', '::ffff:93.184.215.99', '2606:2800:21f:cb07::99', '2606:2800:21f:cb07:0:0:0:99']) {
      expect(policy.checkAddress(ip), ip).toEqual({ allowed: false, reason: OwnInterfaceReason });
    }
    expect(policy.checkAddress('93.184.215.98')).toEqual({ allowed: true, reason: null });

    const literal = await rejection(policy.checkUrl('http://93.184.215.99:8080/api/snaps'));
    expect(literal).toBeInstanceOf(BlockedAddressError);
    expect(literal.message).toBe(`Refused to connect to 93.184.215.99: ${OwnInterfaceReason}`);

    for (const host of ['self.example', 'self6.example']) {
      const named = await rejection(policy.checkUrl(`https://${host}/`));
      expect(named.code).toBe(ErrorCode.BlockedAddress);
      expect(named.message).toBe(`Refused to connect to ${host}: it resolves to a refused address (${OwnInterfaceReason})`);
      expect(named.message).not.toMatch(/93\.184\.215\.99|2606:2800/);
    }
    // The log, not the message, says which address.
    expect(logger.events.filter((event) => event.context === 'egress').map((event) => event.details?.address)).toEqual(['93.184.215.99', '2606:2800:21f:cb07::99']);
    await expect(policy.checkUrl('https://public.example/')).resolves.toMatchObject({ address: '93.184.215.14' });
  });

  it('lets LINKSNAP_ALLOW_NETS open them on purpose (the allow list wins)', async () => {
    const policy = policyWith({ allowNets: ['93.184.215.99/32'] });
    expect(policy.checkAddress('93.184.215.99')).toEqual({ allowed: true, reason: null });
    expect(policy.checkAddress('2606:2800:21f:cb07::99').allowed).toBe(false);
    // The tests' own setting: loopback opened, though 127.0.0.1 is an interface address too.
    expect(policyWith({ allowNets: ['127.0.0.1/32'], onlyAllowed: true }).checkAddress('127.0.0.1')).toEqual({ allowed: true, reason: null });
  });

  it('reads the interfaces once, then again after the refresh interval, keeping the last set when reading fails', () => {
    let clock = 1_000;
    let reads = 0;
    let current: string[] = ['93.184.215.99'];
    const interfaces: InterfaceReader = () => {
      reads += 1;
      if (current.length === 0) throw new Error('uv_interface_addresses failed');
      return { eth0: current.map(iface) };
    };
    const policy = policyWith({ interfaces, refreshMs: 60_000, now: () => clock });
    expect(reads).toBe(0);
    expect(policy.checkAddress('93.184.215.99').allowed).toBe(false);
    expect(policy.checkAddress('8.8.8.8').allowed).toBe(true);
    expect(reads).toBe(1);

    current = ['93.184.215.100'];
    clock += 59_000;
    expect(policy.checkAddress('93.184.215.100').allowed).toBe(true);
    expect(reads).toBe(1);
    clock += 2_000;
    expect(policy.checkAddress('93.184.215.100').allowed).toBe(false);
    expect(policy.checkAddress('93.184.215.99').allowed).toBe(true);
    expect(reads).toBe(2);

    current = [];
    clock += 61_000;
    expect(policy.checkAddress('93.184.215.100').allowed).toBe(false);
    expect(reads).toBe(3);
  });

  it("refuses every non-loopback address of this very machine (os.networkInterfaces), with no private address in the message", async () => {
    const real = Object.values(os.networkInterfaces())
      .flatMap((infos) => infos ?? [])
      .filter((info) => !info.internal)
      .map((info) => info.address);
    const table = Object.fromEntries(real.map((address, i) => [`host${i}.example`, [address]]));
    const policy = createEgressPolicy({ allowNets: ['127.0.0.1/32'], onlyAllowed: false, resolve: tableResolver(table).resolve });
    for (const [i, address] of real.entries()) {
      expect(policy.checkAddress(address).allowed, address).toBe(false);
      const error = await rejection(policy.checkUrl(`http://host${i}.example/`));
      expect(error.code, address).toBe(ErrorCode.BlockedAddress);
      expect(error.message, address).not.toContain(address.replace(/%.*$/, ''));
      expect(error.details.address).toBeTruthy();
    }
  });
});

describe('the address LINKSNAP_PUBLIC_URL resolves to', () => {
  it("refuses it, looked up with the policy's resolver once per refresh interval", async () => {
    let clock = 0;
    const { resolve, asked } = tableResolver({ 'snaps.example.com': ['93.184.215.50'], 'alias.example': ['93.184.215.50'], 'public.example': ['93.184.215.14'] });
    const policy = policyWith({ resolve, publicUrl: 'https://snaps.example.com/linksnap', refreshMs: 60_000, now: () => clock });
    expect(asked).toEqual([]);

    const error = await rejection(policy.checkUrl('https://alias.example/'));
    expect(error.message).toBe(`Refused to connect to alias.example: it resolves to a refused address (${PublicUrlReason})`);
    expect(error.message).not.toContain('93.184.215.50');
    await expect(policy.checkHost('93.184.215.50', 443)).rejects.toThrow(`Refused to connect to 93.184.215.50: ${PublicUrlReason}`);
    await expect(policy.checkUrl('https://public.example/')).resolves.toMatchObject({ address: '93.184.215.14' });
    expect(policy.checkAddress('93.184.215.50')).toEqual({ allowed: false, reason: PublicUrlReason });
    expect(asked).toEqual(['alias.example', 'snaps.example.com', 'public.example']);

    // After the refresh interval the next check looks again, behind the last known answer.
    clock += 61_000;
    await policy.checkUrl('https://public.example/');
    await new Promise((resolveTick) => setImmediate(resolveTick));
    expect(asked.slice(3)).toEqual(['public.example', 'snaps.example.com']);
    // linksnap's own name, captured as a link, is refused too.
    await expect(policy.checkUrl('https://snaps.example.com/s/abc')).rejects.toThrow(PublicUrlReason);
  });

  it('needs no lookup for an IP literal, and is opened by LINKSNAP_ALLOW_NETS like the rest', async () => {
    const { resolve, asked } = tableResolver({});
    expect(policyWith({ resolve, publicUrl: 'http://93.184.215.51:8080' }).checkAddress('93.184.215.51')).toEqual({ allowed: false, reason: PublicUrlReason });
    expect(policyWith({ resolve, publicUrl: 'http://[2606:2800:21f:cb07::51]' }).checkAddress('2606:2800:21f:cb07::51').allowed).toBe(false);
    expect(policyWith({ resolve, publicUrl: 'http://93.184.215.51:8080', allowNets: ['93.184.215.0/24'] }).checkAddress('93.184.215.51').allowed).toBe(true);
    expect(asked).toEqual([]);
  });

  it('keeps capturing when the public name does not resolve, and logs why its address is not refused', async () => {
    const logger = createMemoryLogger();
    const { resolve } = tableResolver({ 'public.example': ['93.184.215.14'] });
    const policy = policyWith({ resolve, logger, publicUrl: 'https://not-in-dns.example' });
    await expect(policy.checkUrl('https://public.example/')).resolves.toMatchObject({ address: '93.184.215.14' });
    expect(logger.events.some((event) => event.level === 'warn' && /LINKSNAP_PUBLIC_URL/.test(event.message))).toBe(true);
  });
});

describe("ports browsers refuse (Chromium's restricted list)", () => {
  it("holds Chromium's kRestrictedPorts and the Fetch standard's bad ports", () => {
    const chromium = [
      0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143,
      161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045,
      5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6697, 10080,
    ];
    expect([...RestrictedPorts.keys()].sort((a, b) => a - b)).toEqual([...chromium, 4190, 6679].sort((a, b) => a - b));
  });

  it('refuses them for URLs and CONNECT targets, naming host, port and service, before any DNS lookup', async () => {
    const { resolve, asked } = tableResolver({ 'public.example': ['93.184.215.14'] });
    const policy = policyWith({ resolve });
    const smtp = await rejection(policy.checkUrl('http://public.example:25/'));
    expect(smtp).toBeInstanceOf(BlockedPortError);
    expect(smtp.code).toBe(ErrorCode.BlockedPort);
    expect(smtp.message).toBe('Refused to connect to public.example on port 25: a port Chromium refuses for web pages (SMTP mail)');
    expect(smtp.details).toMatchObject({ host: 'public.example', port: 25 });
    await expect(policy.checkHost('public.example', 6667)).rejects.toThrow('on port 6667: a port Chromium refuses for web pages (IRC chat)');
    await expect(policy.checkUrl('https://public.example:6000/')).rejects.toThrow(/port 6000.*X11/);
    await expect(policy.checkUrl('http://93.184.215.14:110/')).rejects.toThrow('Refused to connect to 93.184.215.14 on port 110: a port Chromium refuses for web pages (POP3 mail)');
    await expect(policy.checkHost('2606:2800:21f:cb07::1', 5060)).rejects.toThrow('Refused to connect to [2606:2800:21f:cb07::1] on port 5060');
    expect(asked).toEqual([]);
    for (const port of RestrictedPorts.keys()) expect(policy.checkPort(port).allowed, String(port)).toBe(false);
    for (const port of [80, 443, 8080, 8443, 3000, 6670, 65535]) expect(policy.checkPort(port), String(port)).toEqual({ allowed: true, reason: null });
    await expect(policy.checkUrl('http://public.example:8080/')).resolves.toMatchObject({ port: 8080 });
  });

  it('reports a refused address before a refused port when both are known without DNS', async () => {
    const error = await rejection(policyWith().checkUrl('http://127.0.0.2:9/'));
    expect(error.code).toBe(ErrorCode.BlockedAddress);
  });
});

describe('LINKSNAP_ALLOW_PORTS', () => {
  it('restricts captures to the listed ports, default ports included', async () => {
    const { resolve } = tableResolver({ 'public.example': ['93.184.215.14'] });
    const policy = policyWith({ resolve, allowPorts: [80, 443] });
    expect(policy.allowPorts).toEqual([80, 443]);
    await expect(policy.checkUrl('https://public.example/')).resolves.toMatchObject({ port: 443 });
    await expect(policy.checkUrl('http://public.example/')).resolves.toMatchObject({ port: 80 });
    const other = await rejection(policy.checkUrl('http://public.example:8080/'));
    expect(other.code).toBe(ErrorCode.BlockedPort);
    expect(other.message).toBe('Refused to connect to public.example on port 8080: not a port captures may use (LINKSNAP_ALLOW_PORTS: 80, 443)');
    await expect(policy.checkHost('public.example', 8443)).rejects.toThrow(/LINKSNAP_ALLOW_PORTS/);
    // A restricted port stays refused for the restricted reason.
    await expect(policy.checkUrl('http://public.example:25/')).rejects.toThrow(/SMTP mail/);
    expect(policyWith({ allowPorts: [8080] }).checkPort(80).allowed).toBe(false);
    expect(policyWith({ allowPorts: null }).allowPorts).toBeNull();
  });

  it('cannot open a restricted port, and rejects what is not a port', () => {
    expect(() => policyWith({ allowPorts: [80, 25] })).toThrow(InvalidInputError);
    expect(() => policyWith({ allowPorts: [80, 25] })).toThrow(/25.*SMTP mail/);
    expect(() => policyWith({ allowPorts: [0] })).toThrow(InvalidInputError);
    expect(() => policyWith({ allowPorts: [70_000] })).toThrow(InvalidInputError);
  });

  it('is read by the config loader, with a ConfigError naming a bad value', () => {
    expect(loadConfig({}).allowPorts).toBeNull();
    expect(loadConfig({ LINKSNAP_ALLOW_PORTS: '' }).allowPorts).toBeNull();
    expect(loadConfig({ LINKSNAP_ALLOW_PORTS: '80,443' }).allowPorts).toEqual([80, 443]);
    expect(loadConfig({ LINKSNAP_ALLOW_PORTS: ' 443 80, 8443,443 ' }).allowPorts).toEqual([443, 80, 8443]);
    for (const bad of ['http', '80;443', '0', '65536', '-1', '8080.5', ',']) {
      expect(() => loadConfig({ LINKSNAP_ALLOW_PORTS: bad }), bad).toThrow(ConfigError);
    }
    expect(() => loadConfig({ LINKSNAP_ALLOW_PORTS: '80,443,http' })).toThrow(/LINKSNAP_ALLOW_PORTS="80,443,http".*port numbers from 1 to 65535/);
    expect(() => loadConfig({ LINKSNAP_ALLOW_PORTS: '443,25' })).toThrow(/LINKSNAP_ALLOW_PORTS.*25 is one Chromium refuses for web pages \(SMTP mail\)/);
  });
});

describe('refusal messages never hold the private address a name resolved to', () => {
  it('names the host and the reason; the address and any IPv4 address it embeds go to details and the log', async () => {
    const logger = createMemoryLogger();
    const policy = policyWith({ resolve: tableResolver(Private).resolve, logger });
    for (const [host, answers] of Object.entries(Private)) {
      const error = await rejection(policy.checkUrl(`https://${host}/path`));
      expect(error, host).toBeInstanceOf(BlockedAddressError);
      expect(error.message, host).toMatch(new RegExp(`^Refused to connect to ${host.replace(/\./g, '\\.')}: it resolves to a refused address \\(.+\\)$`));
      expectNoSecret(error.message, host);
      expectNoSecret(String(error.details.reason), `${host} details.reason`);
      expectNoSecret(errorMessage('en', error), `${host} chat reply`);
      expectNoSecret(errorMessage('zh-CN', error), `${host} chat reply (zh)`);
      expect(answers, host).toContain(error.details.address);
      expect(error.details.resolved).toBe(true);
    }
    // The full reason, embedded address included, is kept for the log.
    const sixtofour = await rejection(policy.checkUrl('https://sixtofour.example/'));
    expect(sixtofour.details.reason).toBe('6to4 private network 192.168.0.0/16');
    expect(sixtofour.details.addressReason).toBe('6to4 private network 192.168.0.0/16 (embeds 192.168.1.77)');
    const logged = logger.events.filter((event) => event.message === 'Refused a host name for the address it resolves to');
    expect(logged.map((event) => event.details?.address)).toContain('172.20.0.9');
    expect(logged.find((event) => event.details?.host === 'nat64.example')?.details).toMatchObject({ address: '64:ff9b::a09:807', reason: expect.stringContaining('embeds 10.9.8.7') });
  });

  it('may repeat an address the user typed', async () => {
    const error = await rejection(policyWith().checkUrl('http://[::ffff:10.9.8.7]/'));
    expect(error.message).toBe('Refused to connect to ::ffff:a09:807: IPv4-mapped private network 10.0.0.0/8 (embeds 10.9.8.7)');
    expect(error.details.resolved).toBe(false);
  });
});

describe('through the real egress proxy', () => {
  const proxies: EgressProxy[] = [];
  afterAll(async () => {
    await Promise.all(proxies.map((proxy) => proxy.close()));
  });

  async function startProxy() {
    const logger = createMemoryLogger();
    const policy = createEgressPolicy({
      allowNets: ['127.0.0.1/32'],
      onlyAllowed: true,
      interfaces: vpsInterfaces,
      resolve: tableResolver({ ...Private, 'self.example': ['93.184.215.99'], 'loop.example': ['127.0.0.1'] }).resolve,
      logger,
    });
    const proxy = await startEgressProxy({ policy, logger });
    proxies.push(proxy);
    return { proxy, logger };
  }

  function viaProxy(proxy: EgressProxy, url: string): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
    return new Promise((resolve, reject) => {
      const request = http.request({ host: '127.0.0.1', port: proxy.port, path: url, headers: { host: new URL(url).host }, agent: false });
      request.on('response', (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body, headers: response.headers }));
      });
      request.on('error', reject);
      request.end();
    });
  }

  function connect(proxy: EgressProxy, authority: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(proxy.port, '127.0.0.1');
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
      socket.write(`CONNECT ${authority} HTTP/1.1\r\nhost: ${authority}\r\n\r\n`);
    });
  }

  it('answers a refused name without its private address in the body, the refusal header or the record', async () => {
    const { proxy } = await startProxy();
    for (const host of Object.keys(Private)) {
      const response = await viaProxy(proxy, `http://${host}/secret`);
      expect(response.status, host).toBe(403);
      expect(response.body).toMatch(new RegExp(`^Refused by linksnap: Refused to connect to ${host.replace(/\./g, '\\.')}: it resolves to a refused address`));
      expectNoSecret(response.body, `${host} body`);
      expectNoSecret(String(response.headers[RefusedHeader]), `${host} ${RefusedHeader}`);
      const tunnel = await connect(proxy, `${host}:443`);
      expect(tunnel).toMatch(/^HTTP\/1\.1 403 Forbidden/);
      expectNoSecret(tunnel, `${host} CONNECT answer`);
    }
    for (const entry of proxy.blocked) expectNoSecret(entry.reason, `blocked ${entry.url}`);
    expect(proxy.blocked).toHaveLength(Object.keys(Private).length * 2);
  });

  it('refuses restricted ports and own addresses for plain http and CONNECT alike, before connecting', async () => {
    const { proxy } = await startProxy();
    const plain = await viaProxy(proxy, 'http://127.0.0.1:6000/');
    expect(plain.status).toBe(403);
    expect(plain.body).toContain('Refused to connect to 127.0.0.1 on port 6000: a port Chromium refuses for web pages (X11)');
    expect(await connect(proxy, 'loop.example:25')).toMatch(/^HTTP\/1\.1 403 Forbidden[\s\S]*on port 25: a port Chromium refuses for web pages \(SMTP mail\)/);
    expect(await connect(proxy, 'self.example:443')).toMatch(/^HTTP\/1\.1 403 Forbidden[\s\S]*it resolves to a refused address \(this server's own address/);
    expect(proxy.blocked.map((entry) => entry.code)).toEqual([ErrorCode.BlockedPort, ErrorCode.BlockedPort, ErrorCode.BlockedAddress]);
  });
});

describe('through service.snap() and a real capture', () => {
  let fixtures: FixtureServer;
  let t: TestApp;
  const request = (url: string): SnapRequest => ({ url, workspace: { id: 'local', platform: 'web' }, requester: { id: 'tester' }, source: { platform: 'web' } });

  beforeAll(async () => {
    fixtures = await startFixtureServer();
    t = await startTestApp({ resolve: tableResolver(Private).resolve });
  });
  afterAll(async () => {
    await t?.close();
    await fixtures?.close();
  });

  it('refuses a name for a private address at once, with a reply that does not say the address', async () => {
    for (const host of ['intranet.example', 'sixtofour.example', 'mixed.example']) {
      const error = await rejection(t.service.snap(request(`https://${host}/wiki`)));
      expect(error.code).toBe(ErrorCode.BlockedAddress);
      expectNoSecret(error.message, host);
      expectNoSecret(errorMessage('en', error), `${host} reply`);
    }
    const port = await rejection(t.service.snap(request('http://127.0.0.1:25/')));
    expect(port.code).toBe(ErrorCode.BlockedPort);
    expect(port.message).toBe('Refused to connect to 127.0.0.1 on port 25: a port Chromium refuses for web pages (SMTP mail)');
  });

  it('fails a capture redirected to a private name with a snapshot.error that holds no address; the log has it', async () => {
    const accepted = await t.service.snap(request(fixtures.url('/redirect?n=1&to=http://intranet.example/wiki')));
    const failed = await t.service.waitFor(accepted.snapshot.id, AbortSignal.timeout(40_000));
    expect(failed.status).toBe('failed');
    expect(failed.errorCode).toBe(ErrorCode.BlockedAddress);
    expect(failed.error).toBe('Refused to connect to intranet.example: it resolves to a refused address (private network 10.0.0.0/8)');
    expectNoSecret(describeError('en', failed.errorCode, failed.error), 'chat reply');
    expect(t.logs.some((event) => event.context === 'egress' && event.details?.host === 'intranet.example' && event.details?.address === '10.20.30.40')).toBe(true);

    const check = await checkLink(fixtures.url('/redirect?n=1&to=http://printer.example/'), t.app.policy);
    expect(check.alive).toBe(false);
    expect(check.error).toMatch(/^Refused to connect to printer\.example: /);
    expectNoSecret(check.error, 'link check');
  });

  it('fails a capture redirected to a restricted port with blocked_port', async () => {
    const accepted = await t.service.snap(request(fixtures.url('/redirect?n=1&to=http://mixed.example:587/')));
    const failed = await t.service.waitFor(accepted.snapshot.id, AbortSignal.timeout(40_000));
    expect(failed).toMatchObject({ status: 'failed', errorCode: ErrorCode.BlockedPort, error: 'Refused to connect to mixed.example on port 587: a port Chromium refuses for web pages (mail submission)' });
  });

  it('with LINKSNAP_ALLOW_PORTS captures only on the listed ports', async () => {
    const only = await startTestApp({ captures: false, env: { LINKSNAP_ALLOW_PORTS: `443,${fixtures.port}` } });
    try {
      expect(only.app.policy.allowPorts).toEqual([443, fixtures.port]);
      await expect(only.service.snap(request(fixtures.url('/article.html')))).resolves.toMatchObject({ snapshot: { status: 'queued' } });
      const refused = await rejection(only.service.snap(request('http://127.0.0.1:8081/')));
      expect(refused.code).toBe(ErrorCode.BlockedPort);
      expect(refused.message).toBe(`Refused to connect to 127.0.0.1 on port 8081: not a port captures may use (LINKSNAP_ALLOW_PORTS: 443, ${fixtures.port})`);
    } finally {
      await only.close();
    }
  });
});
