// Issue 12 from the command line: watches, diffs, the link check, dead links and retention, each
// through the CLI run as a real process on its own data folder, capturing fixture pages in Chromium.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureServer, type FixtureServer } from './helpers/fixture-server.js';
import { startTestApp } from './helpers/app.js';
import { Added, changingPage, Paragraphs } from './helpers/changing-page.js';
import { runCli as cli } from './helpers/cli.js';

/**
 * Each test runs the CLI a score of times, each a process that starts tsx and opens the store (a
 * few seconds on a busy two-core machine), some of them capturing in Chromium.
 */
const SlowTestMs = 300_000;
let fixtures: FixtureServer;
const dataDirs: string[] = [];

/** A data folder of its own, so one test's links, settings and link checks do not reach another's. */
function dataFolder(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'linksnap-cli-watch-'));
  dataDirs.push(dir);
  return dir;
}

const page = (updated: string, paragraphs: string[]) => changingPage('Tide tables', updated, paragraphs, 'Tide tables for the harbour');

beforeAll(async () => {
  fixtures = await startFixtureServer();
});

afterAll(async () => {
  await fixtures?.close();
  for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('linksnap watch, diff', () => {
  it('refuses a schedule that is not one, or runs more often than the server allows, as usage errors', async () => {
    const dir = dataFolder();
    const url = fixtures.url('/article.html');
    const missing = await cli(dir, 'watch', 'add', url);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/needs --every/);
    const bad = await cli(dir, 'watch', 'add', url, '--every', 'sometimes');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Not a schedule: "sometimes"/);
    const often = await cli(dir, 'watch', 'add', url, '--every', '*/5 * * * *');
    expect(often.code).toBe(2);
    expect(often.stderr).toMatch(/runs more often than this server allows \(at most every 1 h\)/);
    const list = await cli(dir, 'watch', 'list', '--json');
    expect(JSON.parse(list.stdout)).toEqual([]);
    const unknown = await cli(dir, 'watch', 'pause', url);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown watch command "pause"/);
  }, SlowTestMs);

  it('adds a watch with its first capture, runs it on a changed and a re-stamped page, diffs the versions and removes it', async () => {
    const dir = dataFolder();
    const url = fixtures.url('/tides.html');
    fixtures.setPage('/tides.html', page('2026-01-05 10:00', Paragraphs));

    const added = await cli(dir, 'watch', 'add', url, '--every', 'hourly');
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain(`Watching ${url} hourly. Next run: `);
    expect(added.stdout).toMatch(/Capturing it for the first time/);
    const firstId = /First version captured: (\S+)  Tide tables/.exec(added.stdout)?.[1];
    expect(firstId).toBeDefined();

    // Set again from the same place: the schedule changes, nothing is captured, still one watch.
    const daily = await cli(dir, 'watch', 'add', url, '--every', 'daily');
    expect(daily.code, daily.stderr).toBe(0);
    expect(daily.stdout).toMatch(new RegExp(`^Already watched; ${escape(url)} is now watched daily\\. Next run: .* UTC\\.\\n$`));
    const hourly = await cli(dir, 'watch', 'add', url, '--every', 'hourly', '--json');
    expect(JSON.parse(hourly.stdout)).toMatchObject({ created: false, watch: { every: 'hourly' }, firstSnapshot: null });

    const listed = JSON.parse((await cli(dir, 'watch', 'list', '--json')).stdout);
    expect(listed).toEqual([expect.objectContaining({ url, every: 'hourly', platform: 'cli', channelId: null, lastSnapshotId: firstId, pendingSnapshotId: null, failures: 0 })]);
    expect(Date.parse(listed[0].nextRunAt)).toBeGreaterThan(Date.now() + 30 * 60_000);
    const listText = await cli(dir, 'watch', 'list');
    expect(listText.stdout).toContain(url);
    expect(listText.stdout).toMatch(/every hourly {2}next \d{4}-\d\d-\d\d \d\d:\d\d UTC {2}last \d{4}-.* UTC {2}failures 0/);

    // Nothing is due an hour ahead of time; --all runs it now.
    const notDue = await cli(dir, 'watch', 'run');
    expect(notDue.code).toBe(0);
    expect(notDue.stdout).toMatch(/No watch is due now/);

    fixtures.setPage('/tides.html', page('2026-01-05 10:00', [...Paragraphs, Added]));
    const changed = await cli(dir, 'watch', 'run', '--all');
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.stdout).toMatch(new RegExp(`^changed +${escape(url)}  \\+1 -0 lines  \\(snapshot (\\S+)\\)$`, 'm'));
    expect(changed.stdout).toContain(`    +${Added}`);
    expect(changed.stdout).toContain('1 watch run: 1 changed, 0 unchanged, 0 failed.');
    const secondId = /\(snapshot (\S+)\)/.exec(changed.stdout)![1];

    // Only the time on the page moved: a re-capture, not a change.
    fixtures.setPage('/tides.html', page('2026-02-07 11:30', [...Paragraphs, Added]));
    const stamped = await cli(dir, 'watch', 'run', '--all', '--json');
    expect(stamped.code, stamped.stderr).toBe(0);
    const [unchanged] = JSON.parse(stamped.stdout);
    expect(unchanged).toMatchObject({ url, result: 'unchanged', added: 0, removed: 0, error: null });
    const thirdId = unchanged.snapshotId as string;

    const text = await cli(dir, 'diff', firstId!, secondId);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^--- ${escape(firstId!)}  .* UTC$`, 'm'));
    expect(text.stdout).toMatch(new RegExp(`^\\+\\+\\+ ${escape(secondId)}  .* UTC  ${escape(url)}$`, 'm'));
    expect(text.stdout).toMatch(/^@@ -\d+,\d+ \+\d+,\d+ @@$/m);
    expect(text.stdout).toContain(`\n+${Added}\n`);
    expect(text.stdout).toContain(`\n ${Paragraphs[2]}\n`);
    expect(text.stdout).toMatch(/1 line added, 0 removed\.\n$/);

    const json = JSON.parse((await cli(dir, 'diff', firstId!, secondId, '--json')).stdout);
    expect(json).toMatchObject({ changed: true, added: 1, removed: 0, approximate: false, from: { id: firstId, url }, to: { id: secondId, url } });
    expect(json.hunks).toHaveLength(1);
    expect(json.hunks[0]).toEqual({ oldStart: expect.any(Number), oldLines: expect.any(Number), newStart: expect.any(Number), newLines: expect.any(Number), lines: expect.arrayContaining([`+${Added}`]) });

    // Read the other way, the same change is a removal.
    const backwards = JSON.parse((await cli(dir, 'diff', secondId, firstId!, '--json')).stdout);
    expect(backwards).toMatchObject({ changed: true, added: 0, removed: 1 });
    // One id: against the version it was compared with when captured.
    const restamped = await cli(dir, 'diff', thirdId);
    expect(restamped.stdout).toMatch(new RegExp(`^--- ${escape(secondId)} `, 'm'));
    expect(restamped.stdout).toMatch(/No change in the readable text/);
    const first = await cli(dir, 'diff', firstId!);
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/first version: name another version/);

    // A run whose capture fails is reported with its reason, and the command exits 1.
    fixtures.setPage('/tides.html', { status: 302, headers: { location: 'http://10.1.2.3/' } });
    const failed = await cli(dir, 'watch', 'run', '--all');
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(new RegExp(`^failed +${escape(url)}  .*10\\.1\\.2\\.3`, 'm'));
    expect(JSON.parse((await cli(dir, 'watch', 'list', '--json')).stdout)[0]).toMatchObject({ failures: 1, lastSnapshotId: thirdId });

    const removed = await cli(dir, 'watch', 'remove', url);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toBe(`Stopped watching ${url} (was hourly).\n`);
    const again = await cli(dir, 'watch', 'remove', url);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`linksnap: ${url} is not watched (linksnap watch list shows what is)\n`);
    expect(JSON.parse((await cli(dir, 'watch', 'list', '--json')).stdout)).toEqual([]);
  }, SlowTestMs);
});

describe('linksnap diff in any workspace', () => {
  it('diffs two versions of a link captured from chat, and keeps both ids to versions of one link', async () => {
    const dir = dataFolder();
    const url = fixtures.url('/chat-tides.html');
    const workspace = { id: 'discord:G4242', platform: 'discord' as const };
    // Captured as the Discord bot would (the CLI has no way to), in the same data folder.
    const app = await startTestApp({ dataDir: dir });
    let older: string, newer: string, local: string;
    try {
      const capture = async (paragraphs: string[], where: { id: string; platform: 'discord' | 'cli' }) => {
        fixtures.setPage('/chat-tides.html', page('2026-01-05 10:00', paragraphs));
        const accepted = await app.service.snap({ url, force: true, workspace: where, requester: { id: 'U1' }, source: { platform: where.platform, channelId: 'C1' } });
        const done = await app.service.waitFor(accepted.snapshot.id);
        expect(done.status).toBe('done');
        return done.id;
      };
      older = await capture(Paragraphs, workspace);
      newer = await capture([...Paragraphs, Added], workspace);
      local = await capture(Paragraphs, { id: 'local', platform: 'cli' });
    } finally {
      await app.close();
    }

    const text = await cli(dir, 'diff', older, newer);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`\n+${Added}\n`);
    expect(text.stdout).toMatch(/1 line added, 0 removed\.\n$/);
    const json = JSON.parse((await cli(dir, 'diff', newer, '--json')).stdout);
    expect(json).toMatchObject({ changed: true, added: 1, from: { id: older, url }, to: { id: newer, url } });

    // The same page in the local workspace is another link: not a version of the chat one.
    const mixed = await cli(dir, 'diff', local, newer);
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toMatch(/No snapshot with id/);
    const unknown = await cli(dir, 'diff', 'AAAAAAAAAAAAAAAA');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/No snapshot with id/);
  }, SlowTestMs);
});

describe('linksnap check-links, find --dead', () => {
  it('calls a page that answers 404 twice dead, names it in the run that did, and lists it with since when and why', async () => {
    const dir = dataFolder();
    const url = fixtures.url('/dying.html');
    fixtures.setPage('/dying.html', page('2026-01-05 10:00', Paragraphs));
    const snapped = await cli(dir, 'snap', url, '--tag', 'harbour', '--json');
    expect(snapped.code, snapped.stderr).toBe(0);
    const snapshotId = JSON.parse(snapped.stdout).id as string;

    fixtures.setPage('/dying.html', { status: 404, body: 'Not here any more' });
    const once = await cli(dir, 'check-links', '--all', '--json');
    expect(once.code, once.stderr).toBe(0);
    expect(JSON.parse(once.stdout)).toEqual({ checked: 1, alive: 0, gone: 1, died: 0, diedLinks: [] });
    expect((await cli(dir, 'find', '--dead')).stdout).toBe('No dead links.\n');

    const twice = await cli(dir, 'check-links', '--all');
    expect(twice.code, twice.stderr).toBe(0);
    expect(twice.stdout).toContain('Checked 1 link: 0 alive, 1 gone');
    expect(twice.stdout).toContain('1 newly dead');
    expect(twice.stdout).toContain(`Died in this run:\n  ${url}  HTTP 404\n`);

    // Everything was checked just now, so nothing is due.
    const due = await cli(dir, 'check-links');
    expect(due.stdout).toMatch(/No link is due for a check/);

    const dead = JSON.parse((await cli(dir, 'find', '--dead', '--tag', 'harbour', '--json')).stdout);
    expect(dead.items).toEqual([expect.objectContaining({ id: snapshotId, url, deadReason: 'HTTP 404', deadSince: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) })]);
    expect(dead.nextCursor).toBeNull();
    const deadText = await cli(dir, 'find', '--dead');
    expect(deadText.stdout).toMatch(new RegExp(`^    ${escape(url)}  #harbour\\n    dead since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC: HTTP 404$`, 'm'));
    expect(JSON.parse((await cli(dir, 'find', '--dead', '--tag', 'elsewhere', '--json')).stdout).items).toEqual([]);
    const withText = await cli(dir, 'find', '--dead', '--text', 'tides');
    expect(withText.code).toBe(2);
    expect(withText.stderr).toMatch(/leave --text out/);
  }, SlowTestMs);

  it('names a dead link that was never captured, as find --dead lists it', async () => {
    const dir = dataFolder();
    const url = fixtures.url('/never-captured.html');
    // Its only capture fails (a redirect to an address captures may not reach), then it answers 404.
    fixtures.setPage('/never-captured.html', { status: 302, headers: { location: 'http://10.1.2.3/' } });
    const snapped = await cli(dir, 'snap', url, '--json');
    expect(snapped.code).toBe(1);
    fixtures.setPage('/never-captured.html', { status: 404, body: 'Not here' });
    expect((await cli(dir, 'check-links', '--all')).code).toBe(0);
    const twice = await cli(dir, 'check-links', '--all');
    expect(twice.code, twice.stderr).toBe(0);
    expect(twice.stdout).toContain('1 newly dead');
    expect(twice.stdout).toContain(`Died in this run:\n  ${url}  HTTP 404\n`);
    expect(twice.stdout).not.toMatch(/never captured|lists only links with a snapshot/);
    expect(JSON.parse((await cli(dir, 'find', '--dead', '--json')).stdout).items).toEqual([expect.objectContaining({ url, deadReason: 'HTTP 404' })]);
  }, SlowTestMs);
});

describe('linksnap settings, gc', () => {
  it('validates and sets retention, and gc keeps only the newest versions it allows', async () => {
    const dir = dataFolder();
    for (const [args, message] of [
      [['--keep-versions', '0'], /--keep-versions takes a whole number of versions, 1 or more, or "all", not 0/],
      [['--drop-fullpage-after=-1'], /--drop-fullpage-after takes a whole number of days, 0 or more, or "never", not -1/],
      [['--rot-alerts', 'loud'], /--rot-alerts takes thread, channel, off, not loud/],
      [['--workspace', 'discord:nope'], /no workspace discord:nope; known: local/],
    ] as const) {
      const refused = await cli(dir, 'settings', ...args);
      expect(refused.code, args.join(' ')).toBe(2);
      expect(refused.stderr).toMatch(message);
    }
    const defaults = JSON.parse((await cli(dir, 'settings', '--json')).stdout);
    expect(defaults).toMatchObject({ keepVersions: null, dropFullPageAfterDays: null, rotAlerts: 'thread' });

    const set = await cli(dir, 'settings', '--keep-versions', '2', '--drop-fullpage-after', '30', '--rot-alerts', 'channel');
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain('Changed the settings of workspace local:');
    expect(set.stdout).toMatch(/^ {2}keepVersions +the newest 2 of each link$/m);
    expect(set.stdout).toMatch(/^ {2}dropFullPageAfterDays +after 30 days$/m);
    expect(set.stdout).toMatch(/^ {2}rotAlerts +channel$/m);
    expect(JSON.parse((await cli(dir, 'settings', '--json')).stdout)).toMatchObject({ keepVersions: 2, dropFullPageAfterDays: 30, rotAlerts: 'channel' });

    const url = fixtures.url('/article.html?kept=1');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const snapped = await cli(dir, 'snap', url, '--force', '--json');
      expect(snapped.code, snapped.stderr).toBe(0);
      ids.push(JSON.parse(snapped.stdout).id);
    }
    expect(new Set(ids).size).toBe(3);

    const collected = await cli(dir, 'gc');
    expect(collected.code, collected.stderr).toBe(0);
    expect(collected.stdout).toMatch(/^Retention in 1 workspace: deleted 1 old version, dropped 0 full-page screenshots;/m);
    expect(collected.stdout).toMatch(/^Scanned \d+ blobs/m);
    const again = JSON.parse((await cli(dir, 'gc', '--json')).stdout);
    expect(again.retention).toEqual({ workspaces: 1, versionsDeleted: 0, fullPagesDropped: 0 });
    expect(again).toHaveProperty('scanned');

    const oldest = await cli(dir, 'show', ids[0]);
    expect(oldest.code).toBe(1);
    expect(oldest.stderr).toMatch(/No snapshot with id/);
    for (const id of ids.slice(1)) expect((await cli(dir, 'show', id)).code, id).toBe(0);
    const found = JSON.parse((await cli(dir, 'find', '--json')).stdout);
    expect(found.items.map((item: { id: string }) => item.id)).toEqual([ids[2]]);
  }, SlowTestMs);
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
