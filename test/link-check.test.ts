// The scheduled link check: real requests through the egress policy to fixture pages, results
// stored with the link, and a forgotten link never brought back.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkLinks } from '../src/core/link-check.js';
import { startFixtureServer, type FixtureServer } from './helpers/fixture-server.js';
import { startTestApp, type TestApp } from './helpers/app.js';

let fixtures: FixtureServer;
let t: TestApp;

beforeAll(async () => {
  fixtures = await startFixtureServer();
  t = await startTestApp();
});

afterAll(async () => {
  await t?.close();
  await fixtures?.close();
});

const snap = (url: string) =>
  t.service.snap({ url, workspace: { id: 'local', platform: 'web' }, requester: { id: 'tester' }, source: { platform: 'web' } });

it('marks links that still answer as alive and those that do not as dead, with the reason', async () => {
  const alive = await snap(fixtures.url('/article.html'));
  const gone = await snap(fixtures.url('/status/404'));
  const refused = await snap(fixtures.url('/redirect?n=1&to=http://127.0.0.2:9/'));
  for (const accepted of [alive, gone, refused]) await t.service.waitFor(accepted.snapshot.id);
  expect((await t.service.getLink('local', alive.link.id)).lastCheck).toBeNull();

  const report = await checkLinks({ store: t.app.linkChecks, policy: t.app.policy }, new Date());
  // The 404 is gone (dead after a second such check); the refused address says nothing either way.
  expect(report).toEqual({ checked: 3, alive: 1, gone: 1, died: 0 });

  const aliveLink = await t.service.getLink('local', alive.link.id);
  expect(aliveLink.lastCheck).toMatchObject({ alive: true, httpStatus: 200, error: null });
  const goneLink = await t.service.getLink('local', gone.link.id);
  expect(goneLink.lastCheck).toMatchObject({ alive: false, httpStatus: 404 });
  const refusedLink = await t.service.getLink('local', refused.link.id);
  expect(refusedLink.lastCheck?.alive).toBe(false);
  expect(refusedLink.lastCheck?.error).toMatch(/127\.0\.0\.2/);

  // Checked just now: not due again until the window passes.
  const again = await checkLinks({ store: t.app.linkChecks, policy: t.app.policy }, new Date(Date.now() - 3_600_000));
  expect(again.checked).toBe(0);
  // find() carries the check too, so list views can mark dead links.
  const listed = await t.service.find({ workspaceId: 'local', limit: 10 });
  expect(listed.items.find((item) => item.link.id === gone.link.id)?.link.lastCheck?.alive).toBe(false);
});
