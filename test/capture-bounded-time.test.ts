// Every capture job ends within LINKSNAP_CAPTURE_TIMEOUT, retries included, against servers that
// never answer, trickle bytes, or hang after their headers. Short budgets stand in for the real
// minute; the bound itself is the behaviour under test.
import net from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';

const BudgetMs = 6_000;
/** Writing the failure and waking the waiter, on a loaded 2-core machine. */
const SlackMs = 2_500;

type Behaviour = (socket: net.Socket) => void;
const Behaviours: Record<string, Behaviour> = {
  // Accepts the connection, reads the request, says nothing.
  'never answers': () => {},
  // Headers at once, then a byte of nothing visible every 200 ms, forever.
  trickles: (socket) => {
    socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ntransfer-encoding: chunked\r\n\r\n');
    const timer = setInterval(() => socket.write('1\r\n \r\n'), 200);
    socket.on('close', () => clearInterval(timer));
  },
  // Headers promising a body that never comes.
  'hangs after the headers': (socket) => socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 5000\r\n\r\n'),
};

let t: TestApp;
let server: net.Server;
let port: number;
const sockets = new Set<net.Socket>();

beforeAll(async () => {
  server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.once('data', (chunk) => {
      const path = decodeURIComponent(chunk.toString('latin1').split(' ')[1] ?? '/').slice(1);
      Behaviours[path]?.(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
  t = await startTestApp({ env: { LINKSNAP_CAPTURE_TIMEOUT: `${BudgetMs}ms`, LINKSNAP_NAV_TIMEOUT: '3s', LINKSNAP_JOB_ATTEMPTS: '3' } });
});

afterAll(async () => {
  await t?.close();
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

it.each(Object.keys(Behaviours))('a server that %s: the job fails with a reason within the budget', async (behaviour) => {
  const started = performance.now();
  const accepted = await t.service.snap({
    url: `http://127.0.0.1:${port}/${encodeURIComponent(behaviour)}`,
    workspace: { id: 'local', platform: 'cli' },
    requester: { id: 'bounded-time-test' },
    source: { platform: 'cli' },
  });
  const snapshot = await t.service.waitFor(accepted.snapshot.id);
  const elapsed = performance.now() - started;
  expect(snapshot.status).toBe('failed');
  expect(snapshot.errorCode).toBe('capture_timeout');
  expect(snapshot.error).toMatch(/did not load within|sent no answer/);
  expect(elapsed).toBeLessThan(BudgetMs + SlackMs);
});
