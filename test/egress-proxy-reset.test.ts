// A client that resets its connection while the proxy is still checking the target must not take
// the process down (vitest fails the run on any uncaught exception).
import net from 'node:net';
import { expect, it } from 'vitest';
import { silentLogger } from '../src/core/logger.js';
import { createEgressPolicy } from '../src/core/egress/policy.js';
import { startEgressProxy } from '../src/core/egress/proxy.js';

it('survives clients that reset CONNECT and upgrade requests mid-check', async () => {
  let lookups = 0;
  const policy = createEgressPolicy({
    allowNets: ['127.0.0.1/32'],
    onlyAllowed: true,
    // A slow resolver keeps every request inside the check when its client goes away.
    resolve: async () => {
      lookups += 1;
      await new Promise((resolve) => setTimeout(resolve, 200));
      return [{ address: '127.0.0.1', family: 4 }];
    },
  });
  const proxy = await startEgressProxy({ policy, logger: silentLogger });
  const requests = [
    'CONNECT slow.example:443 HTTP/1.1\r\nHost: slow.example:443\r\n\r\n',
    'GET ws://slow.example/socket HTTP/1.1\r\nHost: slow.example\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
  ];
  await Promise.all(
    Array.from({ length: 6 }, (_, i) =>
      new Promise<void>((resolve) => {
        const socket = net.connect(proxy.port, '127.0.0.1', () => {
          socket.write(requests[i % 2]);
          setTimeout(() => socket.resetAndDestroy(), 30);
        });
        socket.on('error', () => undefined);
        socket.on('close', () => resolve());
      }),
    ),
  );
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(lookups).toBe(6);
  await proxy.close();
});
