// The smallest web server with the `mount(prefix, listener)` seam the linksnap web server offers, so
// the Slack app's HTTP mode is tested on a real socket without depending on the web page's code.
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Listener = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface MountServer {
  url: string;
  mount(prefix: string, listener: Listener): void;
  close(): Promise<void>;
}

export async function startMountServer(): Promise<MountServer> {
  const mounts: Array<{ prefix: string; listener: Listener }> = [];
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const hit = mounts.find((entry) => path === entry.prefix || path.startsWith(`${entry.prefix}/`));
    if (!hit) {
      res.writeHead(404).end('not found');
      return;
    }
    hit.listener(req, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    mount: (prefix, listener) => void mounts.push({ prefix, listener }),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
