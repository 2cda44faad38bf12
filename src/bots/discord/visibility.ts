// Who can see what: the workspace a Discord event belongs to, whether a channel is private, and
// which channels a member can read. Channels are judged by discord.js from the cached roles and
// permission overwrites that GUILD_CREATE delivered; only private threads need a REST call, because
// their membership is not in the cache without the privileged Guild Members intent.
import { ChannelType, PermissionFlagsBits, type Channel, type Guild, type GuildMember, type ThreadChannel, type User } from 'discord.js';
import type { SourceRef, Viewer, WorkspaceRef } from '../../core/types.js';
import { channelAudience } from '../../core/visibility.js';

/** Where an event happened: interactions and messages both carry these. */
export interface EventPlace {
  guildId: string | null;
  guild: Guild | null;
}

/**
 * Workspace = guild, keyed on the guild id alone: an interaction from a guild the bot has not
 * cached (or joined with applications.commands only) has no `guild` object but is still that
 * guild's, not the user's DM workspace.
 */
export function workspaceFor(place: EventPlace, user: User): WorkspaceRef {
  if (place.guildId) return { id: `discord:${place.guildId}`, platform: 'discord', ...(place.guild ? { name: place.guild.name } : {}) };
  return { id: `discord:dm:${user.id}`, platform: 'discord', name: user.username };
}

/**
 * True when not every member of the server can read the channel: @everyone lacks View Channel, or
 * it is a private thread, a DM or a group DM.
 */
export function isChannelPrivate(channel: Channel | null): boolean {
  if (!channel || channel.isDMBased()) return true;
  if (channel.isThread() && channel.type === ChannelType.PrivateThread) return true;
  const governing = channel.isThread() ? channel.parent : channel;
  if (!governing || !('permissionsFor' in governing)) return true;
  const everyone = governing.guild.roles.everyone;
  return !governing.permissionsFor(everyone).has(PermissionFlagsBits.ViewChannel);
}

/** Source fields shared by /snap and auto-capture. */
export function sourceFor(channel: Channel | null, channelId: string): Pick<SourceRef, 'channelId' | 'channelName' | 'channelPrivate'> {
  return {
    channelId,
    channelName: channel && 'name' in channel && channel.name ? channel.name : null,
    channelPrivate: isChannelPrivate(channel),
  };
}

/**
 * The channels (and cached threads) of a guild the member can view; null (no restriction) only in a
 * DM, where the user is the whole workspace. A guild that is not cached cannot be judged, so the
 * member sees public links and those shared in the channel they are asking from.
 */
export async function viewerFor(place: EventPlace & { channelId: string | null }, member: GuildMember | null): Promise<Viewer | null> {
  if (!place.guildId) return null;
  if (!place.guild || !member) return { channelIds: place.channelId ? [place.channelId] : [] };
  const channelIds: string[] = [];
  const privateThreads: ThreadChannel[] = [];
  for (const channel of place.guild.channels.cache.values()) {
    // For a thread discord.js answers with the parent's permissions, which is right for public
    // threads but not for private ones: those also need membership or Manage Threads.
    if (!channel.permissionsFor(member)?.has(PermissionFlagsBits.ViewChannel)) continue;
    if (channel.type === ChannelType.PrivateThread) privateThreads.push(channel);
    else channelIds.push(channel.id);
  }
  const admitted = await Promise.all(privateThreads.map((thread) => canReadPrivateThread(thread, member)));
  privateThreads.forEach((thread, index) => admitted[index] && channelIds.push(thread.id));
  return { channelIds };
}

/**
 * A private thread is readable by its members and by whoever may manage threads in the parent.
 * Membership is asked of Discord each time (GET /channels/{id}/thread-members/{user}): without the
 * Guild Members intent the gateway does not tell the bot when others join or leave, so a cached
 * answer could keep a removed member reading. Any failure counts as "not a member".
 */
async function canReadPrivateThread(thread: ThreadChannel, member: GuildMember): Promise<boolean> {
  if (thread.parent?.permissionsFor(member)?.has(PermissionFlagsBits.ManageThreads)) return true;
  try {
    await thread.members.fetch({ member: member.id, force: true, cache: false });
    return true;
  } catch {
    return false;
  }
}

/**
 * What everyone in the channel can see, for results posted into it: links with a share outside
 * private channels, plus links shared in this very channel. Nobody's private channels leak in.
 */
export function channelAudienceViewer(place: EventPlace & { channelId: string | null }): Viewer | null {
  if (!place.guildId) return null;
  return channelAudience(place.channelId);
}

/** The channel that governs auto-capture settings: a thread follows its parent channel. */
export function settingsChannelId(channel: Channel): string {
  return channel.isThread() && channel.parentId ? channel.parentId : channel.id;
}
