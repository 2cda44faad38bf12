// Exporters disagree on the unit of a timestamp: browsers and Pocket write Unix seconds, some tools
// milliseconds, Firefox's own places data microseconds. The magnitude tells them apart: seconds
// reach 1e11 only in the year 5138, milliseconds only after 1973.

/** A Unix timestamp in seconds, milliseconds or microseconds; null when absent, zero or not a number. */
export function dateFromUnix(value: string | number | null | undefined): Date | null {
  if (value === null || value === undefined || value === '') return null;
  const n = typeof value === 'number' ? value : Number(String(value).trim());
  if (!Number.isFinite(n) || n <= 0) return null;
  const ms = n >= 1e14 ? n / 1000 : n >= 1e11 ? n : n * 1000;
  return validDate(new Date(ms));
}

/** An ISO 8601 string or a Unix timestamp; null when it cannot be read. */
export function dateFromAny(value: unknown): Date | null {
  if (typeof value === 'number') return dateFromUnix(value);
  if (typeof value !== 'string' || !value.trim()) return null;
  if (/^\d+(\.\d+)?$/u.test(value.trim())) return dateFromUnix(value);
  return validDate(new Date(value));
}

function validDate(date: Date): Date | null {
  return Number.isNaN(date.getTime()) ? null : date;
}
