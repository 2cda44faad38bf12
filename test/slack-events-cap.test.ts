// /slack/events is capped like the API: the real Bolt app in HTTP mode, mounted on the real web
// server (createWebServer), over real sockets, against the stand-in Slack. A request without Slack's
// signature headers is refused before its body is read; a body past 64 KiB is cut with 413 before
// Bolt sees it; everything within the cap still reaches Bolt and is handled.
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlackApp, type SlackAppHandle } from '../src/bots/slack/index.js';
import { t } from '../src/core/i18n.js';
import { MaxJsonBodyBytes } from '../src/web/http-io.js';
import { createWebServer, type WebServer } from '../src/web/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { messageEventBody, newTs, sendEvent, sendSlashCommand, signature, type SlashCommandFields } from './stand-ins/slack/requests.js';
import { startSlackStandIn, type SlackStandIn } from './stand-ins/slack/server.js';

const SigningSecret = 'test-signing-secret-cap-4d1e';
const Team = 'T0000CAPS';
const sign = { signingSecret: SigningSecret };

let testApp: TestApp;
let slack: SlackStandIn;
let web: WebServer;
let handle: SlackAppHandle;
let port: number;
let eventsUrl: string;
/** Every body Bolt handed to its middleware, as JSON text. */
const seenByBolt: string[] = [];
const openSockets = new Set<net.Socket>();

interface RawAnswer {
  status: number;
  text: string;
}

/** An event body whose JSON is exactly `bytes` long, carrying `marker`. */
function paddedEvent(bytes: number, marker: string, text?: string, ts = newTs()): string {
  const body = (padding: string) => JSON.stringify(messageEventBody({ teamId: Team, channel: 'CCAP', user: 'UCAP', ts, text: text ?? marker, extra: { marker, padding } }));
  const padding = 'x'.repeat(bytes - body('').length);
  const json = body(padding);
  expect(Buffer.byteLength(json)).toBe(bytes);
  return json;
}

function signedHeaders(body: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  return { 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signature(SigningSecret, timestamp, body) };
}

/**
 * Opens a raw connection, sends the request head and `firstPart` of the body, and never sends the
 * rest (nor ends its side): an answer can only come from a server that did not wait for the body.
 * Settles only when the server closes the connection; rejects when it has not within `timeoutMs`.
 */
function halfSent(head: Record<string, string>, firstPart: string | Buffer, timeoutMs = 3000): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    openSockets.add(socket);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms: the server is still reading the body (${Buffer.concat(chunks).toString('latin1').slice(0, 80) || 'nothing received'})`));
    }, timeoutMs);
    const settle = () => {
      clearTimeout(timer);
      openSockets.delete(socket);
      const text = Buffer.concat(chunks).toString('utf8');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, text: text.slice(text.indexOf('\r\n\r\n') + 4) });
    };
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', settle);
    socket.on('close', settle);
    socket.on('error', () => undefined);
    socket.on('connect', () => {
      const lines = [`POST /slack/events HTTP/1.1`, `host: 127.0.0.1:${port}`, ...Object.entries(head).map(([name, value]) => `${name}: ${value}`)];
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      socket.write(firstPart);
    });
  });
}

function chunked(part: string): string {
  return `${Buffer.byteLength(part).toString(16)}\r\n${part}\r\n`;
}

async function connectionCount(): Promise<number> {
  return new Promise((resolve, reject) => web.server.getConnections((error, count) => (error ? reject(error) : resolve(count))));
}

function healthz(): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/healthz', agent: false, headers: { connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.setTimeout(3000, () => req.destroy(new Error('/healthz did not answer')));
  });
}

function nonAuthCalls(from: number) {
  return slack.calls.slice(from).filter((call) => call.method !== 'auth.test');
}

function boltRefusals(): string[] {
  return testApp.logs.filter((event) => event.context === 'slack' && /Failed to (parse and )?verify|Malformed request body/.test(event.message)).map((event) => event.message);
}

beforeAll(async () => {
  testApp = await startTestApp({ captures: false, env: { SLACK_BOT_TOKEN: 'xoxb-cap-test', SLACK_SIGNING_SECRET: SigningSecret, LINKSNAP_PORT: '0' } });
  slack = await startSlackStandIn();
  slack.addChannel({ id: 'CCAP', name: 'caps' });
  const config = { ...testApp.config, slack: { ...testApp.config.slack, apiUrl: slack.apiUrl } };
  web = createWebServer({ service: testApp.service, config, logger: testApp.logger });
  handle = await startSlackApp({ service: testApp.service, config, logger: testApp.logger, snapshotUrl: web.snapshotUrl, http: web, retries: 0 });
  handle.app.use(async ({ body, next }) => {
    seenByBolt.push(JSON.stringify(body));
    await next();
  });
  const base = await web.listen();
  port = Number(new URL(base).port);
  eventsUrl = `${base}/slack/events`;
});

afterAll(async () => {
  for (const socket of openSockets) socket.destroy();
  await handle?.stop();
  await web?.close();
  await testApp?.close();
  await slack?.close();
});

describe('/slack/events is capped like the API', () => {
  it('refuses a request without valid signature headers with 401 before reading its body, and closes the connection', async () => {
    const before = slack.calls.length;
    const body = paddedEvent(2000, 'unsigned-marker', '<http://127.0.0.1:5/unsigned>');
    const now = Math.floor(Date.now() / 1000);
    const declared = { 'content-type': 'application/json', 'content-length': String(1024 * 1024) };
    const { 'x-slack-signature': validSignature } = signedHeaders(body, now);
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      ['no signature headers at all', {}, /x-slack-signature/],
      ['no timestamp', { 'x-slack-signature': validSignature }, /x-slack-request-timestamp/],
      ['no signature', { 'x-slack-request-timestamp': String(now) }, /x-slack-signature/],
      ['a timestamp that is not a number', { 'x-slack-signature': validSignature, 'x-slack-request-timestamp': 'soon' }, /not a number/],
      ['a timestamp ten minutes old', signedHeaders(body, now - 600), /5 minutes/],
      ['a timestamp ten minutes ahead', signedHeaders(body, now + 600), /5 minutes/],
    ];
    for (const [what, headers, reason] of cases) {
      // 1 MiB declared, 2000 bytes sent: a server that reads the body would wait for the rest.
      const started = Date.now();
      const answer = await halfSent({ ...declared, ...headers }, body);
      expect(answer.status, what).toBe(401);
      expect(answer.text, what).toMatch(reason);
      expect(Date.now() - started, what).toBeLessThan(2000);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(seenByBolt.filter((seen) => seen.includes('unsigned-marker'))).toEqual([]);
    expect(boltRefusals()).toEqual([]);
    expect(nonAuthCalls(before)).toEqual([]);
  });

  it('cuts a signed body past 64 KiB with 413, declared or streamed, and Bolt never sees it', async () => {
    const before = slack.calls.length;
    const body = paddedEvent(70 * 1024, 'oversized-marker', '<http://127.0.0.1:5/oversized> #oversized');

    // Declared too large: refused from the content-length alone, with only 1 KiB of the body sent.
    const declared = await halfSent({ 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...signedHeaders(body) }, body.slice(0, 1024));
    expect(declared.status).toBe(413);
    expect(declared.text).toMatch(/larger than the limit of 64 KiB/);

    // Streamed without a length: counted as it arrives and cut once past the cap, although the
    // client has not finished (it never sends the last 4 KiB nor the terminating chunk).
    const sent = Buffer.from(body).subarray(0, MaxJsonBodyBytes + 2048).toString('utf8');
    const parts = sent.match(/[\s\S]{1,8192}/g)!.map(chunked).join('');
    const streamed = await halfSent({ 'content-type': 'application/json', 'transfer-encoding': 'chunked', ...signedHeaders(body) }, parts);
    expect(streamed.status).toBe(413);

    // An ordinary client posting the whole 70 KiB gets the same answer.
    const whole = await sendEvent(eventsUrl, JSON.parse(body), sign).catch((error: Error) => ({ status: -1, body: error.message }));
    expect(whole.status).toBe(413);

    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(seenByBolt.filter((seen) => seen.includes('oversized-marker'))).toEqual([]);
    expect(boltRefusals()).toEqual([]);
    expect(nonAuthCalls(before)).toEqual([]);
    expect((await testApp.service.find({ workspaceId: `slack:${Team}`, tags: ['oversized'] })).items).toEqual([]);
  });

  it('still hands Bolt every correctly signed request within the cap, up to exactly 64 KiB, and handles it end to end', async () => {
    // A slash command: acked, then the progress message through the Web API.
    const url = 'http://127.0.0.1:5/within-cap';
    const fields: SlashCommandFields = { command: '/snap', text: `${url} #capped`, teamId: Team, userId: 'UCAP', channelId: 'CCAP', responseUrl: slack.responseUrl() };
    const ack = await sendSlashCommand(eventsUrl, fields, sign);
    expect(ack.status).toBe(200);
    expect(ack.body).toBe('');
    const progress = await slack.waitFor(() => slack.callsTo('chat.postMessage').find((call) => call.params.text?.includes(url)), 10_000, 'progress message');
    expect(progress.params.text).toBe(t('en', 'snap.queued', { url }));

    // An event of exactly the cap: read whole, verified by Bolt, auto-captured.
    const ts = newTs();
    const atCap = JSON.parse(paddedEvent(MaxJsonBodyBytes, 'at-cap-marker', '<http://127.0.0.1:5/at-cap> #atcap', ts));
    const response = await sendEvent(eventsUrl, atCap, sign);
    expect(response.status).toBe(200);
    await slack.waitFor(() => slack.reactions.get(`CCAP:${ts}`)?.has('hourglass'), 10_000, 'hourglass reaction');
    expect(seenByBolt.filter((seen) => seen.includes('at-cap-marker'))).toHaveLength(1);
    const found = await testApp.service.find({ workspaceId: `slack:${Team}`, tags: ['atcap'] });
    expect(found.items.map((item) => item.link.url)).toEqual(['http://127.0.0.1:5/at-cap']);

    // One byte more is over the cap.
    const over = JSON.parse(paddedEvent(MaxJsonBodyBytes + 1, 'over-cap-marker', '<http://127.0.0.1:5/over-cap>'));
    expect((await sendEvent(eventsUrl, over, sign)).status).toBe(413);
    expect(seenByBolt.filter((seen) => seen.includes('over-cap-marker'))).toEqual([]);

    // Bolt still checks the signature over the bytes it was handed.
    const forged = await sendEvent(eventsUrl, messageEventBody({ teamId: Team, channel: 'CCAP', user: 'UCAP', text: 'forged-marker' }), { signingSecret: 'not-the-secret' });
    expect(forged.status).toBe(401);
    expect(seenByBolt.filter((seen) => seen.includes('forged-marker'))).toEqual([]);
  });

  it('holds no connection for a burst of refused requests and still answers /healthz', async () => {
    // Connections left from earlier tests (fetch keeps its own alive) are not the burst's.
    const before = await connectionCount();
    const body = 'x'.repeat(512);
    const burst = await Promise.all([
      ...Array.from({ length: 10 }, () => halfSent({ 'content-type': 'application/json', 'content-length': String(1024 * 1024) }, body)),
      ...Array.from({ length: 5 }, () => halfSent({ 'content-type': 'application/json', 'content-length': String(1024 * 1024), ...signedHeaders(body) }, body)),
    ]);
    expect(burst.map((answer) => answer.status)).toEqual([...Array(10).fill(401), ...Array(5).fill(413)]);
    let open = await connectionCount();
    for (let i = 0; i < 50 && open > before; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      open = await connectionCount();
    }
    expect(open).toBeLessThanOrEqual(before);
    const health = await healthz();
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ ok: true });
  });
});
