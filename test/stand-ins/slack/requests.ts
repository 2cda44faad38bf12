// Requests from "Slack" to the app in HTTP mode, signed exactly as Slack signs them
// (v0=HMAC-SHA256 of `v0:<timestamp>:<raw body>`), with knobs to break the signature for tests.
import { createHmac, randomBytes } from 'node:crypto';

export interface SignOptions {
  signingSecret: string;
  /** Unix seconds; default now. */
  timestamp?: number;
  /** Replaces the computed signature (a wrong one). */
  signature?: string;
  /** Sends no signature headers at all. */
  unsigned?: boolean;
  /** x-slack-retry-num / x-slack-retry-reason, as Slack sends on redelivery. */
  retryNum?: number;
  retryReason?: string;
}

export interface SlackResponse {
  status: number;
  body: string;
  json(): any;
}

export function signature(signingSecret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export async function postSigned(url: string, body: string, contentType: string, options: SignOptions): Promise<SlackResponse> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = { 'content-type': contentType };
  if (!options.unsigned) {
    headers['x-slack-request-timestamp'] = String(timestamp);
    headers['x-slack-signature'] = options.signature ?? signature(options.signingSecret, timestamp, body);
  }
  if (options.retryNum !== undefined) {
    headers['x-slack-retry-num'] = String(options.retryNum);
    headers['x-slack-retry-reason'] = options.retryReason ?? 'http_timeout';
  }
  const response = await fetch(url, { method: 'POST', headers, body });
  const text = await response.text();
  return { status: response.status, body: text, json: () => JSON.parse(text) };
}

export interface SlashCommandFields {
  command: string;
  text: string;
  teamId: string;
  userId: string;
  channelId: string;
  channelName?: string;
  enterpriseId?: string;
  responseUrl: string;
  userName?: string;
}

/** The fields Slack posts for a slash command (also the Socket Mode `slash_commands` payload). */
export function slashCommandPayload(fields: SlashCommandFields): Record<string, string> {
  return {
    token: 'deprecated-verification-token',
    team_id: fields.teamId,
    team_domain: fields.teamId.toLowerCase(),
    ...(fields.enterpriseId ? { enterprise_id: fields.enterpriseId, enterprise_name: 'Grid' } : {}),
    channel_id: fields.channelId,
    channel_name: fields.channelName ?? 'general',
    user_id: fields.userId,
    user_name: fields.userName ?? fields.userId.toLowerCase(),
    command: fields.command,
    text: fields.text,
    api_app_id: 'A0STANDIN',
    is_enterprise_install: 'false',
    response_url: fields.responseUrl,
    trigger_id: `${Date.now()}.${randomBytes(4).toString('hex')}`,
  };
}

export function sendSlashCommand(url: string, fields: SlashCommandFields, options: SignOptions): Promise<SlackResponse> {
  // Bolt recognises a slash command only by this exact content type (no charset).
  return postSigned(url, new URLSearchParams(slashCommandPayload(fields)).toString(), 'application/x-www-form-urlencoded', options);
}

export interface MessageEventFields {
  teamId: string;
  channel: string;
  channelType?: 'channel' | 'group' | 'im' | 'mpim';
  user?: string;
  text?: string;
  ts?: string;
  threadTs?: string;
  subtype?: string;
  botId?: string;
  deletedTs?: string;
  enterpriseId?: string;
  eventId?: string;
  extra?: Record<string, unknown>;
}

let eventCounter = 0;

export function newTs(): string {
  eventCounter += 1;
  return `${Math.floor(Date.now() / 1000)}.${String(500_000 + eventCounter).padStart(6, '0')}`;
}

/** An Events API `event_callback` carrying a `message` event. */
export function messageEventBody(fields: MessageEventFields): Record<string, unknown> {
  const ts = fields.ts ?? newTs();
  const event: Record<string, unknown> = {
    type: 'message',
    channel: fields.channel,
    channel_type: fields.channelType ?? 'channel',
    ts,
    event_ts: ts,
    ...(fields.user ? { user: fields.user } : {}),
    ...(fields.text !== undefined ? { text: fields.text } : {}),
    ...(fields.threadTs ? { thread_ts: fields.threadTs } : {}),
    ...(fields.subtype ? { subtype: fields.subtype } : {}),
    ...(fields.botId ? { bot_id: fields.botId } : {}),
    ...(fields.deletedTs ? { deleted_ts: fields.deletedTs, hidden: true } : {}),
    ...fields.extra,
  };
  return {
    token: 'deprecated-verification-token',
    team_id: fields.teamId,
    ...(fields.enterpriseId ? { enterprise_id: fields.enterpriseId } : {}),
    api_app_id: 'A0STANDIN',
    event,
    type: 'event_callback',
    event_id: fields.eventId ?? `Ev${randomBytes(5).toString('hex').toUpperCase()}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ enterprise_id: fields.enterpriseId ?? null, team_id: fields.teamId, user_id: 'UBOTLINKSNAP', is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
  };
}

export function sendEvent(url: string, body: Record<string, unknown>, options: SignOptions): Promise<SlackResponse> {
  return postSigned(url, JSON.stringify(body), 'application/json', options);
}

export interface BlockActionFields {
  teamId: string;
  userId: string;
  channelId: string;
  actionId: string;
  value: string;
  responseUrl: string;
  enterpriseId?: string;
  /** The message the button is on; default an ephemeral message (a /find page). */
  messageTs?: string;
}

/** A `block_actions` payload of a button click in an ephemeral message. */
export function blockActionPayload(fields: BlockActionFields): Record<string, unknown> {
  return {
    type: 'block_actions',
    user: { id: fields.userId, username: fields.userId.toLowerCase(), team_id: fields.teamId },
    api_app_id: 'A0STANDIN',
    token: 'deprecated-verification-token',
    container: { type: 'message', message_ts: fields.messageTs ?? newTs(), channel_id: fields.channelId, is_ephemeral: !fields.messageTs },
    trigger_id: `${Date.now()}.${randomBytes(4).toString('hex')}`,
    team: { id: fields.teamId, domain: fields.teamId.toLowerCase() },
    enterprise: fields.enterpriseId ? { id: fields.enterpriseId, name: 'Grid' } : null,
    is_enterprise_install: false,
    channel: { id: fields.channelId, name: 'general' },
    response_url: fields.responseUrl,
    actions: [{ action_id: fields.actionId, block_id: 'find', value: fields.value, type: 'button', action_ts: String(Date.now() / 1000) }],
  };
}

export function sendBlockAction(url: string, fields: BlockActionFields, options: SignOptions): Promise<SlackResponse> {
  const body = new URLSearchParams({ payload: JSON.stringify(blockActionPayload(fields)) }).toString();
  return postSigned(url, body, 'application/x-www-form-urlencoded', options);
}

export interface ViewSubmissionFields {
  teamId: string;
  userId: string;
  enterpriseId?: string;
  /** The view as the app opened it (from the stand-in's views.open record). */
  view: Record<string, any>;
  viewId: string;
  /** block id → action id → value typed into a plain_text_input. */
  values: Record<string, Record<string, string | null>>;
}

/** A `view_submission` payload: a modal's Submit pressed, with what was typed in it. */
export function viewSubmissionPayload(fields: ViewSubmissionFields): Record<string, unknown> {
  const values: Record<string, Record<string, unknown>> = {};
  for (const [block, actions] of Object.entries(fields.values)) {
    values[block] = Object.fromEntries(Object.entries(actions).map(([action, value]) => [action, { type: 'plain_text_input', value }]));
  }
  return {
    type: 'view_submission',
    team: { id: fields.teamId, domain: fields.teamId.toLowerCase() },
    user: { id: fields.userId, username: fields.userId.toLowerCase(), team_id: fields.teamId },
    enterprise: fields.enterpriseId ? { id: fields.enterpriseId, name: 'Grid' } : null,
    api_app_id: 'A0STANDIN',
    token: 'deprecated-verification-token',
    trigger_id: `${Date.now()}.${randomBytes(4).toString('hex')}`,
    view: {
      ...fields.view,
      id: fields.viewId,
      team_id: fields.teamId,
      app_id: 'A0STANDIN',
      state: { values },
      hash: randomBytes(4).toString('hex'),
    },
    response_urls: [],
    is_enterprise_install: false,
  };
}

export function sendViewSubmission(url: string, fields: ViewSubmissionFields, options: SignOptions): Promise<SlackResponse> {
  const body = new URLSearchParams({ payload: JSON.stringify(viewSubmissionPayload(fields)) }).toString();
  return postSigned(url, body, 'application/x-www-form-urlencoded', options);
}

/** An Events API `event_callback` carrying any event (app_uninstalled, tokens_revoked…). */
export function eventCallbackBody(teamId: string, event: Record<string, unknown>): Record<string, unknown> {
  return {
    token: 'deprecated-verification-token',
    team_id: teamId,
    api_app_id: 'A0STANDIN',
    event: { event_ts: String(Date.now() / 1000), ...event },
    type: 'event_callback',
    event_id: `Ev${randomBytes(5).toString('hex').toUpperCase()}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ enterprise_id: null, team_id: teamId, user_id: 'UBOTLINKSNAP', is_bot: true, is_enterprise_install: false }],
  };
}
