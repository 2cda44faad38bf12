// Who can see what: the workspace a Discord event belongs to, whether a channel is private, and
// which channels a member can read. Computed by discord.js from the cached roles and permission
// overwrites that GUILD_CREATE delivered, so no extra REST call sits on the interaction's 3 s deadline.
import { PermissionFlagsBits, type Channel, type Guild, type GuildMember, type User } from 'discord.js';
import type { SourceRef, Viewer, WorkspaceRef } from '../../core/types.js';

export function workspaceFor(guild: Guild | null, user: User): WorkspaceRef {
  return guild
    ? { id: `discord:${guild.id}`, platform: 'discord', name: guild.name }
    : { id: `discord:dm:${user.id}`, platform: 'discord', name: user.username };
}

/**
 * True when not every member of the server can read the channel: @everyone lacks View Channel, or
 * it is a private thread, a DM or a group DM.
 */
export function isChannelPrivate(channel: Channel | null): boolean {
  if (!channel || channel.isDMBased()) return true;
  if (channel.isThread() && channel.type === 12 /* PrivateThread */) return true;
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
 * The channels (and cached threads) of a guild the member can view. In a DM the user is the whole
 * workspace, so there is nothing to restrict.
 */
export function viewerFor(guild: Guild | null, member: GuildMember | null): Viewer | null {
  if (!guild) return null;
  if (!member) return { channelIds: [] };
  const channelIds: string[] = [];
  for (const channel of guild.channels.cache.values()) {
    if (channel.permissionsFor(member)?.has(PermissionFlagsBits.ViewChannel)) channelIds.push(channel.id);
  }
  return { channelIds };
}

/** The channel that governs auto-capture settings: a thread follows its parent channel. */
export function settingsChannelId(channel: Channel): string {
  return channel.isThread() && channel.parentId ? channel.parentId : channel.id;
}
