// One row per scheduled job: the latest slot (the tick a run was due at) some process claimed.
// A claim lands only for a slot later than the stored one, so of several processes firing on the
// same tick exactly one runs it. A process that died mid-run does not block the next tick.
import { isoNow } from './ids.js';
import type { Db } from './schema.js';

export async function claimScheduledRun(db: Db, name: string, slot: Date, owner: string, now: Date = new Date()): Promise<boolean> {
  const slotText = isoNow(slot);
  const result = await db
    .insertInto('schedule_runs')
    .values({ name, slot: slotText, owner, claimed_at: isoNow(now) })
    .onConflict((oc) => oc.column('name').doUpdateSet({ slot: slotText, owner, claimed_at: isoNow(now) }).where('schedule_runs.slot', '<', slotText))
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}
