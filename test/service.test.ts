// The service end to end: real SQLite file, real Chromium behind the egress proxy, and blobs in
// real files, then all over again on a real PostgreSQL server with the blobs in an S3 bucket (an
// S3 wire-protocol stand-in on loopback).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, LinksnapError } from '../src/core/errors.js';
import { openStoreDatabase } from '../src/storage/open-database.js';
import type { ShareEvent, SnapRequest } from '../src/core/types.js';
import { startFixtureServer, type FixtureServer } from './helpers/fixture-server.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { backendFixture } from './helpers/databases.js';
import { startS3StandIn, type S3StandIn } from './stand-ins/s3/s3-server.js';

let fixtures: FixtureServer;
let s3: S3StandIn;
let t: TestApp;

const local = { id: 'local', platform: 'web' as const };
const request = (url: string, extra: Partial<SnapRequest> = {}): SnapRequest => ({
  url,
  workspace: local,
  requester: { id: 'tester' },
  source: { platform: 'web' },
  ...extra,
});

beforeAll(async () => {
  fixtures = await startFixtureServer();
  s3 = await startS3StandIn();
});

afterAll(async () => {
  await fixtures?.close();
  await s3?.close();
});

/** The stored bytes of an artifact, read back through the store the app was configured with. */
const bytesOf = (ref: { sha256: string }) => t.app.blobs.read(ref.sha256);

describe.each([
  { db: 'sqlite', blobs: 'file' },
  { db: 'postgres', blobs: 's3' },
] as const)('on $db with $blobs blobs', ({ db: backend, blobs }) => {
  const databases = backendFixture(backend);
  beforeAll(async () => {
    t = await startTestApp({ env: { ...(blobs === 's3' ? s3.env('service/blobs') : {}), ...(await databases.env()) } });
  });

  afterAll(async () => {
    await t?.close();
  });

  describe('snap', () => {
    it('answers at once with a queued snapshot, then captures it with every artifact', async () => {
      const accepted = await t.service.snap(request(fixtures.url('/article.html?utm_source=chat#top'), { tags: ['#News', 'ｎｅｗｓ', '技术'] }));
      expect(accepted.snapshot.status).toBe('queued');
      expect(accepted.deduplicated).toBe(false);
      expect(accepted.link.url).toBe(fixtures.url('/article.html'));
      expect(accepted.link.tags.sort()).toEqual(['news', '技术']);

      const done = await t.service.waitFor(accepted.snapshot.id);
      expect(done.status).toBe('done');
      expect(done.title).toBeTruthy();
      expect(done.httpStatus).toBe(200);
      expect(done.capturedAt).not.toBeNull();
      for (const kind of ['screenshot', 'thumbnail', 'fullpage', 'mhtml', 'archive', 'text'] as const) {
        const ref = done.artifacts[kind];
        expect(ref, kind).toBeDefined();
        expect(ref!.sha256).toMatch(/^[0-9a-f]{64}$/);
        expect((await bytesOf(ref!)).length, kind).toBe(ref!.size);
        const where = t.app.blobs.locator(ref!.sha256);
        if (blobs === 'file') expect(where.startsWith(t.config.blobDir) && fs.existsSync(where)).toBe(true);
        else expect(s3.keys()).toContain(where.replace(`s3://${s3.bucket}/`, ''));
      }
      // With a bucket, no blob is kept on the local disk.
      if (blobs === 's3') expect(fs.existsSync(t.config.blobDir)).toBe(false);
      const text = (await bytesOf(done.artifacts.text!)).toString('utf8');
      expect(text.length).toBeGreaterThan(50);
    });

    it('reuses a recent snapshot of the same link instead of capturing again, unless forced', async () => {
      const first = await t.service.snap(request(fixtures.url('/cjk.html')));
      await t.service.waitFor(first.snapshot.id);
      const again = await t.service.snap(request(fixtures.url('/cjk.html#other-fragment'), { requester: { id: 'someone-else' } }));
      expect(again.deduplicated).toBe(true);
      expect(again.snapshot.id).toBe(first.snapshot.id);
      expect(again.firstShare?.userId).toBe('tester');

      const forced = await t.service.snap(request(fixtures.url('/cjk.html'), { force: true }));
      expect(forced.deduplicated).toBe(false);
      expect(forced.snapshot.id).not.toBe(first.snapshot.id);
      await t.service.waitFor(forced.snapshot.id);
      const versions = await t.service.listVersions('local', first.link.id);
      expect(versions.map((v) => v.id)).toEqual([forced.snapshot.id, first.snapshot.id]);
    });

    it('refuses blocked and malformed links before storing anything', async () => {
      const before = await t.service.find({ workspaceId: 'local', limit: 100 });
      const cases: Array<[string, string]> = [
        ['http://127.0.0.2:9/', ErrorCode.BlockedAddress],
        ['http://[::ffff:10.0.0.1]/', ErrorCode.BlockedAddress],
        ['http://2130706434/', ErrorCode.BlockedAddress],
        ['ftp://example.com/file', ErrorCode.UnsupportedScheme],
        ['javascript:alert(1)', ErrorCode.UnsupportedScheme],
        ['not a url at all', ErrorCode.InvalidUrl],
      ];
      for (const [url, code] of cases) {
        const error = await t.service.snap(request(url)).catch((e: unknown) => e);
        expect(error, url).toBeInstanceOf(LinksnapError);
        expect((error as LinksnapError).code, url).toBe(code);
        expect((error as LinksnapError).message.length).toBeGreaterThan(10);
      }
      const after = await t.service.find({ workspaceId: 'local', limit: 100 });
      expect(after.items.length).toBe(before.items.length);
    });

    it('ends a capture that cannot succeed as failed with a specific reason', async () => {
      const accepted = await t.service.snap(request(fixtures.url('/redirect?n=1&to=http://127.0.0.2:9/')));
      const failed = await t.service.waitFor(accepted.snapshot.id);
      expect(failed.status).toBe('failed');
      expect(failed.errorCode).toBe(ErrorCode.BlockedAddress);
      expect(failed.error).toMatch(/127\.0\.0\.2/);
    });

    it('keeps a link to a host DNS says does not exist, and fails its capture at once without retrying', async () => {
      const dns = await startTestApp({
        env: await databases.env(),
        resolve: async (host) => {
          throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
        },
      });
      try {
        const accepted = await dns.service.snap(request('http://no-such-host.test/page'));
        const failed = await dns.service.waitFor(accepted.snapshot.id, AbortSignal.timeout(20_000));
        expect(failed.status).toBe('failed');
        expect(failed.errorCode).toBe(ErrorCode.DnsFailed);
        expect(failed.error).toBe('The host name no-such-host.test does not exist');
        expect((await dns.service.find({ workspaceId: 'local' })).items.map((item) => item.link.url)).toContain('http://no-such-host.test/page');
        const database = openStoreDatabase(dns.config);
        try {
          const job = await database.db.selectFrom('jobs').select(['attempts', 'max_attempts']).where('snapshot_id', '=', accepted.snapshot.id).executeTakeFirstOrThrow();
          expect(job.attempts).toBe(1);
          expect(job.max_attempts).toBeGreaterThan(1);
        } finally {
          await database.close();
        }
      } finally {
        await dns.close();
      }
    });

    it('keeps an error page but marks it degraded', async () => {
      const accepted = await t.service.snap(request(fixtures.url('/status/404')));
      const done = await t.service.waitFor(accepted.snapshot.id);
      expect(done.status).toBe('done');
      expect(done.httpStatus).toBe(404);
      expect(done.degraded).toBe(true);
      expect(done.degradedReason).toMatch(/404/);
    });

    it('saves a PDF directly, without opening it as a page', async () => {
      const accepted = await t.service.snap(request(fixtures.url('/doc.pdf')));
      const done = await t.service.waitFor(accepted.snapshot.id);
      expect(done.status).toBe('done');
      expect(done.contentType).toMatch(/pdf/);
      expect((await bytesOf(done.artifacts.original!)).subarray(0, 5).toString()).toBe('%PDF-');
    });

    it('saves a file whose name has stray percent-encoding', async () => {
      const accepted = await t.service.snap(request(fixtures.url('/files/report%E0%A4.pdf')));
      const done = await t.service.waitFor(accepted.snapshot.id);
      expect(done.error).toBeNull();
      expect(done.status).toBe('done');
      expect(done.artifacts.original).toBeDefined();
    });
  });

  describe('events', () => {
    it('delivers queued, capturing and done to the platform that asked, and done only once acknowledged', async () => {
      const events: ShareEvent[] = [];
      let failOnce = true;
      const unsubscribe = t.service.subscribe('discord', async (event) => {
        events.push(event);
        if (event.type === 'done' && failOnce) {
          failOnce = false;
          throw new Error('chat platform was down');
        }
      });
      const accepted = await t.service.snap({
        url: fixtures.url('/rtl.html'),
        workspace: { id: 'discord:g1', platform: 'discord' },
        requester: { id: 'u1' },
        source: { platform: 'discord', channelId: 'c1', replyTo: { token: 'abc' } },
      });
      await t.service.waitFor(accepted.snapshot.id);
      await vitestWaitFor(() => events.filter((e) => e.type === 'done').length >= 1);
      expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['queued', 'capturing', 'done']));
      expect(events[0].share.replyTo).toEqual({ token: 'abc' });
      // The failed delivery waits out its backoff (not offered at once), then is offered again and acknowledged.
      await t.service.events.redeliver('discord');
      expect(events.filter((e) => e.type === 'done').length).toBe(1);
      const handle = openStoreDatabase(t.config);
      const row = await handle.db.selectFrom('shares').select(['delivery_attempts', 'next_delivery_at']).where('id', '=', accepted.share.id).executeTakeFirstOrThrow();
      expect(row.delivery_attempts).toBe(1);
      expect(Date.parse(row.next_delivery_at!)).toBeGreaterThan(Date.now());
      await handle.db.updateTable('shares').set({ next_delivery_at: new Date(Date.now() - 1000).toISOString() }).where('id', '=', accepted.share.id).execute();
      await handle.close();
      await t.service.events.redeliver('discord');
      expect(events.filter((e) => e.type === 'done').length).toBe(2);
      await t.service.events.redeliver('discord');
      expect(events.filter((e) => e.type === 'done').length).toBe(2);
      unsubscribe();
    });
  });

  describe('find and forget', () => {
    it('finds by tag and by Chinese substring, scoped to the workspace', async () => {
      const zh = await t.service.snap(request(fixtures.url('/cjk.html?v=find'), { tags: ['中文'] }));
      await t.service.waitFor(zh.snapshot.id);
      const byTag = await t.service.find({ workspaceId: 'local', tags: ['中文'] });
      expect(byTag.items.map((item) => item.link.id)).toContain(zh.link.id);
      const byText = await t.service.find({ workspaceId: 'local', text: '快照' });
      expect(byText.items.map((item) => item.link.id)).toContain(zh.link.id);
      const both = await t.service.find({ workspaceId: 'local', tags: ['中文'], text: '灯塔守望者' });
      expect(both.items.map((item) => item.link.id)).toEqual([zh.link.id]);
      const missing = await t.service.find({ workspaceId: 'local', tags: ['中文'], text: '不存在的词语' });
      expect(missing.items).toHaveLength(0);
      const other = await t.service.find({ workspaceId: 'discord:g1', tags: ['中文'] });
      expect(other.items).toHaveLength(0);
    });

    it('forgets a link with its snapshots, and gc deletes the files nothing else uses', async () => {
      const accepted = await t.service.snap(request(fixtures.url('/lazy.html'), { tags: ['gone'] }));
      const done = await t.service.waitFor(accepted.snapshot.id);
      const screenshot = done.artifacts.screenshot!.sha256;
      expect(await t.app.blobs.exists(screenshot)).toBe(true);
      await t.service.forgetLink('local', accepted.link.id);
      await expect(t.service.getSnapshot('local', done.id)).rejects.toMatchObject({ code: ErrorCode.NotFound });
      // Files go with the next gc, after its grace period, never in the same step as the rows.
      expect(await t.app.blobs.exists(screenshot)).toBe(true);
      expect((await t.app.collectGarbage()).deleted).toBe(0);
      const report = await t.app.collectGarbage({ graceMs: 0 });
      expect(report.deleted).toBeGreaterThan(0);
      expect(await t.app.blobs.exists(screenshot)).toBe(false);
      expect((await t.service.find({ workspaceId: 'local', tags: ['gone'] })).items).toHaveLength(0);
    });
  });
});

async function vitestWaitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
