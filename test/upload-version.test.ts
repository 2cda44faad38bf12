// "Upload your own" through the service, on a real SQLite file with real Chromium: a page behind a
// login wall captures as degraded; the page the person saved in their browser (SingleFile HTML)
// becomes the link's next version, marked as theirs, rendered offline by the capture job with no
// request to the site, found by its text. The upload works once, and only for a capture that
// could not see the page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { type LoopbackServer, serveOnLoopback } from './helpers/loopback-server.js';

const Local = { workspace: { id: 'local', platform: 'cli' as const }, requester: { id: 'U1', name: 'Ada' }, source: { platform: 'cli' as const } };

let server: LoopbackServer;
let origin: string;
let t: TestApp;
const requests: string[] = [];

const Saved = (url: string) =>
  Buffer.from(`<!DOCTYPE html><html><!--
 Page saved with SingleFile
 url: ${url}
 saved date: Mon Dec 07 2026 10:00:00 GMT+0000
--><head><meta charset="utf-8"><title>Quarterly numbers, members edition</title></head><body><article>
<h1>Quarterly numbers, members edition</h1><p>${'Revenue of the aardvark division rose again this quarter. '.repeat(15)}</p>
<img src="${url.replace(/\/[^/]*$/, '/tracker.gif')}"></article><script>document.title = 'script ran'</script></body></html>`);

beforeAll(async () => {
  server = await serveOnLoopback((req, res) => {
    requests.push(req.url ?? '');
    if (req.url === '/members/report') res.writeHead(403, { 'content-type': 'text/html' }).end('<!doctype html><title>Sign in</title><h1>Please sign in to continue</h1>');
    else if (req.url === '/open') res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><title>Open page</title><article><p>${'Readable words for everyone. '.repeat(30)}</p></article>`);
    else res.writeHead(404).end();
  });
  origin = server.origin;
  t = await startTestApp();
}, 60_000);

afterAll(async () => {
  await t?.close();
  await server?.close();
});

async function captured(path: string) {
  const accepted = await t.service.snap({ url: `${origin}${path}`, ...Local });
  return t.service.waitFor(accepted.snapshot.id, AbortSignal.timeout(90_000));
}

describe('upload your own', () => {
  it('turns a saved page into the next version of a walled link, offline, marked as the uploader\'s', async () => {
    const walled = await captured('/members/report');
    expect(walled.status).toBe('done');
    expect(walled.degraded).toBe(true);
    const before = requests.length;
    const queued = await t.service.uploadVersion({ snapshotId: walled.id, data: Saved(`${origin}/members/report`), uploadedBy: 'Ada' });
    expect(queued.uploadedBy).toBe('Ada');
    const version = await t.service.waitFor(queued.id, AbortSignal.timeout(90_000));
    expect(version.status, version.error ?? '').toBe('done');
    expect(version.degraded).toBe(false);
    expect(version.linkId).toBe(walled.linkId);
    expect(version.title).toBe('Quarterly numbers, members edition');
    expect(version.uploadedBy).toBe('Ada');
    expect(version.artifacts.screenshot).toBeDefined();
    expect(version.artifacts.thumbnail).toBeDefined();
    expect(version.artifacts.archive).toBeDefined();
    expect(requests.length).toBe(before);
    const versions = await t.service.listVersions(walled.workspaceId, walled.linkId);
    expect(versions[0].id).toBe(version.id);
    const found = await t.service.find({ workspaceId: 'local', text: 'aardvark' });
    expect(found.items.map((item) => item.snapshot.id)).toEqual([version.id]);
  }, 120_000);

  it('works once: the walled version takes no second upload once a newer version exists', async () => {
    const versions = await t.service.find({ workspaceId: 'local', text: 'aardvark' });
    const link = versions.items[0].link;
    const all = await t.service.listVersions(link.workspaceId, link.id);
    const walled = all.find((v) => v.degraded)!;
    await expect(t.service.uploadVersion({ snapshotId: walled.id, data: Saved(`${origin}/members/report`), uploadedBy: 'Eve' })).rejects.toThrow(/newer version already; an upload link works once/);
  });

  it('refuses an upload for a capture that saw the page, and a file that is not a saved page', async () => {
    const open = await captured('/open');
    expect(open.degraded).toBe(false);
    await expect(t.service.uploadVersion({ snapshotId: open.id, data: Saved(`${origin}/open`), uploadedBy: 'Ada' })).rejects.toThrow(/Only a capture that failed or came out incomplete/);
    const walled = await captured('/members/report?again=1');
    await expect(t.service.uploadVersion({ snapshotId: walled.id, data: Buffer.from('%PDF-1.4 not a page'), uploadedBy: 'Ada' })).rejects.toThrow(/not a saved page/);
    const after = await t.service.listVersions(walled.workspaceId, walled.linkId);
    expect(after).toHaveLength(1);
  }, 120_000);
});
