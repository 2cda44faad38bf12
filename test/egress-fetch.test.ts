import http from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BlockedAddressError, CaptureTimeoutError, TooLargeError, UnsupportedSchemeError } from '../src/core/errors.js';
import { egressRequest } from '../src/core/egress/fetch.js';
import { createEgressPolicy, type ResolvedAddress } from '../src/core/egress/policy.js';
import { startFixtureWithTrap, type LoopbackListener } from './helpers/loopback-listener.js';

let port: number;
let trap: LoopbackListener;
let closeFixture: () => Promise<void>;
const seen: Array<{ path: string; host: string | undefined }> = [];

beforeAll(async () => {
  ({ port, trap, close: closeFixture } = await startFixtureWithTrap(route));
});
afterAll(async () => {
  await closeFixture();
});
afterEach(() => {
  expect(trap.connections, 'something reached the refused 127.0.0.2 listener').toEqual([]);
});

function route(req: http.IncomingMessage, res: http.ServerResponse) {
  seen.push({ path: req.url ?? '', host: req.headers.host });
  const url = new URL(req.url ?? '/', 'http://fixture');
  switch (url.pathname) {
    case '/page':
      return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<title>fixture</title>');
    case '/hop':
      return res.writeHead(302, { location: '/hop2' }).end();
    case '/hop2':
      return res.writeHead(301, { location: `http://127.0.0.1:${port}/page` }).end();
    case '/to-trap':
      return res.writeHead(302, { location: `http://127.0.0.2:${port}/stolen` }).end();
    case '/to-trap-decimal':
      return res.writeHead(307, { location: `http://2130706434:${port}/stolen` }).end();
    case '/to-trap-mapped':
      return res.writeHead(308, { location: `http://[::ffff:127.0.0.2]:${port}/stolen` }).end();
    case '/to-file':
      return res.writeHead(302, { location: 'file:///etc/passwd' }).end();
    case '/loop':
      return res.writeHead(302, { location: '/loop' }).end();
    case '/big': {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(1024 * 1024) });
      return res.end(Buffer.alloc(1024 * 1024, 1));
    }
    case '/big-chunked': {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      for (let i = 0; i < 16; i++) res.write(Buffer.alloc(64 * 1024, 2));
      return res.end();
    }
    case '/hang':
      return; // never answers
    default:
      return res.writeHead(404).end('missing');
  }
}

const policy = createEgressPolicy({ allowNets: ['127.0.0.1/32'], onlyAllowed: true });
const base = () => `http://127.0.0.1:${port}`;
const options = { policy, timeoutMs: 10_000, maxBytes: 256 * 1024 };

describe('egressRequest', () => {
  it('fetches an allowed URL and reports where it connected', async () => {
    const response = await egressRequest(`${base()}/page`, options);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.target).toMatchObject({ address: '127.0.0.1', port });
    expect((await response.readBody()).toString()).toBe('<title>fixture</title>');
  });

  it('follows redirects, checking each hop, and returns the final URL', async () => {
    const response = await egressRequest(`${base()}/hop`, options);
    expect(response.status).toBe(200);
    expect(response.url).toBe(`${base()}/page`);
    expect(response.redirects).toEqual([`${base()}/hop`, `${base()}/hop2`]);
    response.abort();
  });

  it('refuses a refused address directly', async () => {
    await expect(egressRequest(`http://127.0.0.2:${port}/direct`, options)).rejects.toThrow(BlockedAddressError);
  });

  it.each(['/to-trap', '/to-trap-decimal', '/to-trap-mapped'])('refuses a redirect (%s) into a refused address', async (path) => {
    const error = await egressRequest(`${base()}${path}`, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlockedAddressError);
    expect((error as BlockedAddressError).details.reason).toMatch(/loopback address 127\.0\.0\.0\/8/);
  });

  it('refuses a redirect to another scheme', async () => {
    await expect(egressRequest(`${base()}/to-file`, options)).rejects.toThrow(UnsupportedSchemeError);
  });

  it('stops after maxRedirects', async () => {
    await expect(egressRequest(`${base()}/loop`, { ...options, maxRedirects: 3 })).rejects.toThrow(/More than 3 redirects/);
  });

  it('connects to the checked address even when the name rebinds (DNS rebinding)', async () => {
    const answers: string[] = [];
    const rebinding = async (host: string): Promise<ResolvedAddress[]> => {
      const address = answers.length === 0 ? '127.0.0.1' : '127.0.0.2';
      answers.push(`${host}=${address}`);
      return [{ address, family: 4 }];
    };
    const rebindPolicy = createEgressPolicy({ allowNets: ['127.0.0.1/32'], onlyAllowed: true, resolve: rebinding });
    const before = seen.length;
    const response = await egressRequest(`http://rebind.test:${port}/page`, { ...options, policy: rebindPolicy });
    expect((await response.readBody()).toString()).toBe('<title>fixture</title>');
    expect(seen.slice(before)).toEqual([{ path: '/page', host: `rebind.test:${port}` }]);
    expect(answers).toEqual(['rebind.test=127.0.0.1']);
    // The next lookup answers the refused address: refused, not connected.
    await expect(egressRequest(`http://rebind.test:${port}/page`, { ...options, policy: rebindPolicy })).rejects.toThrow(
      /rebind\.test: it resolves to a refused address \(loopback address/,
    );
  });

  it('refuses a body over maxBytes, declared or streamed', async () => {
    const declared = await egressRequest(`${base()}/big`, options);
    expect(declared.contentLength).toBe(1024 * 1024);
    await expect(declared.readBody()).rejects.toThrow(TooLargeError);
    const chunked = await egressRequest(`${base()}/big-chunked`, options);
    expect(chunked.contentLength).toBeNull();
    await expect(chunked.readBody()).rejects.toThrow(/larger than the limit of 256 KiB/);
    const fits = await egressRequest(`${base()}/big-chunked`, { ...options, maxBytes: 1024 * 1024 });
    expect((await fits.readBody()).length).toBe(1024 * 1024);
  });

  it('gives up at the deadline with a timeout error', async () => {
    const error = await egressRequest(`${base()}/hang`, { ...options, timeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CaptureTimeoutError);
    expect((error as CaptureTimeoutError).message).toContain('preflight request');
  });

  it('stops when the caller aborts', async () => {
    const controller = new AbortController();
    const pending = egressRequest(`${base()}/hang`, { ...options, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toThrow(/cancelled/);
  });
});
