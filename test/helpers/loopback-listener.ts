// A trap: TCP and UDP listeners on a loopback address the egress policy refuses (127.0.0.2 while
// only 127.0.0.1/32 is allowed). Anything that reaches it is recorded, so a test can prove that
// nothing did. It answers HTTP 200 so a leak would also be visible in the page.
import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';

export interface TrapConnection {
  remoteAddress: string;
  /** The first bytes received (request line and headers for HTTP). */
  firstBytes: string;
}

export interface LoopbackListener {
  host: string;
  port: number;
  /** `http://HOST:PORT` */
  url: string;
  connections: TrapConnection[];
  datagrams: Array<{ remoteAddress: string; size: number }>;
  /** Everything that reached the trap, TCP and UDP. */
  readonly hits: number;
  close(): Promise<void>;
}

export async function startLoopbackListener(options: { host?: string; port?: number } = {}): Promise<LoopbackListener> {
  const host = options.host ?? '127.0.0.2';
  const connections: TrapConnection[] = [];
  const datagrams: Array<{ remoteAddress: string; size: number }> = [];
  const sockets = new Set<net.Socket>();

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const record: TrapConnection = { remoteAddress: socket.remoteAddress ?? '', firstBytes: '' };
    connections.push(record);
    socket.once('data', (chunk) => {
      record.firstBytes = chunk.subarray(0, 2048).toString('latin1');
      socket.end('HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 18\r\nconnection: close\r\n\r\n<p>LEAKED TRAP</p>');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;

  const udp = dgram.createSocket('udp4');
  udp.on('message', (message, remote) => datagrams.push({ remoteAddress: remote.address, size: message.length }));
  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(port, host, () => resolve());
  });

  return {
    host,
    port,
    url: `http://${host}:${port}`,
    connections,
    datagrams,
    get hits() {
      return connections.length + datagrams.length;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => udp.close(() => resolve()));
    },
  };
}

export interface FixtureWithTrap {
  /** The fixture, on 127.0.0.1:port. */
  server: http.Server;
  port: number;
  /** The trap, on 127.0.0.2 at the same port. */
  trap: LoopbackListener;
  close(): Promise<void>;
}

/**
 * An HTTP fixture on 127.0.0.1 and a trap on 127.0.0.2 at the same port, so a redirect or a DNS
 * rebinding that keeps the port but changes the address lands in the trap. Retries a few ports,
 * since the one the fixture got may be taken on 127.0.0.2.
 */
export async function startFixtureWithTrap(handler: http.RequestListener): Promise<FixtureWithTrap> {
  for (let attempt = 0; ; attempt++) {
    const server = http.createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const trap = await startLoopbackListener({ host: '127.0.0.2', port });
      return {
        server,
        port,
        trap,
        async close() {
          await trap.close();
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
        },
      };
    } catch (error) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (attempt > 5) throw error;
    }
  }
}
