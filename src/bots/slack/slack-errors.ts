// Slack Web API failures, sorted into those worth retrying later and those that never succeed
// (the message or channel is gone, the app was removed): a share event is redelivered only for the first.
import { ErrorCode, LinksnapError } from '../../core/errors.js';

/** Platform errors that mean "already in the state you asked for": success for an idempotent step. */
const AlreadyDone = new Set(['already_reacted', 'no_reaction']);

/** Platform errors that will not go away by asking again. */
const Permanent = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'message_not_found',
  'cant_update_message',
  'edit_window_closed',
  'msg_too_long',
  'invalid_blocks',
  'no_text',
  'restricted_action',
  'account_inactive',
  'invalid_auth',
  'not_authed',
  'token_revoked',
  'missing_scope',
  'team_access_not_granted',
  'user_not_found',
  'user_not_in_channel',
]);

/** The `error` string of a Slack platform error (`{ ok: false, error }`), or null for anything else. */
export function slackErrorCode(error: unknown): string | null {
  const data = (error as { code?: string; data?: { error?: unknown } } | null) ?? null;
  return data?.code === 'slack_webapi_platform_error' && typeof data.data?.error === 'string' ? data.data.error : null;
}

export function isAlreadyDone(error: unknown): boolean {
  const code = slackErrorCode(error);
  return code !== null && AlreadyDone.has(code);
}

export function isPermanentSlackError(error: unknown): boolean {
  const code = slackErrorCode(error);
  return code !== null && Permanent.has(code);
}

/** The Slack app cannot start with the settings it was given. */
export class SlackSetupError extends LinksnapError {
  constructor(message: string) {
    super(ErrorCode.InvalidInput, `Slack app: ${message}`);
  }
}
