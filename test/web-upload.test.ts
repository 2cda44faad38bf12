// "Upload your own" over the real web server: a link shared in Discord by Ada captures as a login
// wall; the snapshot's signed link (the one her chat card carries) shows the upload form, takes the
// page she saved (real multipart), and leads to the new version marked as hers. The link works
// once; without the token or a signature nothing is taken; with the token a script can send the
// file as the raw body; an oversized file is refused while it arrives.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureServer, type FixtureServer } from './helpers/fixture-server.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { startWeb, type RunningWeb } from './helpers/web.js';

const Token = 'upload-test-token-0123456789';
const bearer = { authorization: `Bearer ${Token}` };

let fixtures: FixtureServer;
let t: TestApp;
let web: RunningWeb;

const saved = (title: string) =>
  Buffer.from(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>${title}</title></head><body><article><h1>${title}</h1><p>${'What members read behind the wall. '.repeat(20)}</p></article></body></html>`);

beforeAll(async () => {
  fixtures = await startFixtureServer();
  for (const path of ['/wall-1', '/wall-2', '/wall-3']) {
    fixtures.setPage(path, { status: 403, body: '<!doctype html><title>Sign in</title><h1>Sign in to read this story</h1>' });
  }
  t = await startTestApp({ env: { LINKSNAP_PORT: '0', LINKSNAP_API_TOKEN: Token, LINKSNAP_MAX_UPLOAD: '200KB' } });
  web = await startWeb(t, t.config);
}, 60_000);

afterAll(async () => {
  await web?.web.close();
  await t?.close();
  await fixtures?.close();
});

async function walled(path: string) {
  const accepted = await t.service.snap({
    url: fixtures.url(path),
    workspace: { id: 'G1', platform: 'discord', name: 'Guild' },
    requester: { id: 'U-ada', name: 'Ada' },
    source: { platform: 'discord', channelId: 'C1', channelName: 'reading' },
  });
  const done = await t.service.waitFor(accepted.snapshot.id, AbortSignal.timeout(90_000));
  expect(done.degraded).toBe(true);
  return done;
}

function form(data: Buffer, fileName: string): FormData {
  const body = new FormData();
  body.set('file', new Blob([new Uint8Array(data)], { type: 'text/html' }), fileName);
  return body;
}

describe('upload your own, on the web', () => {
  it('the signed link shows the form, takes the saved page once, and leads to the version marked as the sharer\'s', async () => {
    const snapshot = await walled('/wall-1');
    const signedView = web.web.snapshotUrl(snapshot);
    const page = await (await fetch(signedView)).text();
    expect(page).toContain('Upload your own copy');
    const action = /<form method="post" action="([^"]+)" enctype="multipart\/form-data">/.exec(page)![1].replace(/&amp;/g, '&');
    expect(action).toMatch(new RegExp(`^/s/${snapshot.id}/upload\\?sig=`));

    const posted = await fetch(new URL(action, web.base), { method: 'POST', body: form(saved('Members story'), 'story.html'), redirect: 'manual', headers: { origin: web.base } });
    expect(posted.status).toBe(303);
    const location = posted.headers.get('location')!;
    const newId = /^\/s\/([^?]+)\?sig=/.exec(location)![1];
    expect(newId).not.toBe(snapshot.id);
    const version = await t.service.waitFor(newId, AbortSignal.timeout(90_000));
    expect(version.status, version.error ?? '').toBe('done');
    expect(version.uploadedBy).toBe('Ada');
    expect(version.title).toBe('Members story');
    const newPage = await (await fetch(new URL(location, web.base))).text();
    expect(newPage).toContain('Uploaded by Ada');
    expect(newPage).not.toContain('Upload your own copy');

    const again = await fetch(new URL(action, web.base), { method: 'POST', body: form(saved('Second try'), 'again.html'), redirect: 'manual', headers: { origin: web.base } });
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('an upload link works once');
    expect(await (await fetch(signedView)).text()).not.toContain('Upload your own copy');
  }, 120_000);

  it('takes nothing without the token or a valid signature', async () => {
    const snapshot = await walled('/wall-2');
    const none = await fetch(`${web.base}/api/snapshots/${snapshot.id}/upload`, { method: 'POST', body: form(saved('x'), 'x.html') });
    expect(none.status).toBe(401);
    const wrong = await fetch(`${web.base}/api/snapshots/${snapshot.id}/upload?sig=${'A'.repeat(43)}`, { method: 'POST', body: form(saved('x'), 'x.html') });
    expect(wrong.status).toBe(403);
    expect(await t.service.listVersions(snapshot.workspaceId, snapshot.linkId)).toHaveLength(1);
  }, 120_000);

  it('with the token, a script sends the raw file; an oversized one is refused while it arrives', async () => {
    const snapshot = await walled('/wall-3');
    const big = await fetch(`${web.base}/api/snapshots/${snapshot.id}/upload`, { method: 'POST', headers: { ...bearer, 'content-type': 'text/html' }, body: Buffer.concat([saved('big'), Buffer.alloc(300 * 1024, 32)]) });
    expect(big.status).toBe(413);
    const bad = await fetch(`${web.base}/api/snapshots/${snapshot.id}/upload`, { method: 'POST', headers: { ...bearer, 'content-type': 'application/octet-stream' }, body: Buffer.from('GIF89a not a page') });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain('not a saved page');
    const raw = await fetch(`${web.base}/api/snapshots/${snapshot.id}/upload`, { method: 'POST', headers: { ...bearer, 'content-type': 'text/html' }, body: saved('From a script') });
    expect(raw.status).toBe(202);
    const json = (await raw.json()) as { snapshot: { id: string; uploadedBy: string; status: string } };
    expect(json.snapshot.uploadedBy).toBe('the web page');
    const version = await t.service.waitFor(json.snapshot.id, AbortSignal.timeout(90_000));
    expect(version.title).toBe('From a script');
  }, 120_000);
});
