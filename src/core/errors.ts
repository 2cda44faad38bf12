// Every failure a user can see has a stable code; adapters map the code to a localised message
// (see i18n.ts) and fall back to `message`, which always says what went wrong and where.

export const ErrorCode = {
  InvalidUrl: 'invalid_url',
  UnsupportedScheme: 'unsupported_scheme',
  BlockedAddress: 'blocked_address',
  BlockedPort: 'blocked_port',
  DnsFailed: 'dns_failed',
  ConnectionFailed: 'connection_failed',
  CaptureTimeout: 'capture_timeout',
  TooLarge: 'too_large',
  HttpError: 'http_error',
  BrowserCrashed: 'browser_crashed',
  CaptureFailed: 'capture_failed',
  NotFound: 'not_found',
  Forbidden: 'forbidden',
  RateLimited: 'rate_limited',
  InvalidInput: 'invalid_input',
  QuotaExceeded: 'quota_exceeded',
  LeaseLost: 'lease_lost',
  Internal: 'internal',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class LinksnapError extends Error {
  readonly code: ErrorCode;
  /** Whether trying the same thing again later may succeed (drives job retries). */
  readonly transient: boolean;
  readonly details: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; transient?: boolean; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.transient = options.transient ?? false;
    this.details = options.details ?? {};
  }
}

export class InvalidUrlError extends LinksnapError {
  constructor(input: string, why: string) {
    super(ErrorCode.InvalidUrl, `Not a valid web address: ${JSON.stringify(truncate(input, 200))} (${why})`, {
      details: { input: truncate(input, 200), why },
    });
  }
}

export class UnsupportedSchemeError extends LinksnapError {
  constructor(url: string, scheme: string) {
    super(ErrorCode.UnsupportedScheme, `Only http and https links can be captured, not ${scheme}: ${truncate(url, 200)}`, {
      details: { url, scheme },
    });
  }
}

/**
 * A host the egress policy refuses. The message is read by everyone (chat replies, snapshot.error,
 * the proxy's answer to the page): it names the host as written and the reason, and never the
 * address a name resolved to, which may be a private one. That address, and the reason in full
 * (with any IPv4 address embedded in an IPv6 one), stay in `details` for the log.
 */
export class BlockedAddressError extends LinksnapError {
  /**
   * `address`: the one refused. `resolved`: the host is a name and `address` what it resolved to
   * (default: whenever the two differ). `reason`: safe to show; `detail`: the full reason, log only.
   */
  constructor(host: string, address: string | null, reason: string, options: { resolved?: boolean; detail?: string } = {}) {
    const resolved = options.resolved ?? (address !== null && address !== host);
    super(
      ErrorCode.BlockedAddress,
      resolved ? `Refused to connect to ${host}: it resolves to a refused address (${reason})` : `Refused to connect to ${host}: ${reason}`,
      { details: { host, address, reason, resolved, ...(options.detail && options.detail !== reason ? { addressReason: options.detail } : {}) } },
    );
  }
}

/** A port the egress policy refuses: one browsers never open for web pages, or one outside LINKSNAP_ALLOW_PORTS. */
export class BlockedPortError extends LinksnapError {
  constructor(host: string, port: number, reason: string) {
    super(ErrorCode.BlockedPort, `Refused to connect to ${host.includes(':') ? `[${host}]` : host} on port ${port}: ${reason}`, {
      details: { host, port, reason },
    });
  }
}

/** Resolver answers that mean the name does not exist, as opposed to DNS being unreachable or slow. */
const NoSuchNameCodes = new Set(['ENOTFOUND', 'ENODATA']);

export class DnsError extends LinksnapError {
  constructor(host: string, cause?: unknown) {
    // A name DNS says does not exist will not exist a minute later: fail at once so the user hears
    // within seconds, instead of after every retry. Timeouts and unreachable resolvers do retry.
    const code = (cause as { code?: unknown } | undefined)?.code;
    const noSuchName = typeof code === 'string' && NoSuchNameCodes.has(code);
    super(ErrorCode.DnsFailed, noSuchName ? `The host name ${host} does not exist` : `Could not resolve the host name ${host}`, {
      cause,
      transient: !noSuchName,
      details: { host, ...(typeof code === 'string' ? { resolverCode: code } : {}) },
    });
  }
}

export class ConnectionError extends LinksnapError {
  constructor(url: string, why: string, cause?: unknown) {
    super(ErrorCode.ConnectionFailed, `Could not connect to ${truncate(url, 200)}: ${why}`, {
      cause,
      transient: true,
      details: { url, why },
    });
  }
}

export class CaptureTimeoutError extends LinksnapError {
  constructor(url: string, seconds: number, step: string) {
    super(ErrorCode.CaptureTimeout, `The page did not load within ${seconds} s (${step}): ${truncate(url, 200)}`, {
      transient: true,
      details: { url, seconds, step },
    });
  }
}

export class TooLargeError extends LinksnapError {
  constructor(what: string, limitBytes: number) {
    super(ErrorCode.TooLarge, `${what} is larger than the limit of ${formatBytes(limitBytes)}`, {
      details: { what, limitBytes },
    });
  }
}

export class HttpStatusError extends LinksnapError {
  constructor(url: string, status: number) {
    super(ErrorCode.HttpError, `The server answered HTTP ${status} for ${truncate(url, 200)}`, {
      transient: status >= 500 || status === 429,
      details: { url, status },
    });
  }
}

/** The server answered, but not in valid HTTP (a status outside 100–599, broken framing, huge headers). */
export class MalformedResponseError extends LinksnapError {
  constructor(url: string, why: string, cause?: unknown) {
    super(ErrorCode.HttpError, `The server sent a malformed HTTP response (${why}) for ${truncate(url, 200)}`, {
      cause,
      details: { url, why },
    });
  }
}

/** Something in this process failed while it captured one page; that page fails, the process goes on. */
export class CaptureCrashError extends LinksnapError {
  constructor(url: string, cause: unknown) {
    super(ErrorCode.CaptureFailed, `Capturing ${truncate(url, 200)} hit an internal error and was stopped: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
      details: { url },
    });
  }
}

export class BrowserCrashedError extends LinksnapError {
  constructor(url: string, cause?: unknown) {
    super(ErrorCode.BrowserCrashed, `The browser crashed while capturing ${truncate(url, 200)}`, {
      cause,
      transient: true,
      details: { url },
    });
  }
}

export class NotFoundError extends LinksnapError {
  constructor(what: string, id: string) {
    super(ErrorCode.NotFound, `No ${what} with id ${truncate(id, 80)}`, { details: { what, id } });
  }
}

export class ForbiddenError extends LinksnapError {
  constructor(why: string) {
    super(ErrorCode.Forbidden, why);
  }
}

export class RateLimitedError extends LinksnapError {
  readonly retryAfterMs: number;
  constructor(retryAfterMs: number) {
    super(ErrorCode.RateLimited, `Too many requests; try again in ${Math.ceil(retryAfterMs / 1000)} s`, {
      details: { retryAfterMs },
    });
    this.retryAfterMs = retryAfterMs;
  }
}

/** This worker no longer holds the job's lease (it expired and another took it, or the job is gone): its result is not written. */
export class LeaseLostError extends LinksnapError {
  constructor(jobId: string) {
    super(ErrorCode.LeaseLost, `The lease on job ${jobId} was lost; another worker owns it now`, { details: { jobId } });
  }
}

/**
 * Failures of the database or the disk under it (busy, locked, full, I/O, a dropped connection):
 * the capture itself may be fine, so the job is tried again rather than marked failed.
 */
export function isTransientStoreError(error: unknown): boolean {
  // An object store's own failures (5xx, SlowDown, a timeout) say so in the AWS SDK's `$fault`.
  if ((error as { $fault?: unknown } | null)?.$fault === 'server' || (error as Error | null)?.name === 'TimeoutError') return true;
  // node-postgres reports a connection the server dropped without any code.
  if (/^Connection terminated|timeout exceeded when trying to connect/.test((error as Error | null)?.message ?? '')) return true;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  if (/^SQLITE_(BUSY|LOCKED|FULL|IOERR|PROTOCOL|CANTOPEN)/.test(code)) return true;
  // Postgres SQLSTATEs: connection lost or refused (08…), serialization or deadlock (40001, 40P01),
  // shutting down or starting (57P01–57P03), out of disk, memory or connections (53…).
  if (/^(08|53|57P0[123])/.test(code) || code === '40001' || code === '40P01') return true;
  return ['ENOSPC', 'EDQUOT', 'EIO', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT'].includes(code);
}

export class QuotaExceededError extends LinksnapError {
  constructor(usedBytes: number, quotaBytes: number) {
    super(
      ErrorCode.QuotaExceeded,
      `This workspace keeps ${formatBytes(usedBytes)} of snapshots, at its quota of ${formatBytes(quotaBytes)} (LINKSNAP_WORKSPACE_QUOTA); forget some links to capture new ones`,
      { details: { usedBytes, quotaBytes } },
    );
  }
}

export class InvalidInputError extends LinksnapError {
  constructor(message: string) {
    super(ErrorCode.InvalidInput, message);
  }
}

/** Wraps anything thrown into a LinksnapError so callers always get a code and a readable message. */
export function asLinksnapError(error: unknown): LinksnapError {
  if (error instanceof LinksnapError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new LinksnapError(ErrorCode.Internal, message || 'Unexpected error', { cause: error });
}

export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${Math.round((bytes / 1024 ** 3) * 10) / 10} GiB`;
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KiB`;
  return `${bytes} B`;
}
