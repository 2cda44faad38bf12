// LINKSNAP_WORKSPACE_QUOTA: a workspace at its quota gets a clear refusal for new captures, keeps
// re-posting links it already has, and other workspaces are not affected.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { ErrorCode, LinksnapError } from '../src/core/errors.js';
import { describeError } from '../src/core/i18n.js';
import { completeSnapshot } from '../src/storage/index.js';
import { openStoreDatabase, type StoreDatabase } from '../src/storage/open-database.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { Backends, backendFixture } from './helpers/databases.js';

describe.each(Backends)('on %s', (backend) => {
  const databases = backendFixture(backend);

  let t: TestApp;
  let db: StoreDatabase;

  beforeAll(async () => {
    t = await startTestApp({ captures: false, env: { LINKSNAP_WORKSPACE_QUOTA: '2KB', ...(await databases.env()) } });
    db = openStoreDatabase(t.config);
  });
  afterAll(async () => {
    await db?.close();
    await t?.close();
  });

  const request = (url: string, workspaceId = 'discord:quota') => ({
    url,
    workspace: { id: workspaceId, platform: 'discord' as const },
    requester: { id: 'u1' },
    source: { platform: 'discord' as const, channelId: 'c1' },
  });

  it('reads the quota setting: a size, or none', () => {
    expect(loadConfig({ LINKSNAP_WORKSPACE_QUOTA: '1.5GB' }, '/tmp').workspaceQuotaBytes).toBe(Math.round(1.5 * 1024 ** 3));
    expect(loadConfig({}, '/tmp').workspaceQuotaBytes).toBeNull();
    expect(loadConfig({ LINKSNAP_WORKSPACE_QUOTA: 'none' }, '/tmp').workspaceQuotaBytes).toBeNull();
    expect(() => loadConfig({ LINKSNAP_WORKSPACE_QUOTA: 'lots' }, '/tmp')).toThrow(/LINKSNAP_WORKSPACE_QUOTA/);
  });

  it('refuses new captures at the quota with a clear message, and still takes links it already keeps', async () => {
    const first = await t.service.snap(request('http://127.0.0.1:4567/quota/one'));
    // Each blob counts once, however many snapshots share it.
    await completeSnapshot(db.db, first.snapshot.id, { status: 'done' }, [
      { kind: 'screenshot', sha256: 'a'.repeat(64), size: 1500, mime: 'image/png' },
      { kind: 'thumbnail', sha256: 'b'.repeat(64), size: 600, mime: 'image/webp' },
    ], { title: null, description: null, url: first.link.url, text: '' });

    const refused = await t.service.snap(request('http://127.0.0.1:4567/quota/two')).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(LinksnapError);
    expect((refused as LinksnapError).code).toBe(ErrorCode.QuotaExceeded);
    expect((refused as LinksnapError).message).toContain('LINKSNAP_WORKSPACE_QUOTA');
    expect(describeError('zh-CN', ErrorCode.QuotaExceeded, null)).toContain('空间');
    // Nothing was written for the refused link.
    expect(await t.service.findLinkByUrl('discord:quota', 'http://127.0.0.1:4567/quota/two')).toBeNull();

    const again = await t.service.snap(request('http://127.0.0.1:4567/quota/one'));
    expect(again.deduplicated).toBe(true);
    const elsewhere = await t.service.snap(request('http://127.0.0.1:4567/quota/two', 'discord:other'));
    expect(elsewhere.snapshot.status).toBe('queued');
  });
});
