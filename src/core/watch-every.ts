// How often a watch runs: `hourly`, `daily`, `weekly`, or a five-field cron expression (in the
// server's time zone, like LINKSNAP_LINKCHECK_CRON). The next run of a cron expression after any
// given time comes from croner, which (unlike node-cron, which only answers "from now") takes a
// start date, so the watch clock can be driven in tests.
import { Cron } from 'croner';
import { InvalidInputError } from './errors.js';

const Intervals: Record<string, number> = {
  hourly: 3_600_000,
  daily: 86_400_000,
  weekly: 7 * 86_400_000,
};

/** Chinese words for the same intervals, as users type them. */
const Aliases: Record<string, string> = { 每小时: 'hourly', 每天: 'daily', 每日: 'daily', 每周: 'weekly', 每週: 'weekly' };

/** How many upcoming runs of a cron expression are checked against the minimum interval. */
const CronRunsChecked = 48;

export interface WatchSchedule {
  /** As stored and shown: hourly, daily, weekly, or the cron expression. */
  every: string;
  next(after: Date): Date;
}

/**
 * Reads `every` as a user typed it; refuses what is not a schedule and what runs more often than
 * `minIntervalMs` (LINKSNAP_WATCH_MIN_INTERVAL).
 */
export function parseWatchEvery(input: string, minIntervalMs: number): WatchSchedule {
  const text = input.trim().toLowerCase();
  const word = Aliases[text] ?? text;
  const interval = Intervals[word];
  if (interval !== undefined) {
    if (interval < minIntervalMs) throw new InvalidInputError(`"${word}" is more often than this server allows (at most every ${formatInterval(minIntervalMs)})`);
    return { every: word, next: (after) => new Date(after.getTime() + interval) };
  }
  const expression = input.trim().replace(/\s+/g, ' ');
  if (expression.split(' ').length !== 5) {
    throw new InvalidInputError(`Not a schedule: "${input.slice(0, 80)}". Use hourly, daily, weekly, or a five-field cron expression such as "0 9 * * 1"`);
  }
  let cron: Cron;
  try {
    cron = new Cron(expression, { paused: true });
  } catch (error) {
    throw new InvalidInputError(`Not a valid cron expression: "${expression}" (${(error as Error).message})`);
  }
  const runs = cron.nextRuns(CronRunsChecked, new Date());
  if (!runs.length) throw new InvalidInputError(`The cron expression "${expression}" never runs`);
  for (let i = 1; i < runs.length; i++) {
    if (runs[i].getTime() - runs[i - 1].getTime() < minIntervalMs) {
      throw new InvalidInputError(`"${expression}" runs more often than this server allows (at most every ${formatInterval(minIntervalMs)})`);
    }
  }
  return {
    every: expression,
    next: (after) => cron.nextRun(after) ?? new Date(after.getTime() + Intervals.weekly),
  };
}

export function formatInterval(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 1000)} s`;
}
