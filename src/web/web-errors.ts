// HTTP-facing failures. They reuse the core codes so the API's JSON error shape is the same
// everywhere; the status code says the rest.
import { ErrorCode, LinksnapError } from '../core/errors.js';

/** No valid token (bearer header or login cookie) on a route that needs one. */
export class AuthRequiredError extends LinksnapError {
  constructor(path: string) {
    super(ErrorCode.Forbidden, `Sign in or send "Authorization: Bearer <token>" to use ${path}`, { details: { path, auth: true } });
  }
}

export class BadRequestError extends LinksnapError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(ErrorCode.InvalidInput, message, { details });
  }
}

/** HTTP status for an error code; unknown or internal errors are 500. */
export function httpStatusFor(error: LinksnapError): number {
  if (error instanceof AuthRequiredError) return 401;
  switch (error.code) {
    case ErrorCode.InvalidUrl:
    case ErrorCode.UnsupportedScheme:
    case ErrorCode.InvalidInput:
      return 400;
    case ErrorCode.BlockedAddress:
    case ErrorCode.BlockedPort:
      return 422;
    case ErrorCode.NotFound:
      return 404;
    case ErrorCode.Forbidden:
      return 403;
    case ErrorCode.RateLimited:
      return 429;
    case ErrorCode.TooLarge:
      return 413;
    case ErrorCode.QuotaExceeded:
      return 507;
    default:
      return 500;
  }
}
