// A stand-in Discord on 127.0.0.1: the REST API under /api/v10 and a gateway websocket speaking
// the real protocol (HELLO, IDENTIFY, READY, GUILD_CREATE, heartbeats and ACKs, RESUME with replay,
// dispatches). The real discord.js is pointed at it, so tests exercise the same code paths as
// production. Every REST call is recorded with its parsed body and multipart files.
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  canReadThread,
  channelPermissions,
  guildCreate,
  member,
  message,
  snowflake,
  user,
  type ChannelPayload,
  type GuildPayload,
  type MessagePayload,
  type ThreadMemberPayload,
  type UserPayload,
} from './payloads.js';

/** GatewayIntentBits.GuildMembers: without it Discord tells a bot only about its own thread membership. */
const GuildMembersIntent = 1 << 1;

export interface RecordedFile {
  field: string;
  filename: string;
  contentType: string;
  data: Buffer;
}

export interface RestCall {
  seq: number;
  method: string;
  /** Path below /api/v10, e.g. `/interactions/1/abc/callback`. */
  path: string;
  query: URLSearchParams;
  authorization: string | null;
  /** JSON body, or the `payload_json` part of a multipart body. */
  body: any;
  files: RecordedFile[];
  /** The status the stand-in answered with, and the JSON it answered (undefined for 204). */
  status: number;
  response?: unknown;
  /** performance.now() when the request was complete, for latency measurements in-process. */
  at: number;
}

export interface FailureRule {
  method?: string;
  path: RegExp;
  status: number;
  /** How many matching calls fail; afterwards they succeed again. */
  times: number;
  /** For 429: seconds Discord asks the client to wait. */
  retryAfterSec?: number;
}

interface GatewaySession {
  id: string;
  /** [shard id, shard count] from IDENTIFY: the session gets only its guilds' events (and DMs on shard 0). */
  shard: [number, number];
  seq: number;
  /** Every dispatch of the session, kept so a RESUME can replay what the client missed. */
  log: Array<{ s: number; t: string; d: unknown }>;
  socket: WebSocket | null;
}

export interface StandInOptions {
  token?: string;
  heartbeatIntervalMs?: number;
  botName?: string;
}

export interface InteractionHandle {
  id: string;
  token: string;
  payload: Record<string, any>;
}

export class DiscordStandIn {
  readonly token: string;
  readonly applicationId = snowflake();
  readonly bot: UserPayload;
  readonly calls: RestCall[] = [];
  readonly guilds = new Map<string, GuildPayload>();
  /** Gateway opcodes received from the client, in order (`2` identify, `6` resume, `1` heartbeat). */
  readonly gatewayOps: number[] = [];
  /** Messages created through REST (webhook edits included), by id. */
  readonly messages = new Map<string, MessagePayload>();
  /** When false, heartbeats are not acknowledged, so the client sees a zombie connection. */
  ackHeartbeats = true;
  /** When true, every authenticated REST call answers 401 (a revoked token). */
  rejectToken = false;

  readonly #server: http.Server;
  readonly #wss: WebSocketServer;
  readonly #heartbeatIntervalMs: number;
  readonly #sessions = new Map<string, GatewaySession>();
  readonly #failures: FailureRule[] = [];
  readonly #waiters = new Set<{ test: (call: RestCall) => boolean; resolve: (call: RestCall) => void }>();
  readonly #originals = new Map<string, MessagePayload>();
  /** Threads started from a message, by the message's id (a thread has its starter message's id). */
  readonly #threadsByMessage = new Map<string, ChannelPayload>();
  /** The channel each interaction token was used in, so its reply message is placed there. */
  readonly #tokenChannels = new Map<string, string>();
  /** Guilds the bot user joined (others only have the application's commands installed). */
  readonly #joined = new Set<string>();
  /** Intents the client sent in IDENTIFY. */
  #intents = 0;
  #callSeq = 0;
  #port = 0;

  constructor(options: StandInOptions = {}) {
    this.token = options.token ?? 'stand-in-bot-token';
    this.#heartbeatIntervalMs = options.heartbeatIntervalMs ?? 1_000;
    this.bot = user(options.botName ?? 'linksnap', { bot: true });
    this.#server = http.createServer((req, res) => void this.#handle(req, res));
    this.#wss = new WebSocketServer({ noServer: true });
    this.#server.on('upgrade', (req, socket, head) => {
      if (!req.url?.startsWith('/gateway')) return socket.destroy();
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#onConnection(ws));
    });
  }

  async listen(): Promise<this> {
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    this.#port = (this.#server.address() as AddressInfo).port;
    return this;
  }

  /** REST base as `DISCORD_API_URL` expects it (discord.js appends `/v10`). */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.#port}/api`;
  }

  get gatewayUrl(): string {
    return `ws://127.0.0.1:${this.#port}/gateway`;
  }

  get connectedSockets(): number {
    return [...this.#sessions.values()].filter((s) => s.socket).length;
  }

  async close(): Promise<void> {
    for (const session of this.#sessions.values()) session.socket?.terminate();
    this.#wss.close();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  // ---- world state ----------------------------------------------------------------------------

  /**
   * Adds a guild; the bot joins it as a member and it is sent as GUILD_CREATE to connected sessions.
   * With `botJoined: false` the app is installed with applications.commands only: its slash commands
   * arrive as interactions with a guild_id, but the bot never receives the guild.
   */
  addGuild(g: GuildPayload, botRoles: string[] = [], options: { botJoined?: boolean } = {}): GuildPayload {
    this.guilds.set(g.id, g);
    if (options.botJoined === false) return g;
    if (!g.members.some((m) => m.user.id === this.bot.id)) g.members.push(member(this.bot, botRoles));
    this.#joined.add(g.id);
    for (const session of this.#sessions.values()) if (this.#owns(session, g.id)) this.#dispatch(session, 'GUILD_CREATE', guildCreate(g, this.bot.id));
    return g;
  }

  /** Opens a thread; THREAD_CREATE reaches the bot when it may view the thread. */
  addThread(guildId: string, created: { thread: ChannelPayload; members: string[] }): ChannelPayload {
    const g = this.#guild(guildId);
    const t = { ...created.thread, guild_id: g.id };
    g.threads.push(t);
    g.threadMembers[t.id] = [...created.members];
    if (this.#joined.has(g.id) && this.#sessions.size && canReadThread(g, this.bot.id, t)) {
      this.dispatch('THREAD_CREATE', { ...t, newly_created: true, ...(created.members.includes(this.bot.id) ? { member: this.#threadMember(t, this.bot.id) } : {}) });
    }
    return t;
  }

  /** Someone joins a thread. Like Discord, THREAD_MEMBERS_UPDATE only tells the bot about itself unless it has the Guild Members intent. */
  addThreadMember(threadId: string, userId: string): void {
    const { g, t } = this.#thread(threadId);
    const members = (g.threadMembers[t.id] ??= []);
    if (members.includes(userId)) return;
    members.push(userId);
    t.member_count = members.length;
    this.#threadMembersUpdate(g, t, userId, { added_members: [{ ...this.#threadMember(t, userId), member: g.members.find((m) => m.user.id === userId) }] });
  }

  removeThreadMember(threadId: string, userId: string): void {
    const { g, t } = this.#thread(threadId);
    g.threadMembers[t.id] = (g.threadMembers[t.id] ?? []).filter((id) => id !== userId);
    t.member_count = g.threadMembers[t.id].length;
    this.#threadMembersUpdate(g, t, userId, { removed_member_ids: [userId] });
  }

  permissions(guildId: string, userId: string, channelId: string | null): bigint {
    const g = this.guilds.get(guildId);
    if (!g) throw new Error(`stand-in: no guild ${guildId}`);
    return channelPermissions(g, userId, channelId);
  }

  // ---- gateway --------------------------------------------------------------------------------

  /** Dispatches an event to every session (buffered for sessions that are disconnected). */
  dispatch(t: string, d: unknown): void {
    if (this.#sessions.size === 0) throw new Error(`stand-in: no gateway session to dispatch ${t} to`);
    const payload = d as { guild_id?: string; id?: string } | null;
    const guildId = payload?.guild_id ?? (t === 'GUILD_CREATE' ? payload?.id : undefined);
    for (const session of this.#sessions.values()) if (this.#owns(session, guildId)) this.#dispatch(session, t, d);
  }

  /** A member posts a message in a guild channel or thread (or a DM when `guildId` is absent). */
  postMessage(options: { channelId: string; guildId?: string; author: UserPayload; content: string }): MessagePayload {
    const payload = message(options);
    // GET /channels/{channel}/messages/{message} serves it, as Discord does for a message the bot may read.
    this.messages.set(payload.id, payload);
    const channelType = options.guildId ? (this.#findChannel(options.channelId)?.channel.type ?? 0) : 1;
    this.dispatch('MESSAGE_CREATE', { ...payload, channel_type: channelType });
    return payload;
  }

  /** A member adds a reaction (MESSAGE_REACTION_ADD, as the gateway sends it with the Guild Message Reactions intent). */
  react(options: { channelId: string; guildId?: string; messageId: string; user: UserPayload; emoji: string; messageAuthorId?: string }): void {
    const g = options.guildId ? this.guilds.get(options.guildId) : undefined;
    const memberPayload = g?.members.find((entry) => entry.user.id === options.user.id);
    this.dispatch('MESSAGE_REACTION_ADD', {
      user_id: options.user.id,
      channel_id: options.channelId,
      message_id: options.messageId,
      ...(options.guildId ? { guild_id: options.guildId, member: memberPayload ?? { user: options.user, roles: [], joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0 } } : {}),
      emoji: { id: null, name: options.emoji },
      burst: false,
      type: 0,
      ...(options.messageAuthorId ? { message_author_id: options.messageAuthorId } : {}),
    });
  }

  deleteMessage(options: { channelId: string; guildId?: string; messageId: string }): void {
    this.dispatch('MESSAGE_DELETE', {
      id: options.messageId,
      channel_id: options.channelId,
      ...(options.guildId ? { guild_id: options.guildId } : {}),
    });
  }

  /** A slash command invocation, with the member's real computed permissions in that channel. */
  slashCommand(options: {
    name: string;
    options?: Array<{ name: string; type: number; value: unknown }>;
    guildId?: string;
    channelId: string;
    user: UserPayload;
    locale?: string;
  }): InteractionHandle {
    // Channel options come with their channel objects under `resolved`, as Discord sends them.
    const channels: Record<string, unknown> = {};
    for (const option of options.options ?? []) {
      if (option.type !== 7) continue;
      const found = this.#findChannel(String(option.value));
      channels[String(option.value)] = found ? { ...found.channel, guild_id: found.guildId, permissions: '0' } : { id: option.value, type: 0 };
    }
    return this.#interaction(options, {
      type: 2,
      data: {
        id: snowflake(),
        name: options.name,
        type: 1,
        options: options.options ?? [],
        ...(Object.keys(channels).length ? { resolved: { channels } } : {}),
      },
    });
  }

  /** A button press on a message the bot sent. */
  pressButton(options: { customId: string; message: MessagePayload; guildId?: string; channelId: string; user: UserPayload; locale?: string }): InteractionHandle {
    return this.#interaction(options, {
      type: 3,
      data: { custom_id: options.customId, component_type: 2 },
      message: options.message,
    });
  }

  /** Closes every gateway socket as a network failure would; discord.js resumes. */
  disconnect(code = 4000): void {
    for (const session of this.#sessions.values()) {
      session.socket?.close(code, 'stand-in disconnect');
      session.socket = null;
    }
  }

  // ---- REST helpers ---------------------------------------------------------------------------

  /** Makes the next `times` calls matching `path` (and `method`) fail with `status`. */
  failNext(rule: FailureRule): void {
    this.#failures.push({ ...rule });
  }

  /** Resolves with the first recorded call (past or future) the predicate accepts. */
  waitForCall(test: (call: RestCall) => boolean, timeoutMs = 45_000): Promise<RestCall> {
    const found = this.calls.find(test);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter = {
        test,
        resolve: (call: RestCall) => {
          clearTimeout(timer);
          resolve(call);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`stand-in: no matching REST call within ${timeoutMs} ms; saw:\n${this.describeCalls()}`));
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  /** Waits until the predicate holds for a state of the stand-in. */
  async waitUntil(test: () => boolean, timeoutMs = 45_000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!test()) {
      if (Date.now() > deadline) throw new Error(`stand-in: ${what} not reached within ${timeoutMs} ms; calls:\n${this.describeCalls()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  callsTo(method: string, path: RegExp): RestCall[] {
    return this.calls.filter((c) => c.method === method && path.test(c.path));
  }

  describeCalls(): string {
    return this.calls.map((c) => `${c.seq} ${c.method} ${c.path} -> ${c.status}`).join('\n');
  }

  /** What the bot posted in a channel or thread through POST /channels/{id}/messages, oldest first. */
  postedIn(channelId: string): MessagePayload[] {
    return this.calls
      .filter((c) => c.method === 'POST' && c.path === `/channels/${channelId}/messages` && c.status === 200)
      .map((c) => c.response as MessagePayload)
      .filter((posted, index, all) => all.findIndex((other) => other.id === posted.id) === index);
  }

  /** The thread started from a message, if one was. */
  threadOf(messageId: string): ChannelPayload | undefined {
    return this.#threadsByMessage.get(messageId);
  }

  /** The message an interaction's reply currently shows (after the last edit). */
  original(token: string): MessagePayload | undefined {
    return this.#originals.get(token);
  }

  // ---- internals ------------------------------------------------------------------------------

  #interaction(
    options: { guildId?: string; channelId: string; user: UserPayload; locale?: string },
    body: Record<string, unknown>,
  ): InteractionHandle {
    const id = snowflake();
    const token = `itk-${id}-${Math.random().toString(36).slice(2)}`;
    this.#tokenChannels.set(token, options.channelId);
    const g = options.guildId ? this.guilds.get(options.guildId) : undefined;
    if (options.guildId && !g) throw new Error(`stand-in: no guild ${options.guildId}`);
    const channel = g ? [...g.channels, ...g.threads].find((c) => c.id === options.channelId) : undefined;
    const payload: Record<string, any> = {
      id,
      application_id: this.applicationId,
      token,
      version: 1,
      locale: options.locale ?? 'en-US',
      entitlements: [],
      authorizing_integration_owners: { '0': options.guildId ?? options.user.id },
      context: options.guildId ? 0 : 1,
      attachment_size_limit: 10 * 1024 * 1024,
      channel_id: options.channelId,
      ...body,
    };
    if (g) {
      const found = g.members.find((m) => m.user.id === options.user.id) ?? member(options.user);
      payload.guild_id = g.id;
      payload.guild_locale = g.preferred_locale;
      payload.guild = { id: g.id, locale: g.preferred_locale, features: [] };
      payload.channel = channel ? { ...channel } : { id: options.channelId, type: 0, guild_id: g.id };
      payload.member = { ...found, permissions: channelPermissions(g, options.user.id, options.channelId).toString() };
      payload.app_permissions = channelPermissions(g, this.bot.id, options.channelId).toString();
    } else {
      payload.user = options.user;
      payload.channel = { id: options.channelId, type: 1, recipients: [options.user] };
      payload.app_permissions = '0';
    }
    this.dispatch('INTERACTION_CREATE', payload);
    return { id, token, payload };
  }

  /** Discord's rule: shard_id = (guild_id >> 22) % num_shards; DMs go to shard 0. */
  #owns(session: GatewaySession, guildId: string | undefined): boolean {
    const [id, count] = session.shard;
    if (!guildId) return id === 0;
    return Number((BigInt(guildId) >> 22n) % BigInt(count)) === id;
  }

  #dispatch(session: GatewaySession, t: string, d: unknown): void {
    session.seq += 1;
    const entry = { s: session.seq, t, d };
    session.log.push(entry);
    if (session.socket) session.socket.send(JSON.stringify({ op: 0, ...entry }));
  }

  #onConnection(ws: WebSocket): void {
    let session: GatewaySession | null = null;
    ws.send(JSON.stringify({ op: 10, d: { heartbeat_interval: this.#heartbeatIntervalMs }, s: null, t: null }));
    ws.on('message', (raw) => {
      let packet: { op: number; d: any };
      try {
        packet = JSON.parse(String(raw));
      } catch {
        ws.close(4002, 'Error while decoding payload');
        return;
      }
      this.gatewayOps.push(packet.op);
      switch (packet.op) {
        case 1:
          if (this.ackHeartbeats) ws.send(JSON.stringify({ op: 11, d: null, s: null, t: null }));
          break;
        case 2: {
          if (packet.d?.token !== this.token) {
            ws.close(4004, 'Authentication failed.');
            return;
          }
          this.#intents = Number(packet.d?.intents ?? 0);
          const shard = Array.isArray(packet.d?.shard) ? ([Number(packet.d.shard[0]), Number(packet.d.shard[1])] as [number, number]) : ([0, 1] as [number, number]);
          session = { id: snowflake(), shard, seq: 0, log: [], socket: ws };
          this.#sessions.set(session.id, session);
          this.#dispatch(session, 'READY', {
            v: 10,
            user: this.bot,
            guilds: [...this.#joined].filter((id) => this.#owns(session!, id)).map((id) => ({ id, unavailable: true })),
            session_id: session.id,
            resume_gateway_url: this.gatewayUrl,
            shard: session.shard,
            application: { id: this.applicationId, flags: 0 },
            private_channels: [],
            presences: [],
            relationships: [],
            guild_join_requests: [],
            geo_ordered_rtc_regions: [],
            user_settings: {},
          });
          for (const id of this.#joined) if (this.#owns(session, id)) this.#dispatch(session, 'GUILD_CREATE', guildCreate(this.guilds.get(id)!, this.bot.id));
          break;
        }
        case 6: {
          const resumed = this.#sessions.get(packet.d?.session_id);
          if (!resumed || packet.d?.token !== this.token) {
            ws.send(JSON.stringify({ op: 9, d: false, s: null, t: null }));
            return;
          }
          session = resumed;
          session.socket?.terminate();
          session.socket = ws;
          for (const entry of session.log) if (entry.s > Number(packet.d.seq ?? 0)) ws.send(JSON.stringify({ op: 0, ...entry }));
          this.#dispatch(session, 'RESUMED', {});
          break;
        }
        default:
          break;
      }
    });
    ws.on('close', () => {
      if (session && session.socket === ws) session.socket = null;
    });
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const method = req.method ?? 'GET';
    const path = decodeURIComponent(url.pathname).replace(/^\/api\/v10/, '');
    const { body, files } = await parseBody(raw, req.headers['content-type'] ?? '');
    const call: RestCall = {
      seq: ++this.#callSeq,
      method,
      path,
      query: url.searchParams,
      authorization: req.headers.authorization ?? null,
      body,
      files,
      status: 0,
      at: performance.now(),
    };
    const reply = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
      call.status = status;
      call.response = payload;
      this.calls.push(call);
      // A 204 carries no body and no JSON content type; discord.js would try to parse it.
      res.writeHead(status, payload === undefined ? headers : { 'content-type': 'application/json', ...headers });
      res.end(payload === undefined ? undefined : JSON.stringify(payload));
      for (const waiter of this.#waiters) {
        if (waiter.test(call)) {
          this.#waiters.delete(waiter);
          waiter.resolve(call);
        }
      }
    };

    const rule = this.#failures.find((r) => r.times > 0 && (!r.method || r.method === method) && r.path.test(path));
    if (rule) {
      rule.times -= 1;
      if (rule.status === 429) {
        const after = rule.retryAfterSec ?? 0.3;
        return reply(429, { message: 'You are being rate limited.', retry_after: after, global: false }, { 'retry-after': String(after), 'x-ratelimit-scope': 'user' });
      }
      return reply(rule.status, { message: `${rule.status}: stand-in failure`, code: 0 });
    }
    const interactionRoute = /^\/(interactions|webhooks)\//.test(path);
    if (!interactionRoute && (this.rejectToken || call.authorization !== `Bot ${this.token}`)) {
      return reply(401, { message: '401: Unauthorized', code: 0 });
    }

    let m: RegExpExecArray | null;
    if (method === 'GET' && path === '/gateway/bot') {
      return reply(200, {
        url: this.gatewayUrl,
        shards: 1,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 },
      });
    }
    if (method === 'GET' && (path === '/applications/@me' || path === '/oauth2/applications/@me')) {
      return reply(200, { id: this.applicationId, name: this.bot.username, bot: this.bot, flags: 0, description: '' });
    }
    if (method === 'PUT' && (m = /^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/.exec(path))) {
      const [, applicationId, guildId] = m;
      return reply(
        200,
        (body as any[]).map((command) => ({ ...command, id: snowflake(), application_id: applicationId, guild_id: guildId, version: snowflake() })),
      );
    }
    if (method === 'POST' && (m = /^\/interactions\/(\d+)\/([^/]+)\/callback$/.exec(path))) {
      const token = m[2];
      const data = body?.data ?? {};
      if (body?.type === 4 || body?.type === 7) {
        const previous = this.#originals.get(token);
        this.#originals.set(token, this.#messageFrom({ channel_id: this.#tokenChannels.get(token), ...data }, previous));
      } else if (body?.type === 5) {
        this.#originals.set(token, this.#messageFrom({ channel_id: this.#tokenChannels.get(token), content: '', flags: data.flags ?? 0 }, undefined));
      }
      if (url.searchParams.get('with_response') === 'true') {
        return reply(200, {
          interaction: { id: m[1], type: 2, response_message_loading: body?.type === 5, response_message_ephemeral: Boolean((data.flags ?? 0) & 64) },
          resource: { type: body?.type, message: this.#originals.get(token) },
        });
      }
      return reply(204);
    }
    if ((m = /^\/webhooks\/(\d+)\/([^/]+)\/messages\/(@original|\d+)$/.exec(path))) {
      const [, , token, which] = m;
      const key = which === '@original' ? token : which;
      const existing = which === '@original' ? this.#originals.get(token) : this.messages.get(which);
      if (method === 'GET') return existing ? reply(200, existing) : reply(404, { message: 'Unknown Message', code: 10008 });
      if (method === 'DELETE') {
        if (which === '@original') this.#originals.delete(token);
        return reply(204);
      }
      if (method === 'PATCH') {
        if (!existing && which !== '@original') return reply(404, { message: 'Unknown Message', code: 10008 });
        const updated = this.#messageFrom({ channel_id: this.#tokenChannels.get(token), ...(body ?? {}) }, existing, files);
        if (which === '@original') this.#originals.set(key, updated);
        this.messages.set(updated.id, updated);
        return reply(200, updated);
      }
    }
    if (method === 'POST' && (m = /^\/webhooks\/(\d+)\/([^/]+)$/.exec(path))) {
      const created = this.#messageFrom({ channel_id: this.#tokenChannels.get(m[2]), ...(body ?? {}) }, undefined, files);
      this.messages.set(created.id, created);
      return reply(200, created);
    }
    if ((method === 'PUT' || method === 'DELETE') && /^\/channels\/\d+\/messages\/\d+\/reactions\/[^/]+\/@me$/.test(path)) {
      return reply(204);
    }
    if (method === 'POST' && (m = /^\/channels\/(\d+)\/messages\/(\d+)\/threads$/.exec(path))) {
      const [, channelId, messageId] = m;
      const parent = this.#findChannel(channelId);
      const starter = this.messages.get(messageId);
      if (!starter || starter.channel_id !== channelId) return reply(404, { message: 'Unknown Message', code: 10008 });
      if (this.#threadsByMessage.has(messageId)) return reply(400, { message: 'A thread has already been created for this message', code: 160004 });
      const created = {
        id: messageId,
        type: 11,
        name: body?.name ?? 'thread',
        guild_id: parent?.guildId,
        parent_id: channelId,
        owner_id: this.bot.id,
        thread_metadata: { archived: false, auto_archive_duration: body?.auto_archive_duration ?? 1440, locked: false, archive_timestamp: new Date().toISOString() },
        message_count: 0,
        member_count: 1,
      } as ChannelPayload;
      this.#threadsByMessage.set(messageId, created);
      return reply(201, created);
    }
    if (method === 'POST' && (m = /^\/channels\/(\d+)\/messages$/.exec(path))) {
      const channelId = m[1];
      // enforce_nonce: a message the bot already created with this nonce is returned, not made twice.
      if (body?.enforce_nonce && body.nonce !== undefined) {
        const earlier = [...this.messages.values()].find((existing) => existing.channel_id === channelId && existing.author.id === this.bot.id && existing.nonce === body.nonce);
        if (earlier) return reply(200, earlier);
      }
      const created = this.#messageFrom({ ...(body ?? {}), channel_id: channelId }, undefined, files);
      this.messages.set(created.id, created);
      return reply(200, created);
    }
    if ((m = /^\/channels\/(\d+)\/thread-members(?:\/(@me|\d+))?$/.exec(path))) {
      const found = this.#findChannel(m[1]);
      const g = found ? this.guilds.get(found.guildId) : undefined;
      if (!found || !g || !found.channel.thread_metadata) return reply(404, { message: 'Unknown Channel', code: 10003 });
      if (!canReadThread(g, this.bot.id, found.channel)) return reply(403, { message: 'Missing Access', code: 50001 });
      const t = found.channel;
      const members = g.threadMembers[t.id] ?? [];
      const withMember = url.searchParams.get('with_member') === 'true';
      const shape = (userId: string): ThreadMemberPayload => ({
        ...this.#threadMember(t, userId),
        ...(withMember ? { member: g.members.find((gm) => gm.user.id === userId) } : {}),
      });
      const target = m[2] === '@me' ? this.bot.id : m[2];
      if (method === 'GET' && !target) {
        // Listing thread members is privileged: Discord refuses it without the Guild Members intent.
        if (!(this.#intents & GuildMembersIntent)) return reply(403, { message: 'Missing Access', code: 50001 });
        return reply(200, members.map(shape));
      }
      if (method === 'GET' && target) return members.includes(target) ? reply(200, shape(target)) : reply(404, { message: 'Unknown Member', code: 10007 });
      if (method === 'PUT' && target) {
        this.addThreadMember(t.id, target);
        return reply(204);
      }
      if (method === 'DELETE' && target) {
        this.removeThreadMember(t.id, target);
        return reply(204);
      }
    }
    if (method === 'GET' && (m = /^\/channels\/(\d+)\/messages\/(\d+)$/.exec(path))) {
      const found = this.messages.get(m[2]);
      return found && found.channel_id === m[1] ? reply(200, found) : reply(404, { message: 'Unknown Message', code: 10008 });
    }
    if (method === 'GET' && (m = /^\/channels\/(\d+)$/.exec(path))) {
      const found = this.#findChannel(m[1]);
      return found ? reply(200, found.channel) : reply(404, { message: 'Unknown Channel', code: 10003 });
    }
    return reply(404, { message: `stand-in: no route ${method} ${path}`, code: 0 });
  }

  #findChannel(channelId: string): { guildId: string; channel: ChannelPayload } | null {
    for (const g of this.guilds.values()) {
      const channel = g.channels.find((c) => c.id === channelId) ?? g.threads.find((c) => c.id === channelId);
      if (channel) return { guildId: g.id, channel };
    }
    return null;
  }

  #guild(guildId: string): GuildPayload {
    const g = this.guilds.get(guildId);
    if (!g) throw new Error(`stand-in: no guild ${guildId}`);
    return g;
  }

  #thread(threadId: string): { g: GuildPayload; t: ChannelPayload } {
    for (const g of this.guilds.values()) {
      const t = g.threads.find((c) => c.id === threadId);
      if (t) return { g, t };
    }
    throw new Error(`stand-in: no thread ${threadId}`);
  }

  #threadMember(t: ChannelPayload, userId: string): ThreadMemberPayload {
    return { id: t.id, user_id: userId, join_timestamp: t.thread_metadata?.create_timestamp ?? new Date().toISOString(), flags: 0 };
  }

  #threadMembersUpdate(g: GuildPayload, t: ChannelPayload, userId: string, change: Record<string, unknown>): void {
    if (!this.#joined.has(g.id) || this.#sessions.size === 0) return;
    if (userId !== this.bot.id && !(this.#intents & GuildMembersIntent)) return;
    this.dispatch('THREAD_MEMBERS_UPDATE', { id: t.id, guild_id: g.id, member_count: t.member_count ?? 0, ...change });
  }

  #messageFrom(data: Record<string, any>, previous: MessagePayload | undefined, files: RecordedFile[] = []): MessagePayload {
    const base = previous ?? message({ channelId: data.channel_id ?? '0', author: this.bot, content: '' });
    const attachments =
      files.length > 0
        ? files.map((file, index) => ({
            id: snowflake(),
            filename: file.filename,
            size: file.data.length,
            content_type: file.contentType,
            url: `https://cdn.stand-in.invalid/attachments/${index}/${file.filename}`,
            proxy_url: `https://cdn.stand-in.invalid/attachments/${index}/${file.filename}`,
          }))
        : (data.attachments ?? base.attachments);
    return {
      ...base,
      author: this.bot,
      application_id: this.applicationId,
      content: data.content ?? base.content,
      embeds: data.embeds ?? base.embeds,
      components: data.components ?? base.components,
      flags: data.flags ?? base.flags,
      attachments,
      edited_timestamp: previous ? new Date().toISOString() : null,
      ...(data.message_reference ? { message_reference: data.message_reference } : {}),
      ...(data.nonce !== undefined ? { nonce: data.nonce } : {}),
    } as MessagePayload;
  }
}

export async function startDiscordStandIn(options: StandInOptions = {}): Promise<DiscordStandIn> {
  return new DiscordStandIn(options).listen();
}

/** JSON, or multipart/form-data with `payload_json` and `files[n]` parts (undici parses it). */
async function parseBody(raw: Buffer, contentType: string): Promise<{ body: any; files: RecordedFile[] }> {
  if (raw.length === 0) return { body: null, files: [] };
  if (contentType.startsWith('multipart/form-data')) {
    const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': contentType } }).formData();
    let body: any = null;
    const files: RecordedFile[] = [];
    for (const [field, value] of form.entries()) {
      if (typeof value === 'string') {
        if (field === 'payload_json') body = JSON.parse(value);
      } else {
        files.push({ field, filename: value.name, contentType: value.type, data: Buffer.from(await value.arrayBuffer()) });
      }
    }
    return { body, files };
  }
  try {
    return { body: JSON.parse(raw.toString('utf8')), files: [] };
  } catch {
    return { body: raw.toString('utf8'), files: [] };
  }
}
