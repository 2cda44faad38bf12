// Scheduled work runs once per cluster: two processes with the same schedule on one store (here two
// schedules on one SQLite file or one Postgres database, each with its own connection) run each
// tick once between them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../src/core/logger.js';
import { checkLinks } from '../src/core/link-check.js';
import { startSchedule } from '../src/core/schedule.js';
import { createLinkCheckStore } from '../src/storage/link-checks.js';
import { claimScheduledRun } from '../src/storage/schedule-runs.js';
import { openStoreDatabase, type StoreDatabase } from '../src/storage/open-database.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { Backends, backendFixture } from './helpers/databases.js';

describe.each(Backends)('on %s', (backend) => {
  const databases = backendFixture(backend);

  let t: TestApp;
  let other: StoreDatabase;

  beforeAll(async () => {
    t = await startTestApp({ captures: false, env: await databases.env() });
    other = openStoreDatabase(t.config);
  });
  afterAll(async () => {
    await other?.close();
    await t?.close();
  });

  it('lets one claim of a slot land, and the next slot be claimed again', async () => {
    const slot = new Date('2026-12-03T00:00:00.000Z');
    expect(await claimScheduledRun(other.db, 'job', slot, 'a')).toBe(true);
    expect(await claimScheduledRun(other.db, 'job', slot, 'b')).toBe(false);
    expect(await claimScheduledRun(other.db, 'job', new Date(slot.getTime() - 60_000), 'b')).toBe(false);
    expect(await claimScheduledRun(other.db, 'job', new Date(slot.getTime() + 60_000), 'b')).toBe(true);
    expect(await claimScheduledRun(other.db, 'other-job', slot, 'b')).toBe(true);
  });

  it('runs each tick of the link check in one process only', { timeout: 20_000 }, async () => {
    const loggers = [createMemoryLogger(), createMemoryLogger()];
    const schedules = [
      startSchedule({ config: { linkCheckCron: '* * * * * *' }, logger: loggers[0], store: t.app.linkChecks, checkLinks: () => checkLinks({ store: t.app.linkChecks, policy: t.app.policy }, new Date()) }),
      startSchedule({ config: { linkCheckCron: '* * * * * *' }, logger: loggers[1], store: createLinkCheckStore(other.db), checkLinks: () => checkLinks({ store: createLinkCheckStore(other.db), policy: t.app.policy }, new Date()) }),
    ];
    await new Promise((resolve) => setTimeout(resolve, 4_500));
    for (const schedule of schedules) schedule.stop();
    const slots = loggers.flatMap((logger) => logger.events.filter((event) => event.message === 'Link check finished').map((event) => String(event.details?.slot)));
    expect(slots.length).toBeGreaterThanOrEqual(3);
    expect(new Set(slots).size).toBe(slots.length);
    const skipped = loggers.flatMap((logger) => logger.events.filter((event) => event.message === 'Link check of this tick runs in another process'));
    expect(skipped.length).toBeGreaterThanOrEqual(1);
  });
});
