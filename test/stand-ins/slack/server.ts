// A stand-in Slack on 127.0.0.1: the Web API methods the app calls (recorded with their parsed
// parameters; a message whose blocks break Block Kit's limits is refused as Slack refuses it), the
// external upload URL of files.uploadV2, response_url endpoints, and a Socket Mode websocket handed
// out by apps.connections.open that speaks Slack's envelopes (hello, events_api, slash_commands,
// interactive, acks). The real Bolt and Web API client are pointed at it.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { blockProblems } from './blocks-check.js';

export interface ApiCall {
  seq: number;
  method: string;
  /** Form or JSON parameters; JSON-looking form fields (blocks, files) are parsed. */
  params: Record<string, any>;
  token: string | null;
  /** What the stand-in answered. */
  response: Record<string, any>;
}

export interface ResponseUrlCall {
  seq: number;
  id: string;
  body: Record<string, any>;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: any[];
  thread_ts?: string;
  updates: number;
}

export interface ChannelFixture {
  id: string;
  name: string;
  is_private?: boolean;
  is_im?: boolean;
  is_mpim?: boolean;
}

export interface UserFixture {
  locale?: string;
  name?: string;
  is_admin?: boolean;
  is_owner?: boolean;
  is_primary_owner?: boolean;
}

export interface OpenedView {
  id: string;
  triggerId: string;
  view: Record<string, any>;
}

export interface SlackStandIn {
  readonly url: string;
  /** What SLACK_API_URL should be. */
  readonly apiUrl: string;
  readonly calls: ApiCall[];
  readonly responses: ResponseUrlCall[];
  readonly messages: Map<string, StoredMessage>;
  /** `${channel}:${ts}` → reaction names currently on the message. */
  readonly reactions: Map<string, Set<string>>;
  /** file id → uploaded bytes. */
  readonly uploads: Map<string, Buffer>;
  /** Modals opened with views.open, in order. */
  readonly views: OpenedView[];
  readonly botUserId: string;
  readonly botId: string;
  addChannel(channel: ChannelFixture): void;
  /** The app is not a member of this channel: posting there fails with not_in_channel, conversations.info says is_member: false. */
  setNotInChannel(channelId: string): void;
  /** The app was invited to this channel (undoes setNotInChannel). */
  setInChannel(channelId: string): void;
  setUser(id: string, fields: UserFixture): void;
  /** Channels users.conversations reports for a user. */
  setMemberships(userId: string, channelIds: string[]): void;
  /** A message a person posted (sent to the app as an event): conversations.history serves it. */
  rememberUserMessage(channel: string, ts: string, fields: { user: string; text: string; thread_ts?: string }): void;
  /** A fresh response_url served by the stand-in. */
  responseUrl(): string;
  callsTo(method: string): ApiCall[];
  /** Resolves when `check` returns something truthy (polling the recorded state), or rejects after `timeoutMs`. */
  waitFor<T>(check: () => T | undefined | null | false, timeoutMs?: number, what?: string): Promise<T>;
  /** Socket Mode: resolves when a client has connected (and been sent hello). */
  socketConnected(): Promise<void>;
  /** Socket Mode: sends an envelope and resolves with the client's ack payload. */
  sendEnvelope(type: 'events_api' | 'slash_commands' | 'interactive', payload: unknown, options?: { retryAttempt?: number; retryReason?: string }): Promise<{ envelope_id: string; payload?: any }>;
  socketConnections(): number;
  close(): Promise<void>;
}

export async function startSlackStandIn(options: { botUserId?: string; botId?: string; teamId?: string } = {}): Promise<SlackStandIn> {
  const botUserId = options.botUserId ?? 'UBOTLINKSNAP';
  const botId = options.botId ?? 'BLINKSNAP';
  const calls: ApiCall[] = [];
  const responses: ResponseUrlCall[] = [];
  const messages = new Map<string, StoredMessage>();
  const reactions = new Map<string, Set<string>>();
  const uploads = new Map<string, Buffer>();
  const channels = new Map<string, ChannelFixture>();
  const users = new Map<string, UserFixture>();
  const views: OpenedView[] = [];
  const memberships = new Map<string, string[]>();
  const userMessages = new Map<string, { channel: string; ts: string; user: string; text: string; thread_ts?: string }>();
  const outsideChannels = new Set<string>();
  const pendingUploads = new Map<string, { filename: string; length: number }>();
  let seq = 0;
  let tsCounter = 0;
  let base = '';

  const nextTs = () => {
    tsCounter += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(tsCounter).padStart(6, '0')}`;
  };

  const api: Record<string, (params: Record<string, any>) => Record<string, any>> = {
    'auth.test': () => ({ ok: true, url: 'https://standin.slack.test/', team: 'Stand-in', user: 'linksnap', team_id: options.teamId ?? 'T0STANDIN', user_id: botUserId, bot_id: botId }),
    'chat.postMessage': (p) => {
      if (!p.channel) return { ok: false, error: 'channel_not_found' };
      if (outsideChannels.has(p.channel)) return { ok: false, error: 'not_in_channel' };
      const problems = blockProblems(p.blocks);
      if (problems.length) return { ok: false, error: 'invalid_blocks', response_metadata: { messages: problems } };
      const ts = nextTs();
      const message: StoredMessage = { channel: p.channel, ts, text: p.text ?? '', blocks: p.blocks ?? [], thread_ts: p.thread_ts, updates: 0 };
      messages.set(`${p.channel}:${ts}`, message);
      return { ok: true, channel: p.channel, ts, message: { text: message.text, ts, bot_id: botId, user: botUserId } };
    },
    'chat.update': (p) => {
      const message = messages.get(`${p.channel}:${p.ts}`);
      if (!message) return { ok: false, error: 'message_not_found' };
      const problems = blockProblems(p.blocks);
      if (problems.length) return { ok: false, error: 'invalid_blocks', response_metadata: { messages: problems } };
      message.text = p.text ?? message.text;
      message.blocks = p.blocks ?? message.blocks;
      message.updates += 1;
      return { ok: true, channel: p.channel, ts: p.ts, text: message.text };
    },
    'chat.postEphemeral': (p) => {
      if (outsideChannels.has(p.channel)) return { ok: false, error: 'not_in_channel' };
      return p.channel && p.user ? { ok: true, message_ts: nextTs() } : { ok: false, error: 'user_not_in_channel' };
    },
    'reactions.add': (p) => {
      const key = `${p.channel}:${p.timestamp}`;
      const set = reactions.get(key) ?? new Set<string>();
      if (set.has(p.name)) return { ok: false, error: 'already_reacted' };
      set.add(p.name);
      reactions.set(key, set);
      return { ok: true };
    },
    'reactions.remove': (p) => {
      const set = reactions.get(`${p.channel}:${p.timestamp}`);
      if (!set?.has(p.name)) return { ok: false, error: 'no_reaction' };
      set.delete(p.name);
      return { ok: true };
    },
    'files.getUploadURLExternal': (p) => {
      const id = `F${randomBytes(5).toString('hex').toUpperCase()}`;
      pendingUploads.set(id, { filename: p.filename, length: Number(p.length) });
      return { ok: true, upload_url: `${base}/upload/${id}`, file_id: id };
    },
    'files.completeUploadExternal': (p) => {
      const files = (Array.isArray(p.files) ? p.files : []) as Array<{ id: string; title?: string }>;
      for (const file of files) if (!uploads.has(file.id)) return { ok: false, error: 'file_not_found' };
      return { ok: true, files: files.map((file) => ({ id: file.id, title: file.title ?? pendingUploads.get(file.id)?.filename, name: pendingUploads.get(file.id)?.filename })) };
    },
    // As Slack answers a bot: a public channel says whether the app is in it (is_member); a private
    // channel or group DM it is not in does not exist for it; a DM has no is_member at all.
    'conversations.info': (p) => {
      const channel = channels.get(p.channel);
      if (!channel) return { ok: false, error: 'channel_not_found' };
      const member = !outsideChannels.has(channel.id);
      if (!member && (channel.is_private || channel.is_mpim)) return { ok: false, error: 'channel_not_found' };
      return { ok: true, channel: { is_private: false, is_im: false, is_mpim: false, ...(channel.is_im ? {} : { is_member: member }), ...channel } };
    },
    'users.info': (p) => {
      const user = users.get(p.user) ?? {};
      return {
        ok: true,
        user: { id: p.user, name: user.name ?? p.user, locale: user.locale ?? 'en-US', is_admin: Boolean(user.is_admin), is_owner: Boolean(user.is_owner), is_primary_owner: Boolean(user.is_primary_owner) },
      };
    },
    // Slack refuses a view without a trigger id or a modal without title/callback; the stand-in checks the same.
    'views.open': (p) => {
      const view = typeof p.view === 'string' ? safeJson(p.view) : p.view;
      if (!p.trigger_id) return { ok: false, error: 'invalid_trigger_id' };
      if (!view || typeof view !== 'object' || (view as any).type !== 'modal' || !(view as any).title) return { ok: false, error: 'invalid_arguments' };
      const id = `V${randomBytes(5).toString('hex').toUpperCase()}`;
      views.push({ id, triggerId: p.trigger_id, view: view as Record<string, any> });
      return { ok: true, view: { id, ...(view as object) } };
    },
    // Newest first, as Slack does, within [oldest, latest] (inclusive when asked).
    'conversations.history': (p) => {
      if (!channels.has(p.channel) && !String(p.channel).startsWith('D')) return { ok: false, error: 'channel_not_found' };
      const inclusive = p.inclusive === true || p.inclusive === 'true';
      const within = (ts: string) =>
        (p.latest === undefined || (inclusive ? ts <= p.latest : ts < p.latest)) && (p.oldest === undefined || (inclusive ? ts >= p.oldest : ts > p.oldest));
      const found = [...userMessages.values()].filter((entry) => entry.channel === p.channel && within(entry.ts)).sort((a, b) => (a.ts < b.ts ? 1 : -1));
      const limit = Number(p.limit ?? 100);
      return { ok: true, messages: found.slice(0, limit).map(({ channel: _channel, ...message }) => ({ type: 'message', ...message })), has_more: found.length > limit };
    },
    'users.conversations': (p) => ({ ok: true, channels: (memberships.get(p.user) ?? []).map((id) => ({ id })), response_metadata: { next_cursor: '' } }),
    'apps.connections.open': () => ({ ok: true, url: `${base.replace(/^http/, 'ws')}/socket?ticket=${randomBytes(4).toString('hex')}` }),
  };

  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
    };

    if (path.startsWith('/api/')) {
      const method = path.slice('/api/'.length);
      const params = parseParams(raw, String(req.headers['content-type'] ?? ''));
      const auth = String(req.headers.authorization ?? '');
      const token = auth.startsWith('Bearer ') ? auth.slice(7) : typeof params.token === 'string' ? params.token : null;
      const handler = api[method];
      const response = handler ? handler(params) : { ok: false, error: 'unknown_method' };
      seq += 1;
      calls.push({ seq, method, params, token, response });
      json(200, response);
      return;
    }
    if (path.startsWith('/upload/') && req.method === 'POST') {
      const id = path.slice('/upload/'.length);
      if (!pendingUploads.has(id)) return json(404, { ok: false });
      uploads.set(id, raw);
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${raw.length}`);
      return;
    }
    if (path.startsWith('/response/') && req.method === 'POST') {
      seq += 1;
      responses.push({ seq, id: path.slice('/response/'.length), body: raw.length ? JSON.parse(raw.toString('utf8')) : {} });
      json(200, { ok: true });
      return;
    }
    json(404, { ok: false, error: 'not_found' });
  });

  const wss = new WebSocketServer({ noServer: true });
  const sockets = new Set<WebSocket>();
  const ackWaiters = new Map<string, (ack: { envelope_id: string; payload?: any }) => void>();
  let connectedWaiters: Array<() => void> = [];
  const pingTimer = setInterval(() => {
    for (const socket of sockets) socket.ping();
  }, 5_000);
  server.on('upgrade', (req, socket, head) => {
    if (!req.url?.startsWith('/socket')) return socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', (data) => {
        const message = JSON.parse(data.toString('utf8')) as { envelope_id?: string; payload?: any };
        if (message.envelope_id) ackWaiters.get(message.envelope_id)?.(message as { envelope_id: string });
      });
      ws.send(JSON.stringify({ type: 'hello', num_connections: sockets.size, debug_info: { host: 'standin' }, connection_info: { app_id: 'A0STANDIN' } }));
      const waiters = connectedWaiters;
      connectedWaiters = [];
      for (const resolve of waiters) resolve();
    });
  });

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const standIn: SlackStandIn = {
    url: base,
    apiUrl: `${base}/api/`,
    calls,
    responses,
    messages,
    reactions,
    uploads,
    views,
    botUserId,
    botId,
    addChannel: (channel) => void channels.set(channel.id, channel),
    setNotInChannel: (channelId) => void outsideChannels.add(channelId),
    setInChannel: (channelId) => void outsideChannels.delete(channelId),
    setUser: (id, fields) => void users.set(id, fields),
    setMemberships: (userId, ids) => void memberships.set(userId, ids),
    rememberUserMessage: (channel, ts, fields) => void userMessages.set(`${channel}:${ts}`, { channel, ts, ...fields }),
    responseUrl: () => `${base}/response/${randomBytes(6).toString('hex')}`,
    callsTo: (method) => calls.filter((call) => call.method === method),
    async waitFor(check, timeoutMs = 30_000, what = 'a condition') {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = check();
        if (value) return value;
        if (Date.now() > deadline) throw new Error(`Stand-in Slack: timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    socketConnected: () => (sockets.size ? Promise.resolve() : new Promise<void>((resolve) => connectedWaiters.push(resolve))),
    sendEnvelope(type, payload, envelopeOptions = {}) {
      const socket = [...sockets][0];
      if (!socket) return Promise.reject(new Error('Stand-in Slack: no Socket Mode client connected'));
      const envelopeId = randomBytes(8).toString('hex');
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`Stand-in Slack: no ack for ${type} envelope`)), 10_000);
        ackWaiters.set(envelopeId, (ack) => {
          clearTimeout(timer);
          ackWaiters.delete(envelopeId);
          resolve(ack);
        });
        socket.send(
          JSON.stringify({
            envelope_id: envelopeId,
            type,
            payload,
            accepts_response_payload: type !== 'events_api',
            ...(type === 'events_api' ? { retry_attempt: envelopeOptions.retryAttempt ?? 0, retry_reason: envelopeOptions.retryReason ?? '' } : {}),
          }),
        );
      });
    },
    socketConnections: () => sockets.size,
    async close() {
      clearInterval(pingTimer);
      for (const socket of sockets) socket.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return standIn;
}

/** Parses a Web API request body: form-encoded (JSON-looking fields decoded) or JSON. */
function parseParams(raw: Buffer, contentType: string): Record<string, any> {
  const text = raw.toString('utf8');
  if (!text) return {};
  if (contentType.includes('application/json')) return JSON.parse(text);
  const params: Record<string, any> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    params[key] = /^[[{]/.test(value) ? safeJson(value) : value;
  }
  return params;
}

function safeJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
