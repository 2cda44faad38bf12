// Pages that change and die, through the HTTP API and pages against the real service (SQLite
// file, blob files, Chromium captures of a fixture page that changes between captures): watches
// set, changed and removed; the diff between two versions as JSON and side by side; the change
// summary on the snapshot view; dead links listed and marked; and what a signed link opens.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../src/core/types.js';
import type { FixtureServer } from './helpers/fixture-server.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { startWeb, startWebTestBed, type RunningWeb, type WebTestBed } from './helpers/web.js';

const Token = 'watch-test-token-0123456789';

let bed: WebTestBed | undefined;
let fixtures: FixtureServer;
let t: TestApp;
let open: RunningWeb;
let locked: RunningWeb;
/** Two versions of /harbour: the second adds a paragraph and rewrites one line. */
let first: Snapshot;
let second: Snapshot;
/** Another link, for refusing a foreign `against`. */
let other: Snapshot;

const AddedParagraph = 'A new pier opened on the north side, and the ferry now stops there twice a day.';
/** Page text that looks like markup: the diff view must show it, never run it. */
const HostileLine = 'Reader comment: <img src=x onerror="alert(1)"> was here & stayed.';

function harbourPage(paragraphs: string[], stamp: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>The harbour log</title></head>
<body><article><h1>The harbour log</h1><p>Updated ${stamp}</p>
${paragraphs.map((p) => `<p>${p.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</p>`).join('\n')}
</article></body></html>`;
}

const BaseParagraphs = [
  'The harbour master keeps this log of everything that happens along the quay, from the first boat out to the last one in.',
  'Fishing boats leave before dawn and come back by noon; the market opens as soon as the first catch is landed on the stones.',
  'The lighthouse keeper reports fog most mornings in autumn, and the horn sounds every thirty seconds until it lifts.',
  'Visitors are asked to keep to the marked paths on the breakwater, which is slippery when the tide is high.',
];

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

async function request(base: string, method: string, path: string, options: { json?: unknown; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  }
  const res = await fetch(`${base}${path}`, { method, headers, body, redirect: 'manual' });
  const text = await res.text();
  const json = res.headers.get('content-type')?.startsWith('application/json') && text ? JSON.parse(text) : null;
  return { status: res.status, headers: res.headers, text, json };
}

async function capture(path: string, page: string | { status: number; body?: string }): Promise<Snapshot> {
  fixtures.setPage(path, page);
  const accepted = await t.service.snap({
    url: fixtures.url(path),
    force: true,
    workspace: { id: 'local', platform: 'web' },
    requester: { id: 'local' },
    source: { platform: 'web' },
  });
  const done = await t.service.waitFor(accepted.snapshot.id);
  expect(done.status, path).toBe('done');
  return done;
}

beforeAll(async () => {
  bed = await startWebTestBed(Token);
  ({ fixtures, t, open, locked } = bed);
  first = await capture('/harbour', harbourPage(BaseParagraphs, '2026-01-05 10:00'));
  const changed = [...BaseParagraphs];
  changed.splice(2, 0, AddedParagraph);
  changed[changed.length - 1] = HostileLine;
  second = await capture('/harbour', harbourPage(changed, '2026-01-06 16:45'));
  other = await capture('/elsewhere', harbourPage(['Nothing here is about the harbour at all; it is another page entirely, with its own words.'], '2026-01-01 00:00'));
});

afterAll(async () => {
  await bed?.close();
});

describe('watches API', () => {
  it('POST /api/watches sets a watch (201), captures a link never captured, changes its schedule (200); GET lists it; DELETE removes it', async () => {
    fixtures.setPage('/tides', harbourPage(['High tide at the harbour mouth is at noon today, and low tide six hours later.'], '2026-02-01 06:00'));
    const url = fixtures.url('/tides?utm_source=chat');
    const set = await request(open.base, 'POST', '/api/watches', { json: { url, every: 'daily' } });
    expect(set.status).toBe(201);
    const watch = set.json.watch;
    expect(set.json.created).toBe(true);
    expect(set.headers.get('location')).toBe(`/api/watches/${watch.id}`);
    expect(watch).toMatchObject({ url: fixtures.url('/tides'), every: 'daily', platform: 'web', channelId: null, workspaceId: 'local', failures: 0 });
    // Never captured before: its first version is taken at once, to compare later ones with.
    const versions = await t.service.listVersions('local', watch.linkId);
    expect(versions).toHaveLength(1);
    expect((await t.service.waitFor(versions[0].id)).status).toBe('done');

    const changed = await request(open.base, 'POST', '/api/watches', { json: { url, every: '0 9 * * 1' } });
    expect(changed.status).toBe(200);
    expect(changed.json.created).toBe(false);
    expect(changed.json.watch).toMatchObject({ id: watch.id, every: '0 9 * * 1' });

    const listed = await request(open.base, 'GET', '/api/watches');
    expect(listed.status).toBe(200);
    expect(listed.json.watches.filter((w: { id: string }) => w.id === watch.id)).toEqual([changed.json.watch]);

    expect((await request(open.base, 'DELETE', `/api/watches/${watch.id}`)).status).toBe(204);
    expect((await request(open.base, 'GET', '/api/watches')).json.watches.map((w: { id: string }) => w.id)).not.toContain(watch.id);
    const again = await request(open.base, 'DELETE', `/api/watches/${watch.id}`);
    expect(again.status).toBe(404);
    expect(again.json.error.code).toBe('not_found');
  });

  it('refuses a schedule that is not one, one more often than the minimum interval (1 h), missing fields and blocked addresses', async () => {
    const url = fixtures.url('/harbour');
    const refused = async (body: unknown, status: number, code: string, message?: RegExp) => {
      const reply = await request(open.base, 'POST', '/api/watches', { json: body });
      expect(reply.status, JSON.stringify(body)).toBe(status);
      expect(reply.json.error.code, JSON.stringify(body)).toBe(code);
      if (message) expect(reply.json.error.message, JSON.stringify(body)).toMatch(message);
    };
    await refused({ url, every: 'sometimes' }, 400, 'invalid_input', /Not a schedule/);
    await refused({ url, every: '61 * * * *' }, 400, 'invalid_input', /cron/);
    await refused({ url, every: '*/30 * * * *' }, 400, 'invalid_input', /more often than this server allows \(at most every 1 h\)/);
    await refused({ url }, 400, 'invalid_input', /"every"/);
    await refused({ every: 'daily' }, 400, 'invalid_input', /"url"/);
    await refused({ url: 'ftp://example.com/x', every: 'daily' }, 400, 'unsupported_scheme');
    await refused({ url: 'http://10.20.30.40/', every: 'daily' }, 422, 'blocked_address');
    await refused({ url, every: 'daily', workspace: 'slack:T404' }, 404, 'not_found');
    // Hourly is exactly the default minimum, so it is allowed.
    const hourly = await request(open.base, 'POST', '/api/watches', { json: { url, every: 'hourly' } });
    expect(hourly.status).toBe(201);
    expect((await request(open.base, 'DELETE', `/api/watches/${hourly.json.watch.id}`)).status).toBe(204);
    expect((await t.service.listWatches('local')).map((w) => w.url)).not.toContain(url);
  });

  it('follows LINKSNAP_WATCH_MIN_INTERVAL', async () => {
    const strict = await startTestApp({ env: { LINKSNAP_PORT: '0', LINKSNAP_WATCH_MIN_INTERVAL: '1d' }, captures: false });
    const { web, base } = await startWeb(strict, strict.config);
    try {
      const hourly = await request(base, 'POST', '/api/watches', { json: { url: fixtures.url('/harbour'), every: 'hourly' } });
      expect(hourly.status).toBe(400);
      expect(hourly.json.error.message).toMatch(/at most every 1 d/);
      expect((await request(base, 'POST', '/api/watches', { json: { url: fixtures.url('/harbour'), every: 'weekly' } })).status).toBe(201);
    } finally {
      await web.close();
      await strict.close();
    }
  });

  it('needs the token', async () => {
    expect((await request(locked.base, 'GET', '/api/watches')).status).toBe(401);
    expect((await request(locked.base, 'POST', '/api/watches', { json: { url: fixtures.url('/harbour'), every: 'daily' } })).status).toBe(401);
    expect((await request(locked.base, 'DELETE', '/api/watches/AAAAAAAAAAAAAAAA')).status).toBe(401);
    expect((await request(locked.base, 'GET', '/api/watches', { headers: { authorization: `Bearer ${Token}` } })).status).toBe(200);
  });
});

describe('changes between versions', () => {
  it('snapshot JSON carries change: null for a first version, and the counts against the version before', async () => {
    const one = await request(open.base, 'GET', `/api/snapshots/${first.id}`);
    expect(one.json.snapshot.change).toBeNull();
    const two = await request(open.base, 'GET', `/api/snapshots/${second.id}`);
    expect(two.json.snapshot.change).toEqual({ previousId: first.id, previousCapturedAt: first.capturedAt, changed: true, added: 2, removed: 1 });
    expect(two.json.versions.map((v: Snapshot) => v.id)).toEqual([second.id, first.id]);
    expect(two.json.versions[0].change).toEqual(two.json.snapshot.change);
  });

  it('GET /api/snapshots/:id/diff gives the hunks from the version it was compared with, or from the one named', async () => {
    const reply = await request(open.base, 'GET', `/api/snapshots/${second.id}/diff`);
    expect(reply.status).toBe(200);
    const diff = reply.json;
    expect(diff).toMatchObject({ changed: true, added: 2, removed: 1, approximate: false });
    expect(diff.from).toMatchObject({ id: first.id, status: 'done', title: 'The harbour log' });
    expect(diff.to).toMatchObject({ id: second.id, capturedAt: second.capturedAt });
    const lines: string[] = diff.hunks.flatMap((h: { lines: string[] }) => h.lines);
    expect(lines).toContain(`+${AddedParagraph}`);
    expect(lines).toContain(`+${HostileLine}`);
    expect(lines).toContain(`-${BaseParagraphs[3]}`);
    // Context around the change, with the page's own words (not the masked ones).
    expect(lines).toContain(` ${BaseParagraphs[1]}`);
    expect(lines.every((line) => /^[ +-]/.test(line))).toBe(true);
    for (const hunk of diff.hunks) {
      expect(hunk.lines.filter((l: string) => !l.startsWith('+')).length).toBe(hunk.oldLines);
      expect(hunk.lines.filter((l: string) => !l.startsWith('-')).length).toBe(hunk.newLines);
    }

    const named = await request(open.base, 'GET', `/api/snapshots/${second.id}/diff?against=${first.id}`);
    expect(named.json).toEqual(diff);
    // Asked the other way round, the API keeps the order: what was added is now removed.
    const reversed = await request(open.base, 'GET', `/api/snapshots/${first.id}/diff?against=${second.id}`);
    expect(reversed.json).toMatchObject({ changed: true, added: 1, removed: 2, from: { id: second.id }, to: { id: first.id } });
    expect(reversed.json.hunks.flatMap((h: { lines: string[] }) => h.lines)).toContain(`-${AddedParagraph}`);
  });

  it('answers 400 for a first version without against and for versions of different links, 404 for unknown ids', async () => {
    const firstOnly = await request(open.base, 'GET', `/api/snapshots/${first.id}/diff`);
    expect(firstOnly.status).toBe(400);
    expect(firstOnly.json.error.message).toMatch(/first version/);
    const foreign = await request(open.base, 'GET', `/api/snapshots/${second.id}/diff?against=${other.id}`);
    expect(foreign.status).toBe(400);
    expect(foreign.json.error.message).toMatch(/same link/);
    expect((await request(open.base, 'GET', `/api/snapshots/${second.id}/diff?against=AAAAAAAAAAAAAAAA`)).status).toBe(404);
    expect((await request(open.base, 'GET', '/api/snapshots/AAAAAAAAAAAAAAAA/diff')).status).toBe(404);
    expect((await request(open.base, 'GET', `/api/snapshots/${second.id}/diff?against=..%2F..%2Fetc`)).status).toBe(400);
  });

  it('a page whose only change is its timestamp is not a change', async () => {
    const before = await capture('/clock', harbourPage(BaseParagraphs, '2026-03-01 08:00:00'));
    const after = await capture('/clock', harbourPage(BaseParagraphs, '2026-03-02 17:31:09'));
    expect(after.change).toEqual({ previousId: before.id, previousCapturedAt: before.capturedAt, changed: false, added: 0, removed: 0 });
    const diff = await request(open.base, 'GET', `/api/snapshots/${after.id}/diff`);
    expect(diff.json).toMatchObject({ changed: false, added: 0, removed: 0, hunks: [] });
    const view = await request(open.base, 'GET', `/s/${after.id}`);
    expect(view.text).toMatch(/id="change-summary">No change since <time datetime="[^"]+"/);
  });

  it('the snapshot view says what changed since the version before, and links every version to the one before it', async () => {
    const view = await request(open.base, 'GET', `/s/${second.id}`);
    expect(view.status).toBe(200);
    expect(view.text).toMatch(/id="change-summary">Changed since <time[^>]*>[^<]+<\/time>: \+2 −1 lines\./);
    expect(view.text).toContain(`href="/s/${second.id}/diff?against=${first.id}"`);
    expect(view.text).toMatch(new RegExp(`<option value="${first.id}" selected>`));
    const firstView = await request(open.base, 'GET', `/s/${first.id}`, { headers: { 'accept-language': 'zh-CN' } });
    expect(firstView.text).toContain('这是此链接的第一个版本。');
    const ownRow = new RegExp(`<li aria-current="true" data-version="${first.id}">.*?</li>`).exec(firstView.text);
    expect(ownRow?.[0]).not.toContain('compare-previous');
    expect(firstView.text).toContain(`<a class="compare-previous" href="/s/${second.id}/diff?against=${first.id}"`);
  });

  it('the diff view shows removed lines left and added lines right, escaped, with both screenshots', async () => {
    const page = await request(open.base, 'GET', `/s/${second.id}/diff?against=${first.id}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.text).toContain(`<td class="new add" dir="auto"><ins><span class="visually-hidden">Added: </span>${AddedParagraph}</ins></td>`);
    expect(page.text).toContain(`<td class="old del" dir="auto"><del><span class="visually-hidden">Removed: </span>${BaseParagraphs[3]}</del></td>`);
    // The rewritten line sits on the same row as the one it replaced.
    expect(page.text).toMatch(/<del><span class="visually-hidden">Removed: <\/span>Visitors are asked[^<]*<\/del><\/td><td class="num">\d+<\/td><td class="new add" dir="auto"><ins><span class="visually-hidden">Added: <\/span>Reader comment: &lt;img src=x onerror=&quot;alert\(1\)&quot;&gt; was here &amp; stayed\./);
    expect(page.text).not.toContain('<img src=x');
    expect(page.text).toContain(`src="/api/snapshots/${first.id}/screenshot"`);
    expect(page.text).toContain(`src="/api/snapshots/${second.id}/screenshot"`);
    expect(page.text).toContain('+2 −1 lines');
    // Named the other way round, the page still reads older to newer.
    const swapped = await request(open.base, 'GET', `/s/${first.id}/diff?against=${second.id}`);
    expect(swapped.text).toContain(`data-from="${first.id}" data-to="${second.id}"`);
    expect(swapped.text).toContain('+2 −1 lines');
    // Without against: the version it was compared with.
    expect((await request(open.base, 'GET', `/s/${second.id}/diff`)).text).toContain(`data-from="${first.id}" data-to="${second.id}"`);
    const zh = await request(open.base, 'GET', `/s/${second.id}/diff?against=${first.id}`, { headers: { 'accept-language': 'zh-CN' } });
    expect(zh.text).toContain('+2 −1 行');
    expect(zh.text).toContain('<span class="visually-hidden">新增: </span>');

    expect((await request(open.base, 'GET', `/s/${first.id}/diff`)).status).toBe(400);
    expect((await request(open.base, 'GET', `/s/${second.id}/diff?against=${other.id}`)).status).toBe(400);
  });
});

describe('a change notice\'s signed link', () => {
  it('opens the diff view and its JSON with the newer snapshot\'s signature, both screenshots included, and nothing else', async () => {
    const signed = new URL(locked.web.diffUrl(second, first.id));
    expect(signed.pathname).toBe(`/s/${second.id}/diff`);
    expect(signed.searchParams.get('against')).toBe(first.id);
    const grant = `sig=${signed.searchParams.get('sig')}`;

    const page = await request(locked.base, 'GET', signed.pathname + signed.search);
    expect(page.status).toBe(200);
    expect(page.text).toContain(AddedParagraph);
    expect(page.text).not.toContain('id="watch"');
    const shots = [...page.text.matchAll(/<img class="screenshot" id="shot-(?:before|after)" src="([^"]+)"/g)].map((m) => m[1].replace(/&amp;/g, '&'));
    expect(shots).toEqual([`/api/snapshots/${second.id}/diff/screenshot?against=${first.id}&${grant}`, `/api/snapshots/${second.id}/screenshot?${grant}`]);
    for (const shot of shots) {
      const image = await fetch(`${locked.base}${shot}`);
      expect(image.status, shot).toBe(200);
      expect(image.headers.get('content-type'), shot).toBe('image/png');
      await image.arrayBuffer();
    }
    // The older version is shown, not opened: its page needs its own signature.
    expect(page.text).not.toContain(`href="/s/${first.id}`);
    expect((await request(locked.base, 'GET', `/s/${first.id}?${grant}`)).status).toBe(403);

    const json = await request(locked.base, 'GET', `/api/snapshots/${second.id}/diff?against=${first.id}&${grant}`);
    expect(json.status).toBe(200);
    expect(json.json.added).toBe(2);

    // Another link's version is refused, and none of its text or screenshot comes out.
    const foreign = await request(locked.base, 'GET', `/s/${second.id}/diff?against=${other.id}&${grant}`);
    expect(foreign.status).toBe(400);
    expect(foreign.text).not.toContain('Nothing here is about the harbour');
    expect((await request(locked.base, 'GET', `/api/snapshots/${second.id}/diff?against=${other.id}&${grant}`)).status).toBe(400);
    expect((await request(locked.base, 'GET', `/api/snapshots/${second.id}/diff/screenshot?against=${other.id}&${grant}`)).status).toBe(400);
    // The signature is for the newer snapshot only.
    expect((await request(locked.base, 'GET', `/s/${first.id}/diff?against=${second.id}&${grant}`)).status).toBe(403);
    expect((await request(locked.base, 'GET', `/api/snapshots/${first.id}/diff?${grant}`)).status).toBe(403);
    expect((await request(locked.base, 'GET', `/s/${second.id}/diff?against=${first.id}`)).status).toBe(303);
    expect((await request(locked.base, 'GET', `/api/snapshots/${second.id}/diff?against=${first.id}`)).status).toBe(401);
    expect((await request(locked.base, 'GET', `/api/snapshots/${second.id}/diff/screenshot?against=${first.id}`)).status).toBe(401);
  });
});

describe('an older snapshot\'s signed link', () => {
  it('reaches that version and its past, never a later version of the link; signed in, any two compare', async () => {
    const signed = new URL(locked.web.snapshotUrl(first));
    const grant = signed.search.slice(1);
    // The page neither lists the later version nor offers to compare with it.
    const page = await request(locked.base, 'GET', `/s/${first.id}?${grant}`);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain(second.id);
    expect(page.text).not.toContain('id="compare-against"');
    const json = await request(locked.base, 'GET', `/api/snapshots/${first.id}?${grant}`);
    expect(json.json.versions.map((v: { id: string }) => v.id)).toEqual([first.id]);

    // Asked for anyway, the later version is refused, and none of its text or screenshot comes out.
    const diffPage = await request(locked.base, 'GET', `/s/${first.id}/diff?against=${second.id}&${grant}`);
    expect(diffPage.status).toBe(403);
    expect(diffPage.text).not.toContain(AddedParagraph);
    const diffJson = await request(locked.base, 'GET', `/api/snapshots/${first.id}/diff?against=${second.id}&${grant}`);
    expect(diffJson.status).toBe(403);
    expect(diffJson.text).not.toContain(AddedParagraph);
    const shot = await request(locked.base, 'GET', `/api/snapshots/${first.id}/diff/screenshot?against=${second.id}&${grant}`);
    expect(shot.status).toBe(403);
    expect(shot.headers.get('content-type')).not.toBe('image/png');

    // The newer one's signature still reaches the older version, as a change notice's link does.
    const newer = new URL(locked.web.snapshotUrl(second)).search.slice(1);
    const newerPage = await request(locked.base, 'GET', `/s/${second.id}?${newer}`);
    expect(newerPage.text).toMatch(new RegExp(`<option value="${first.id}" selected>`));
    expect((await request(locked.base, 'GET', `/api/snapshots/${second.id}/diff?against=${first.id}&${newer}`)).status).toBe(200);
    expect((await request(locked.base, 'GET', `/api/snapshots/${second.id}/diff/screenshot?against=${first.id}&${newer}`)).status).toBe(200);

    // Signed in, the older one compares with the later one either way.
    const auth = { authorization: `Bearer ${Token}` };
    expect((await request(locked.base, 'GET', `/s/${first.id}/diff?against=${second.id}`, { headers: auth })).status).toBe(200);
    expect((await request(locked.base, 'GET', `/api/snapshots/${first.id}/diff?against=${second.id}`, { headers: auth })).json).toMatchObject({ from: { id: second.id }, to: { id: first.id } });
    expect((await request(locked.base, 'GET', `/api/snapshots/${first.id}/diff/screenshot?against=${second.id}`, { headers: auth })).status).toBe(200);
    expect((await request(locked.base, 'GET', `/s/${first.id}`, { headers: auth })).text).toContain(`<option value="${second.id}"`);
  });
});

describe('the watch control on the snapshot view', () => {
  it('watches on a cron schedule, re-shows a refused one with the reason, and stops', async () => {
    const watchUrl = `/s/${second.id}/watch`;
    expect((await request(open.base, 'GET', `/s/${second.id}`)).text).toMatch(/<button type="submit" id="watch-submit">Watch<\/button>/);

    const tooOften = await request(open.base, 'POST', watchUrl, { form: { every: 'cron', cron: '*/10 * * * *' } });
    expect(tooOften.status).toBe(400);
    expect(tooOften.text).toMatch(/id="watch-error">[^<]*more often than this server allows/);
    expect(tooOften.text).toContain('value="*/10 * * * *"');
    expect(await t.service.listWatches('local', null)).not.toContainEqual(expect.objectContaining({ linkId: second.linkId }));

    const set = await request(open.base, 'POST', watchUrl, { form: { every: 'cron', cron: '0 9 * * 1' } });
    expect(set.status).toBe(303);
    expect(set.headers.get('location')).toBe(`/s/${second.id}#watch`);
    const watched = (await t.service.listWatches('local', null)).find((w) => w.linkId === second.linkId);
    expect(watched?.every).toBe('0 9 * * 1');
    const view = await request(open.base, 'GET', `/s/${second.id}`);
    expect(view.text).toMatch(/id="watching">Watched on the schedule 0 9 \* \* 1 from this page; next capture <time/);
    expect(view.text).toContain('<option value="cron" selected>');
    expect(view.text).toContain('id="unwatch-submit"');

    const daily = await request(open.base, 'POST', watchUrl, { form: { every: 'daily', cron: '' } });
    expect(daily.status).toBe(303);
    expect((await t.service.listWatches('local', null)).find((w) => w.linkId === second.linkId)?.every).toBe('daily');
    // The home page marks the watched link.
    expect((await request(open.base, 'GET', '/')).text).toMatch(new RegExp(`data-snapshot="${second.id}"[\\s\\S]*?<span class="badge watched">Watched daily</span>`));

    const stopped = await request(open.base, 'POST', `/s/${second.id}/unwatch`, { form: {} });
    expect(stopped.status).toBe(303);
    expect((await t.service.listWatches('local', null)).find((w) => w.linkId === second.linkId)).toBeUndefined();

    // Changes need the token; cross-site form posts are refused.
    expect((await request(locked.base, 'POST', watchUrl, { form: { every: 'daily' } })).status).toBe(303);
    expect((await request(open.base, 'POST', watchUrl, { form: { every: 'daily' }, headers: { origin: 'http://attacker.example' } })).status).toBe(403);
    expect((await t.service.listWatches('local', null)).find((w) => w.linkId === second.linkId)).toBeUndefined();
  });
});

describe('dead links', () => {
  it('are listed by GET /api/snapshots?dead=true and the "dead links" filter, and marked on the list and the snapshot view', async () => {
    const doomed = await capture('/doomed', harbourPage(['This page will soon be taken down by its owner, and nothing will replace it.'], '2026-01-01 00:00'));
    fixtures.setPage('/doomed', { status: 404, body: '<!doctype html><title>Not found</title><p>No such page</p>' });
    // Dead after two checks in a row that find it gone.
    await t.service.checkLinks({ all: true });
    expect((await request(open.base, 'GET', '/api/snapshots?dead=true')).json.items).toEqual([]);
    await t.service.checkLinks({ all: true });

    const dead = await request(open.base, 'GET', '/api/snapshots?dead=true');
    expect(dead.status).toBe(200);
    expect(dead.json.items.map((item: { link: { id: string } }) => item.link.id)).toEqual([doomed.linkId]);
    const [item] = dead.json.items;
    expect(item.snapshot.id).toBe(doomed.id);
    expect(item.link.lastCheck).toMatchObject({ alive: false, httpStatus: 404, deadReason: expect.any(String), deadSince: expect.any(String) });
    expect((await request(open.base, 'GET', '/api/snapshots?dead=false')).json.items.length).toBeGreaterThan(1);
    expect((await request(open.base, 'GET', '/api/snapshots?dead=true&q=harbour')).status).toBe(400);
    expect((await request(open.base, 'GET', '/api/snapshots?dead=maybe')).status).toBe(400);

    const reason = item.link.lastCheck.deadReason as string;
    const list = await request(open.base, 'GET', '/?dead=1');
    expect(list.status).toBe(200);
    const cards = [...list.text.matchAll(/<li class="card[^"]*" data-snapshot="([^"]+)"/g)].map((m) => m[1]);
    expect(cards).toEqual([doomed.id]);
    expect(list.text).toContain('<li class="card is-dead"');
    expect(list.text).toMatch(new RegExp(`<span class="badge dead" data-dead-since="[^"]+">Dead since <time[^>]*>[^<]+</time>: ${reason}</span>`));
    expect(list.text).toMatch(/<a class="chip dead-filter active" href="\/"/);
    const all = await request(open.base, 'GET', '/');
    expect(all.text).toMatch(/<a class="chip dead-filter" href="\/\?dead=1"/);
    expect(all.text.match(/class="badge dead"/g)).toHaveLength(1);
    const zh = await request(open.base, 'GET', '/?dead=1', { headers: { 'accept-language': 'zh-CN' } });
    expect(zh.text).toMatch(/<time[^>]*>[^<]+<\/time> 起失效/);
    expect(zh.text).toContain('失效链接');

    const view = await request(open.base, 'GET', `/s/${doomed.id}`);
    expect(view.text).toMatch(new RegExp(`id="dead-notice" role="note">The original address has been dead since <time[^>]*>[^<]+</time>\\. This snapshot shows the page as it was\\. Reason: <span class="reason">${reason}</span>`));
    expect((await request(open.base, 'GET', `/s/${second.id}`)).text).not.toContain('dead-notice');
  });
});
