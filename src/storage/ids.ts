import { randomBytes } from 'node:crypto';

/**
 * 96 random bits as 16 url-safe characters: unguessable, so ids can appear in public links. Never
 * starting with `-` or `_`, so an id on a command line is never read as an option.
 */
export function newId(): string {
  const id = randomBytes(12).toString('base64url');
  return /^[-_]/.test(id) ? `${'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'[randomBytes(1)[0] % 52]}${id.slice(1)}` : id;
}

/** ISO-8601 UTC with milliseconds; fixed width, so text comparison orders by time. */
export function isoNow(now: Date = new Date()): string {
  return now.toISOString();
}
