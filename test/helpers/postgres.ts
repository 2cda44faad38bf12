// A real PostgreSQL 15 for the tests, started in a temporary data directory (Debian's postgresql
// package; scripts/setup.mjs installs it for `npm test`), or the server LINKSNAP_TEST_DATABASE_URL
// names. Postgres refuses to run as root, so as root the server runs as the `postgres` user. When it
// cannot start, the suite fails and says why: nothing is skipped.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export interface TestPostgres {
  /** A fresh, empty database (LC_CTYPE C.UTF-8, so pg_trgm keeps Chinese characters) on the server. */
  createDatabase(prefix?: string): Promise<string>;
  close(): Promise<void>;
}

const BinDirs = ['/usr/lib/postgresql/15/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/17/bin'];

function binary(name: string): string {
  for (const dir of BinDirs) if (fs.existsSync(path.join(dir, name))) return path.join(dir, name);
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
  if (found) return found;
  throw new Error(`PostgreSQL's ${name} is not installed (apt-get install postgresql; npm test's setup does it as root)`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

let databases = 0;

export interface StartOptions {
  /**
   * A directory to keep the server's data in: made and initialised when missing, started from as it
   * is when not, and left in place at close (benchmarks reuse a database that took half an hour to
   * build). By default a temporary directory, removed at close.
   */
  keepDir?: string;
  /** Server settings beyond the defaults (`-c name=value`), e.g. the benchmark's shared_buffers. */
  settings?: Record<string, string>;
}

export async function startTestPostgres({ keepDir, settings = {} }: StartOptions = {}): Promise<TestPostgres> {
  const external = process.env.LINKSNAP_TEST_DATABASE_URL;
  if (external && !keepDir) return onServer(external, async () => undefined);

  const root = process.getuid?.() === 0;
  const dir = keepDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'linksnap-pg-'));
  if (keepDir) fs.mkdirSync(keepDir, { recursive: true });
  const dataDir = path.join(dir, 'data');
  const initialised = keepDir !== undefined && fs.existsSync(path.join(dataDir, 'PG_VERSION'));
  // Spawned with the postgres user's uid directly (not through runuser), so a signal reaches the
  // server itself and a fast shutdown is immediate.
  const user = root ? { uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })) } : {};
  if (root) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  fs.chmodSync(dir, 0o700);
  const port = await freePort();
  if (!initialised) {
    try {
      execFileSync(binary('initdb'), ['-D', dataDir, '-U', 'linksnap', '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8', '--no-sync'], { stdio: 'pipe', cwd: dir, ...user });
    } catch (error) {
      throw new Error(`initdb failed: ${String((error as { stderr?: Buffer }).stderr ?? error)}`, { cause: error });
    }
  }
  const args = ['-D', dataDir, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=200', '-c', 'full_page_writes=off', ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`])];
  const server = spawn(binary('postgres'), args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir, ...user });
  let stderr = '';
  server.stderr!.on('data', (chunk) => (stderr += String(chunk)));
  const base = `postgres://linksnap@127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`PostgreSQL exited at start (${server.exitCode}): ${stderr.slice(-2000)}`);
    const client = new pg.Client({ connectionString: `${base}/postgres` });
    try {
      await client.connect();
      await client.end();
      break;
    } catch {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`PostgreSQL did not accept connections within 30 s: ${stderr.slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return onServer(`${base}/postgres`, async () => {
    if (server.exitCode === null) {
      await new Promise<void>((resolve) => {
        server.once('exit', () => resolve());
        server.kill('SIGINT'); // fast shutdown
      });
    }
    if (!keepDir) fs.rmSync(dir, { recursive: true, force: true });
  }, keepDir !== undefined);
}

function onServer(adminUrl: string, stop: () => Promise<void>, kept = false): TestPostgres {
  const created: string[] = [];
  return {
    async createDatabase(prefix = 'linksnap_test') {
      databases += 1;
      // A kept server's database is named by its prefix alone, so the next run finds it again.
      const name = kept ? prefix : `${prefix}_${process.pid}_${databases}_${Date.now().toString(36)}`;
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      try {
        if (kept && (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount) return databaseUrl(adminUrl, name);
        await admin.query(`CREATE DATABASE "${name}" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'`);
      } finally {
        await admin.end();
      }
      if (!kept) created.push(name);
      return databaseUrl(adminUrl, name);
    },
    async close() {
      if (process.env.LINKSNAP_TEST_DATABASE_URL) {
        const admin = new pg.Client({ connectionString: adminUrl });
        await admin.connect();
        for (const name of created) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
        await admin.end();
      }
      await stop();
    },
  };
}

function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
