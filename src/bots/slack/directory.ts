// Who a Slack user is (their locale) and which channels they can read, asked of the Web API and kept
// for a short while: every /find needs the asker's channels, and Slack rate-limits these methods.
import type { webApi } from '@slack/bolt';
import { pickLocale, type Locale } from '../../core/i18n.js';
import type { Logger } from '../../core/logger.js';
import type { Viewer } from '../../core/types.js';
import { slackErrorCode } from './slack-errors.js';
import { slackTeamOf } from './workspace.js';

export interface ChannelInfo {
  id: string;
  name: string | null;
  /** Not every member of the team can read it: private channel, DM or group DM. */
  private: boolean;
}

export const DefaultDirectoryTtls = { userMs: 10 * 60_000, channelMs: 10 * 60_000, membershipMs: 60_000 } as const;

export class SlackDirectory {
  readonly #client: webApi.WebClient;
  readonly #logger: Logger;
  readonly #ttls: typeof DefaultDirectoryTtls;
  readonly #locales = new TtlCache<Locale>();
  readonly #channels = new TtlCache<ChannelInfo>();
  readonly #memberships = new TtlCache<string[]>();
  readonly #admins = new TtlCache<boolean>();

  constructor(options: { client: webApi.WebClient; logger: Logger; ttls?: Partial<typeof DefaultDirectoryTtls> }) {
    this.#client = options.client;
    this.#logger = options.logger;
    this.#ttls = { ...DefaultDirectoryTtls, ...options.ttls };
  }

  /** The user's Slack locale mapped to one linksnap speaks; English when Slack does not say. */
  async locale(userId: string): Promise<Locale> {
    return this.#locales.getOrLoad(userId, this.#ttls.userMs, async () => {
      try {
        const result = await this.#client.users.info({ user: userId, include_locale: true });
        return pickLocale((result.user as { locale?: string } | undefined)?.locale ?? null);
      } catch (error) {
        this.#logger({ level: 'warn', context: 'slack', message: 'users.info failed; answering in English', details: { userId, error } });
        return 'en';
      }
    });
  }

  /**
   * Whether the user is an admin or owner of the workspace (users.info), kept only as long as
   * memberships so a demoted admin loses the right within a minute. Any failure counts as "no".
   */
  async isAdmin(userId: string): Promise<boolean> {
    return this.#admins.getOrLoad(userId, this.#ttls.membershipMs, async () => {
      try {
        const result = await this.#client.users.info({ user: userId });
        const user = (result.user ?? {}) as { is_admin?: boolean; is_owner?: boolean; is_primary_owner?: boolean };
        return Boolean(user.is_admin || user.is_owner || user.is_primary_owner);
      } catch (error) {
        this.#logger({ level: 'warn', context: 'slack', message: 'users.info failed; treating the user as not an admin', details: { userId, error } });
        return false;
      }
    });
  }

  /**
   * Name and privacy of a channel. A channel the app cannot look at (conversations.info fails) is
   * treated as private, so a link shared there is never shown to people outside it.
   */
  async channel(channelId: string): Promise<ChannelInfo> {
    return this.#channels.getOrLoad(channelId, this.#ttls.channelMs, async () => {
      try {
        const result = await this.#client.conversations.info({ channel: channelId });
        const channel = result.channel ?? {};
        return {
          id: channelId,
          name: channel.name ?? null,
          private: Boolean(channel.is_private || channel.is_im || channel.is_mpim || channel.is_group),
        };
      } catch (error) {
        this.#logger({ level: 'warn', context: 'slack', message: 'conversations.info failed; treating the channel as private', details: { channelId, error } });
        return { id: channelId, name: null, private: true };
      }
    });
  }

  /**
   * Whether the app can post in the conversation: a member of the channel (conversations.info's
   * is_member), or a DM with the app. The manifest has chat:write but not chat:write.public, so
   * anywhere else a post fails with not_in_channel. Asked each time, not cached: someone refused
   * here invites the app and tries again at once. A private channel or a DM between others is not
   * visible to the app at all (channel_not_found): not a member either. Other failures are thrown.
   */
  async appIsMember(channelId: string): Promise<boolean> {
    try {
      const result = await this.#client.conversations.info({ channel: channelId });
      const channel = (result.channel ?? {}) as { is_member?: boolean; is_im?: boolean; is_mpim?: boolean; is_private?: boolean; is_group?: boolean };
      if (channel.is_im) return true;
      // Slack answers for a group DM or private channel only to its members; is_member is there for every channel.
      return channel.is_member ?? Boolean(channel.is_mpim || channel.is_private || channel.is_group);
    } catch (error) {
      if (['channel_not_found', 'not_in_channel'].includes(slackErrorCode(error) ?? '')) return false;
      throw error;
    }
  }

  /** Remembers what an event already told us, saving a conversations.info call. */
  rememberChannel(info: ChannelInfo): void {
    if (!this.#channels.has(info.id)) this.#channels.set(info.id, info, this.#ttls.channelMs);
  }

  /**
   * Channels the user is a member of (users.conversations, every page). On failure only `alsoReadable`
   * (the channel the user is typing in) counts, which hides more rather than less. On Enterprise Grid
   * the team is named: an org-wide install's token spans every team of the org, and Slack refuses
   * users.conversations from it without `team_id`.
   */
  async readableChannels(userId: string, alsoReadable: string[] = [], grid: { teamId: string; enterpriseId?: string | null } | null = null): Promise<string[]> {
    const teamId = grid?.enterpriseId ? grid.teamId : null;
    const member = await this.#memberships.getOrLoad(teamId ? `${teamId}:${userId}` : userId, this.#ttls.membershipMs, async () => {
      const ids: string[] = [];
      try {
        let cursor: string | undefined;
        do {
          const page = await this.#client.users.conversations({
            user: userId,
            types: 'public_channel,private_channel,mpim,im',
            exclude_archived: false,
            limit: 999,
            ...(teamId ? { team_id: teamId } : {}),
            ...(cursor ? { cursor } : {}),
          });
          for (const channel of page.channels ?? []) if (channel.id) ids.push(channel.id);
          cursor = page.response_metadata?.next_cursor || undefined;
        } while (cursor);
      } catch (error) {
        this.#logger({ level: 'warn', context: 'slack', message: 'users.conversations failed; showing only public links and this channel', details: { userId, error } });
      }
      return ids;
    });
    return [...new Set([...member, ...alsoReadable])];
  }

  /** The conversations `userId` can read in a linksnap workspace (`slack:T…` or `slack:E…:T…`), plus the one they are in. */
  async viewerIn(workspaceId: string, userId: string, channelId: string | null): Promise<Viewer> {
    return { channelIds: await this.readableChannels(userId, channelId ? [channelId] : [], slackTeamOf(workspaceId)) };
  }
}

class TtlCache<T> {
  readonly #entries = new Map<string, { value: Promise<T>; expiresAt: number }>();

  has(key: string): boolean {
    const entry = this.#entries.get(key);
    return entry !== undefined && entry.expiresAt > Date.now();
  }

  set(key: string, value: T, ttlMs: number): void {
    this.#entries.set(key, { value: Promise.resolve(value), expiresAt: Date.now() + ttlMs });
  }

  /** Concurrent callers share one load, so a burst of commands makes one API call. */
  getOrLoad(key: string, ttlMs: number, load: () => Promise<T>): Promise<T> {
    const entry = this.#entries.get(key);
    if (entry && entry.expiresAt > Date.now()) return entry.value;
    if (this.#entries.size > 5_000) this.#entries.clear();
    const value = load();
    this.#entries.set(key, { value, expiresAt: Date.now() + ttlMs });
    return value;
  }
}
