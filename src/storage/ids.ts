import { randomBytes } from 'node:crypto';

/** 96 random bits as 16 url-safe characters: unguessable, so ids can appear in public links. */
export function newId(): string {
  return randomBytes(12).toString('base64url');
}

/** ISO-8601 UTC with milliseconds; fixed width, so text comparison orders by time. */
export function isoNow(now: Date = new Date()): string {
  return now.toISOString();
}
