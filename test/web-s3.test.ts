// With LINKSNAP_BLOBS=s3://…, the web page and the CLI serve what is in the bucket: artifacts
// stream from it with byte ranges, the snapshot page reads its text from it, `show --json` names
// s3:// locations, and the data folder holds no blob. The bucket is an S3 wire-protocol stand-in.
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Snapshot } from '../src/core/types.js';
import { createWebServer, type WebServer } from '../src/web/index.js';
import { startFixtureServer, type FixtureServer } from './helpers/fixture-server.js';
import { startTestApp, TestEnv, type TestApp } from './helpers/app.js';
import { startS3StandIn, type S3StandIn } from './stand-ins/s3/s3-server.js';

let fixtures: FixtureServer;
let s3: S3StandIn;
let t: TestApp;
let web: WebServer;
let base: string;
let article: Snapshot;

beforeAll(async () => {
  fixtures = await startFixtureServer();
  s3 = await startS3StandIn();
  t = await startTestApp({ env: { LINKSNAP_PORT: '0', ...s3.env('web/blobs') } });
  web = createWebServer({ service: t.service, config: t.config, logger: t.logger });
  base = await web.listen();
  const accepted = await t.service.snap({ url: fixtures.url('/article.html'), tags: ['s3'], workspace: { id: 'local', platform: 'web' }, requester: { id: 'tester' }, source: { platform: 'web' } });
  article = await t.service.waitFor(accepted.snapshot.id);
  expect(article.status).toBe('done');
});

afterAll(async () => {
  await web?.close();
  await t?.close();
  await s3?.close();
  await fixtures?.close();
});

const get = async (path: string, headers: Record<string, string> = {}) => {
  const reply = await fetch(`${base}${path}`, { headers });
  return { status: reply.status, headers: reply.headers, body: Buffer.from(await reply.arrayBuffer()) };
};

it('streams an artifact from the bucket, whole and by byte range', async () => {
  const ref = article.artifacts.screenshot!;
  const whole = await get(`/api/snapshots/${article.id}/screenshot`);
  expect(whole.status).toBe(200);
  expect(whole.headers.get('accept-ranges')).toBe('bytes');
  expect(createHash('sha256').update(whole.body).digest('hex')).toBe(ref.sha256);
  for (const [range, start, end] of [['bytes=0-0', 0, 0], ['bytes=100-299', 100, 299], ['bytes=-16', ref.size - 16, ref.size - 1]] as const) {
    const part = await get(`/api/snapshots/${article.id}/screenshot`, { range });
    expect(part.status, range).toBe(206);
    expect(part.headers.get('content-range'), range).toBe(`bytes ${start}-${end}/${ref.size}`);
    expect(part.body.equals(whole.body.subarray(start, end + 1)), range).toBe(true);
  }
  expect((await get(`/api/snapshots/${article.id}/screenshot`, { range: `bytes=${ref.size}-` })).status).toBe(416);
});

it('shows the snapshot page with the readable text read from the bucket', async () => {
  const text = (await t.app.blobs.read(article.artifacts.text!.sha256)).toString('utf8');
  const line = text.split('\n').map((part) => part.trim()).find((part) => /^[\w ,.]{20,}$/.test(part))!;
  expect(line).toBeTruthy();
  const view = await get(`/s/${article.id}`);
  expect(view.status).toBe(200);
  expect(view.body.toString('utf8')).toContain(line);
  expect(t.logs.filter((event) => event.message === 'Could not read the text of a snapshot')).toEqual([]);
});

it('answers 404, not 500, when an artifact is gone from the bucket', async () => {
  const ref = article.artifacts.fullpage!;
  const bytes = await t.app.blobs.read(ref.sha256);
  await t.app.blobs.delete(ref.sha256);
  try {
    expect((await get(`/api/snapshots/${article.id}/fullpage`)).status).toBe(404);
  } finally {
    await t.app.blobs.put(bytes);
  }
  expect((await get(`/api/snapshots/${article.id}/fullpage`)).status).toBe(200);
});

it('names s3:// locations in `linksnap show --json`, and keeps no blob in the data folder', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'show', article.id, '--json'], {
    env: { ...process.env, ...TestEnv, ...s3.env('web/blobs'), LINKSNAP_LOG_LEVEL: 'error', LINKSNAP_DATA_DIR: t.dataDir },
  });
  const shown = JSON.parse(stdout);
  const sha = article.artifacts.screenshot!.sha256;
  expect(shown.artifacts.screenshot).toBe(`s3://${s3.bucket}/web/blobs/${sha.slice(0, 2)}/${sha.slice(2, 4)}/${sha}`);
  expect(shown.sha256.screenshot).toBe(sha);
  expect(s3.keys()).toContain(`web/blobs/${sha.slice(0, 2)}/${sha.slice(2, 4)}/${sha}`);
  expect(fs.existsSync(t.config.blobDir)).toBe(false);
});
