// /tags, /retag and /forget. Changing or deleting a link is allowed to whoever shared it first and to
// members with Manage Messages; in a DM the user owns the whole workspace.
import { GuildMember, MessageFlags, PermissionFlagsBits, type ChatInputCommandInteraction } from 'discord.js';
import { errorMessage } from '../../core/chat/present.js';
import { t } from '../../core/i18n.js';
import { parseTagList } from '../../core/tags.js';
import type { Link, Share, Viewer } from '../../core/types.js';
import { normalizeUrl } from '../../core/url.js';
import type { BotContext } from './context.js';
import { dt } from './messages.js';
import { tagsReply } from './render.js';
import { viewerFor, workspaceFor } from './visibility.js';

export async function handleTags(ctx: BotContext, interaction: ChatInputCommandInteraction): Promise<void> {
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const member = interaction.member instanceof GuildMember ? interaction.member : null;
  try {
    const tags = await ctx.service.listTags(workspaceFor(interaction, interaction.user).id, await viewerFor(interaction, member));
    await interaction.editReply(tagsReply(tags, interaction.locale));
  } catch (error) {
    await interaction.editReply({ content: errorMessage(interaction.locale, error) });
  }
}

export async function handleRetag(ctx: BotContext, interaction: ChatInputCommandInteraction): Promise<void> {
  await manageLink(ctx, interaction, async (workspaceId, link) => {
    const updated = await ctx.service.setTags(workspaceId, link.id, parseTagList(interaction.options.getString('tags')));
    return t(interaction.locale, 'retag.done', { url: updated.url, tags: updated.tags.length ? updated.tags.map((tag) => `#${tag}`).join(' ') : '—' });
  });
}

export async function handleForget(ctx: BotContext, interaction: ChatInputCommandInteraction): Promise<void> {
  await manageLink(ctx, interaction, async (workspaceId, link) => {
    await ctx.service.forgetLink(workspaceId, link.id);
    return t(interaction.locale, 'forget.done', { url: link.url });
  });
}

async function manageLink(
  ctx: BotContext,
  interaction: ChatInputCommandInteraction,
  change: (workspaceId: string, link: Link) => Promise<string>,
): Promise<void> {
  const locale = interaction.locale;
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  try {
    const workspaceId = workspaceFor(interaction, interaction.user).id;
    const member = interaction.member instanceof GuildMember ? interaction.member : null;
    const url = normalizeUrl(interaction.options.getString('url', true));
    const link = await ctx.service.findLinkByUrl(workspaceId, url);
    const shares = link ? await ctx.service.listShares(workspaceId, link.id) : [];
    // Someone who cannot read any channel the link was shared in is told it does not exist.
    if (!link || !canSee(await viewerFor(interaction, member), shares)) {
      await interaction.editReply({ content: dt(locale, 'link.notFound', { url }) });
      return;
    }
    const isSharer = shares[0]?.userId === interaction.user.id;
    const canModerate = interaction.memberPermissions?.has(PermissionFlagsBits.ManageMessages) ?? false;
    if (interaction.guildId && !isSharer && !canModerate) {
      await interaction.editReply({ content: t(locale, 'perm.denied') });
      return;
    }
    const content = await change(workspaceId, link);
    ctx.logger({ level: 'info', context: 'discord', message: `/${interaction.commandName} changed a link`, details: { workspace: workspaceId, linkId: link.id, userId: interaction.user.id } });
    await interaction.editReply({ content });
  } catch (error) {
    await interaction.editReply({ content: errorMessage(locale, error) });
  }
}

/** The same rule as search (storage/visibility.ts): a share outside private channels, or one the viewer can read. */
export function canSee(viewer: Viewer | null, shares: Share[]): boolean {
  if (!viewer) return true;
  return shares.some((share) => !share.channelPrivate || (share.channelId !== null && viewer.channelIds.includes(share.channelId)));
}
