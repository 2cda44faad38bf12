// The CLI as a user runs it: a real process, a real data folder, a real capture.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureServer, type FixtureServer } from './helpers/fixture-server.js';
import { runCli } from './helpers/cli.js';
import { sql } from 'kysely';
import { openDatabase } from '../src/storage/db.js';
import { newId } from '../src/storage/ids.js';

let fixtures: FixtureServer;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'linksnap-cli-'));

/** Every run shares the one data folder, which a test also opens to rewrite a row. */
const cli = (...args: string[]) => runCli(dataDir, ...args);

beforeAll(async () => {
  fixtures = await startFixtureServer();
});

afterAll(async () => {
  await fixtures?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('linksnap CLI', () => {
  it('snap --json captures, waits and prints the documented shape', async () => {
    const result = await cli('snap', fixtures.url('/article.html'), '--tag', 'Docs', '--tag', '技术', '--json');
    expect(result.code, result.stderr).toBe(0);
    const data = JSON.parse(result.stdout);
    for (const key of ['id', 'url', 'finalUrl', 'status', 'title', 'tags', 'capturedAt', 'httpStatus', 'error', 'artifacts']) {
      expect(data).toHaveProperty(key);
    }
    expect(data.status).toBe('done');
    expect(data.httpStatus).toBe(200);
    expect(data.tags.sort()).toEqual(['docs', '技术']);
    for (const kind of ['screenshot', 'thumbnail', 'archive', 'mhtml', 'text']) {
      expect(fs.existsSync(data.artifacts[kind]), kind).toBe(true);
    }

    const found = await cli('find', '--tag', 'docs', '--json');
    expect(found.code).toBe(0);
    expect(JSON.parse(found.stdout).items.map((item: { id: string }) => item.id)).toEqual([data.id]);

    const shown = await cli('show', data.id);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(data.title);
    const shownJson = JSON.parse((await cli('show', data.id, '--json')).stdout);
    expect(shownJson.conversation).toEqual([expect.objectContaining({ platform: 'cli', channelId: null, messageText: null })]);

    const tags = await cli('tags');
    expect(tags.stdout).toMatch(/1\s+docs/);
  });

  it('exits 1 with a clear message when the URL is refused', async () => {
    const result = await cli('snap', 'http://192.168.1.1/admin');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Refused to connect to 192\.168\.1\.1.*private/i);
  });

  it('exits 1 and says why when the capture fails', async () => {
    const result = await cli('snap', fixtures.url('/redirect?n=1&to=http://10.1.2.3/'), '--json');
    expect(result.code).toBe(1);
    const data = JSON.parse(result.stdout);
    expect(data.status).toBe('failed');
    expect(data.errorCode).toBe('blocked_address');
  });

  it('shows a snapshot whose id starts with a dash (ids made before they stopped doing so)', async () => {
    const made = await cli('snap', fixtures.url('/article.html?dash=1'), '--json');
    expect(made.code).toBe(0);
    const id = (JSON.parse(made.stdout) as { id: string }).id;
    const old = `-${id.slice(1)}`;
    const handle = openDatabase({ path: path.join(dataDir, 'linksnap.db') });
    try {
      // Foreign keys cascade the new id to artifacts, shares and jobs.
      await sql`PRAGMA foreign_keys = OFF`.execute(handle.db);
      for (const table of ['artifacts', 'shares', 'jobs']) await sql`UPDATE ${sql.table(table)} SET snapshot_id = ${old} WHERE snapshot_id = ${id}`.execute(handle.db);
      await sql`UPDATE links SET latest_snapshot_id = ${old} WHERE latest_snapshot_id = ${id}`.execute(handle.db);
      await sql`UPDATE snapshots SET id = ${old} WHERE id = ${id}`.execute(handle.db);
    } finally {
      await handle.close();
    }
    const shown = await cli('show', old, '--json');
    expect(shown.stderr).toBe('');
    expect(shown.code).toBe(0);
    expect((JSON.parse(shown.stdout) as { id: string }).id).toBe(old);
    for (let i = 0; i < 20_000; i++) expect(newId()).toMatch(/^[A-Za-z0-9][A-Za-z0-9_-]{15}$/);
  });

  it('show of an unknown id fails cleanly', async () => {
    const result = await cli('show', 'does-not-exist');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/No snapshot with id/);
  });
});
