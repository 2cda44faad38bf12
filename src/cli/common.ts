// What every `linksnap` command shares: the usage text, the local workspace the CLI acts in, and
// how errors and times are printed. Commands live in cli.ts and the files next to this one.
import { asLinksnapError } from '../core/errors.js';

/** The workspace of the web page and the CLI. */
export const LocalWorkspace = { id: 'local', platform: 'cli' as const, name: 'Local' };

export const Usage = `linksnap: capture, tag and find web pages

Usage:
  linksnap snap <url> [--tag T]… [--force] [--json]   capture now and wait for the snapshot
  linksnap find [--tag T]… [--text Q] [--dead] [--limit N] [--cursor C] [--json]
                                                      --dead: links the link check found dead, since when and why
  linksnap show <snapshot-id> [--json]
  linksnap diff <old-id> <new-id> [--json]            how the readable text changed from OLD to NEW (two versions
                                                      of one link); with one id, from the version before it
  linksnap tags [--json]
  linksnap watch add <url> --every E [--json]         capture the page again on a schedule, E: hourly, daily,
                                                      weekly or a 5-field cron expression ("0 9 * * 1")
  linksnap watch list [--json]
  linksnap watch remove <url>
  linksnap watch run [--all] [--json]                 capture the watches due now (--all: every watch), wait,
                                                      and say which changed; exit 1 if a capture failed
  linksnap check-links [--all] [--json]               check that the links still answer now (--all: every link,
                                                      not only those unchecked for 20 hours)
  linksnap settings [--workspace W] [--keep-versions N|all] [--drop-fullpage-after DAYS|never]
                    [--rot-alerts thread|channel|off] [--json]
                                                      show a workspace's settings (default: local), or change them
  linksnap export [--tag T]… [--text Q] [--workspace W] --format wacz|netscape|json|zip -o FILE
                                                      the matching links in one file (-o -: standard output):
                                                      wacz: one web archive of every page, for any WACZ tool;
                                                      netscape: a bookmark file; json: JSON lines with tags,
                                                      shares, versions and hashes; zip: every artifact + index
  linksnap import <file> [--tag T]… [--capture | --no-capture] [--workspace W] [--json]
                                                      bring links in from a browser's bookmark file, Pocket CSV,
                                                      Karakeep or Linkwarden JSON, or a list of URLs; --capture
                                                      queues captures (behind chat, spaced per site), default:
                                                      links only, "not captured yet"
  linksnap serve [--no-workers]                       web page, chat bots and capture workers (npm start);
                                                      --no-workers: web page and bots only
  linksnap worker                                     capture workers only (no web page, no bots)
  linksnap gc [--grace 1h] [--json]                   apply each workspace's retention, then delete stored blobs
                                                      nothing references, older than the grace
  linksnap migrate                                    create or update the database
  linksnap discord:register                           register the Discord slash commands

Settings come from the environment and ./.env (see .env.example).`;

/** A command line that cannot be run as given: exit 2, with the usage. */
export function usageError(message: string): number {
  process.stderr.write(`linksnap: ${message}\n\n${Usage}\n`);
  return 2;
}

/** A command that ran and failed: exit 1, with the reason (also as JSON when asked for JSON). */
export function fail(error: unknown, json: boolean): number {
  const coded = asLinksnapError(error);
  if (json) printJson({ error: coded.message, errorCode: coded.code });
  process.stderr.write(`linksnap: ${coded.message}\n`);
  return 1;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Ids made before ids stopped starting with `-` (src/storage/ids.ts) look like short options to
 * parseArgs; a 16-character id is always an id, so it is passed after `--`.
 */
export function idsAsPositionals(args: string[]): string[] {
  const ids = args.filter((arg) => /^-[A-Za-z0-9_-]{15}$/.test(arg));
  return ids.length ? [...args.filter((arg) => !ids.includes(arg)), '--', ...ids] : args;
}

/** An ISO time as people read it in a terminal, to the minute, in UTC (stored times are UTC). */
export function when(iso: string | null): string {
  return iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : 'never';
}
