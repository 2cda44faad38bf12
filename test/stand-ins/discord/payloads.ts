// Wire payloads the stand-in Discord sends, shaped like the real API v10 objects (snake_case,
// permission bit sets as decimal strings), so the real discord.js parses them as it would Discord's.
import { PermissionFlagsBits } from 'discord.js';

const DiscordEpochMs = 1_420_070_400_000n;
let increment = 0n;

/** A fresh snowflake: milliseconds since the Discord epoch in the high bits, like real ids. */
export function snowflake(): string {
  increment = (increment + 1n) & 0xfffn;
  return (((BigInt(Date.now()) - DiscordEpochMs) << 22n) | (1n << 17n) | increment).toString();
}

/** A guild id that Discord's sharding formula, (id >> 22) % shards, puts on `shard`. */
export function snowflakeOnShard(shard: number, shards = 2): string {
  for (;;) {
    const id = snowflake();
    if (Number((BigInt(id) >> 22n) % BigInt(shards)) === shard) return id;
  }
}

export interface UserPayload {
  id: string;
  username: string;
  discriminator: string;
  global_name: string | null;
  avatar: string | null;
  bot?: boolean;
}

export function user(name: string, options: { id?: string; bot?: boolean } = {}): UserPayload {
  return { id: options.id ?? snowflake(), username: name, discriminator: '0', global_name: name, avatar: null, bot: options.bot ?? false };
}

export interface RolePayload {
  id: string;
  name: string;
  permissions: string;
  position: number;
  color: number;
  hoist: boolean;
  managed: boolean;
  mentionable: boolean;
  flags: number;
}

export interface OverwritePayload {
  id: string;
  /** 0 = role, 1 = member */
  type: 0 | 1;
  allow: string;
  deny: string;
}

export interface ChannelPayload {
  id: string;
  type: number;
  name: string;
  guild_id?: string;
  position: number;
  permission_overwrites: OverwritePayload[];
  parent_id?: string | null;
  topic?: string | null;
  nsfw?: boolean;
  last_message_id?: string | null;
  rate_limit_per_user?: number;
  /** Threads (types 10, 11, 12) only. */
  owner_id?: string;
  thread_metadata?: { archived: boolean; auto_archive_duration: number; archive_timestamp: string; locked: boolean; invitable?: boolean; create_timestamp?: string };
  member_count?: number;
  message_count?: number;
  total_message_sent?: number;
  flags?: number;
  /** The current user's thread member object, as GUILD_CREATE sends it for threads the bot joined. */
  member?: { join_timestamp: string; flags: number };
}

/** A thread member object (GET /channels/{thread.id}/thread-members/{user.id}). */
export interface ThreadMemberPayload {
  id: string;
  user_id: string;
  join_timestamp: string;
  flags: number;
  member?: MemberPayload;
}

export interface MemberPayload {
  user: UserPayload;
  roles: string[];
  nick: string | null;
  joined_at: string;
  deaf: boolean;
  mute: boolean;
  flags: number;
}

export interface GuildPayload {
  id: string;
  name: string;
  owner_id: string;
  roles: RolePayload[];
  channels: ChannelPayload[];
  members: MemberPayload[];
  preferred_locale: string;
  /** Active threads (public 11, private 12), with the user ids that joined each. */
  threads: ChannelPayload[];
  threadMembers: Record<string, string[]>;
}

/** What @everyone may do in an ordinary server: read, write, react, start threads. */
export const EveryoneDefault =
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.ReadMessageHistory |
  PermissionFlagsBits.AddReactions |
  PermissionFlagsBits.EmbedLinks |
  PermissionFlagsBits.AttachFiles |
  PermissionFlagsBits.UseApplicationCommands |
  PermissionFlagsBits.CreatePublicThreads |
  PermissionFlagsBits.SendMessagesInThreads;

export function role(name: string, permissions: bigint, options: { id?: string; position?: number } = {}): RolePayload {
  return {
    id: options.id ?? snowflake(),
    name,
    permissions: permissions.toString(),
    position: options.position ?? 1,
    color: 0,
    hoist: false,
    managed: false,
    mentionable: false,
    flags: 0,
  };
}

export function member(of: UserPayload, roles: string[] = []): MemberPayload {
  return { user: of, roles, nick: null, joined_at: new Date(Date.now() - 86_400_000).toISOString(), deaf: false, mute: false, flags: 0 };
}

export function textChannel(name: string, options: { id?: string; guildId?: string; overwrites?: OverwritePayload[] } = {}): ChannelPayload {
  return {
    id: options.id ?? snowflake(),
    type: 0,
    name,
    guild_id: options.guildId,
    position: 0,
    permission_overwrites: options.overwrites ?? [],
    parent_id: null,
    topic: null,
    nsfw: false,
    last_message_id: null,
    rate_limit_per_user: 0,
  };
}

/**
 * A thread under `parent`: type 12 (private: only its members and Manage Threads can read it) or
 * 11 (public: whoever reads the parent). `members` are the user ids that joined it.
 */
export function thread(name: string, parent: ChannelPayload, options: { private: boolean; owner: UserPayload; members?: string[]; id?: string }): { thread: ChannelPayload; members: string[] } {
  const created = new Date(Date.now() - 3_600_000).toISOString();
  const members = [...new Set([options.owner.id, ...(options.members ?? [])])];
  return {
    thread: {
      id: options.id ?? snowflake(),
      type: options.private ? 12 : 11,
      name,
      guild_id: parent.guild_id,
      position: 0,
      permission_overwrites: [],
      parent_id: parent.id,
      owner_id: options.owner.id,
      last_message_id: null,
      rate_limit_per_user: 0,
      thread_metadata: { archived: false, auto_archive_duration: 1440, archive_timestamp: created, locked: false, create_timestamp: created, ...(options.private ? { invitable: false } : {}) },
      member_count: members.length,
      message_count: 0,
      total_message_sent: 0,
      flags: 0,
    },
    members,
  };
}

/** A private channel: @everyone denied View Channel, the listed roles and members allowed. */
export function privateChannel(name: string, guildId: string, allowed: { roles?: string[]; members?: string[] }): ChannelPayload {
  const view = PermissionFlagsBits.ViewChannel.toString();
  return textChannel(name, {
    guildId,
    overwrites: [
      { id: guildId, type: 0, allow: '0', deny: view },
      ...(allowed.roles ?? []).map((id): OverwritePayload => ({ id, type: 0, allow: view, deny: '0' })),
      ...(allowed.members ?? []).map((id): OverwritePayload => ({ id, type: 1, allow: view, deny: '0' })),
    ],
  });
}

/**
 * A guild with @everyone (id = guild id), the given extra roles, channels and members. The bot is
 * added as a member with the `botRole` when given.
 */
export function guild(options: {
  name: string;
  owner: UserPayload;
  channels: (guildId: string) => ChannelPayload[];
  roles?: RolePayload[];
  members?: MemberPayload[];
  everyone?: bigint;
  locale?: string;
  id?: string;
}): GuildPayload {
  const id = options.id ?? snowflake();
  const channels = options.channels(id).map((channel, position) => ({ ...channel, guild_id: id, position }));
  return {
    id,
    name: options.name,
    owner_id: options.owner.id,
    roles: [role('@everyone', options.everyone ?? EveryoneDefault, { id, position: 0 }), ...(options.roles ?? [])],
    channels,
    members: [member(options.owner), ...(options.members ?? [])],
    preferred_locale: options.locale ?? 'en-US',
    threads: [],
    threadMembers: {},
  };
}

/**
 * The threads GUILD_CREATE lists for a user: active threads they may view (public ones with the
 * parent; private ones when they joined or may manage threads), with their own thread member object.
 */
export function threadsVisibleTo(g: GuildPayload, userId: string): ChannelPayload[] {
  return g.threads
    .filter((t) => canReadThread(g, userId, t))
    .map((t) => {
      const joined = g.threadMembers[t.id]?.includes(userId);
      return { ...t, guild_id: g.id, ...(joined ? { member: { join_timestamp: t.thread_metadata?.create_timestamp ?? new Date().toISOString(), flags: 0 } } : {}) };
    });
}

export function canReadThread(g: GuildPayload, userId: string, t: ChannelPayload): boolean {
  const perms = channelPermissions(g, userId, t.parent_id ?? null);
  if (!(perms & PermissionFlagsBits.ViewChannel)) return false;
  if (t.type !== 12) return true;
  return Boolean(g.threadMembers[t.id]?.includes(userId)) || Boolean(perms & PermissionFlagsBits.ManageThreads);
}

/** The full GUILD_CREATE dispatch body for a guild, as the user `forUserId` (the bot) receives it. */
export function guildCreate(g: GuildPayload, forUserId: string): Record<string, unknown> {
  const { threads: _threads, threadMembers: _threadMembers, ...fields } = g;
  return {
    ...fields,
    unavailable: false,
    large: false,
    member_count: g.members.length,
    joined_at: new Date(Date.now() - 86_400_000).toISOString(),
    features: [],
    emojis: [],
    stickers: [],
    threads: threadsVisibleTo(g, forUserId),
    voice_states: [],
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
    icon: null,
    splash: null,
    discovery_splash: null,
    banner: null,
    description: null,
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    mfa_level: 0,
    application_id: null,
    system_channel_id: null,
    system_channel_flags: 0,
    rules_channel_id: null,
    vanity_url_code: null,
    premium_tier: 0,
    premium_subscription_count: 0,
    public_updates_channel_id: null,
    nsfw_level: 0,
    premium_progress_bar_enabled: false,
    safety_alerts_channel_id: null,
  };
}

/**
 * Computes a member's permissions in a channel the way Discord documents it: base from roles,
 * administrator and owner short-circuits, then @everyone, role and member overwrites in order.
 */
export function channelPermissions(g: GuildPayload, userId: string, channelId: string | null): bigint {
  if (g.owner_id === userId) return allPermissions();
  const found = g.members.find((m) => m.user.id === userId);
  const roleIds = found?.roles ?? [];
  let base = BigInt(g.roles.find((r) => r.id === g.id)?.permissions ?? '0');
  for (const r of g.roles) if (roleIds.includes(r.id)) base |= BigInt(r.permissions);
  if (base & PermissionFlagsBits.Administrator) return allPermissions();
  // A thread has no overwrites of its own: the parent channel's apply.
  const threadParent = channelId ? g.threads.find((t) => t.id === channelId)?.parent_id : undefined;
  const channel = (threadParent ?? channelId) ? g.channels.find((c) => c.id === (threadParent ?? channelId)) : undefined;
  if (!channel) return base;
  let perms = base;
  const everyone = channel.permission_overwrites.find((o) => o.type === 0 && o.id === g.id);
  if (everyone) perms = (perms & ~BigInt(everyone.deny)) | BigInt(everyone.allow);
  let allow = 0n;
  let deny = 0n;
  for (const o of channel.permission_overwrites) {
    if (o.type === 0 && o.id !== g.id && roleIds.includes(o.id)) {
      allow |= BigInt(o.allow);
      deny |= BigInt(o.deny);
    }
  }
  perms = (perms & ~deny) | allow;
  const own = channel.permission_overwrites.find((o) => o.type === 1 && o.id === userId);
  if (own) perms = (perms & ~BigInt(own.deny)) | BigInt(own.allow);
  return perms;
}

function allPermissions(): bigint {
  return Object.values(PermissionFlagsBits).reduce((all, bit) => all | bit, 0n);
}

export interface MessagePayload {
  id: string;
  channel_id: string;
  guild_id?: string;
  author: UserPayload;
  member?: Omit<MemberPayload, 'user'>;
  content: string;
  timestamp: string;
  edited_timestamp: string | null;
  tts: boolean;
  mention_everyone: boolean;
  mentions: unknown[];
  mention_roles: string[];
  attachments: unknown[];
  embeds: unknown[];
  components: unknown[];
  pinned: boolean;
  type: number;
  flags: number;
  webhook_id?: string;
  application_id?: string;
  interaction_metadata?: unknown;
  message_reference?: { message_id: string; channel_id?: string; fail_if_not_exists?: boolean };
  nonce?: string | number;
}

export function message(options: {
  channelId: string;
  guildId?: string;
  author: UserPayload;
  content: string;
  id?: string;
  flags?: number;
  embeds?: unknown[];
  attachments?: unknown[];
  components?: unknown[];
}): MessagePayload {
  const { author, guildId } = options;
  const { user: _user, ...memberFields } = member(author);
  return {
    id: options.id ?? snowflake(),
    channel_id: options.channelId,
    ...(guildId ? { guild_id: guildId, member: memberFields } : {}),
    author,
    content: options.content,
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: options.attachments ?? [],
    embeds: options.embeds ?? [],
    components: options.components ?? [],
    pinned: false,
    type: 0,
    flags: options.flags ?? 0,
  };
}
