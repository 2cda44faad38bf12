import { ErrorCode, LinksnapError } from '../core/errors.js';

/** The database schema could not be brought up to date; names the migration that failed. */
export class MigrationError extends LinksnapError {
  constructor(migration: string | null, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(ErrorCode.Internal, `Database migration ${migration ?? '(unknown)'} failed: ${why}`, {
      cause,
      details: { migration },
    });
  }
}
