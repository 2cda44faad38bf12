// /tags, /retag and /forget. Who may change or delete a link is the core's rule (core/chat/manage.ts):
// whoever shared it first, or a member with Manage Messages in every channel it was shared in.
import { GuildMember, MessageFlags, PermissionFlagsBits, type ChatInputCommandInteraction } from 'discord.js';
import { mayChangeLink } from '../../core/chat/manage.js';
import { errorMessage } from '../../core/chat/present.js';
import { t } from '../../core/i18n.js';
import { parseTagList } from '../../core/tags.js';
import type { Link, TagsAt } from '../../core/types.js';
import { normalizeUrl } from '../../core/url.js';
import type { BotContext } from './context.js';
import { dt } from './messages.js';
import { tagsReply } from './render.js';
import { isChannelPrivate, viewerFor, workspaceFor } from './visibility.js';

export async function handleTags(ctx: BotContext, interaction: ChatInputCommandInteraction): Promise<void> {
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const member = interaction.member instanceof GuildMember ? interaction.member : null;
  try {
    const tags = await ctx.service.listTags(workspaceFor(interaction, interaction.user).id, await viewerFor(interaction, member));
    await interaction.editReply({ ...tagsReply(tags, interaction.locale), files: [] });
  } catch (error) {
    await interaction.editReply({ content: errorMessage(interaction.locale, error) });
  }
}

export async function handleRetag(ctx: BotContext, interaction: ChatInputCommandInteraction): Promise<void> {
  await manageLink(ctx, interaction, async (workspaceId, link, at) => {
    const updated = await ctx.service.setTags(workspaceId, link.id, parseTagList(interaction.options.getString('tags')), at);
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
  change: (workspaceId: string, link: Link, at: TagsAt) => Promise<string>,
): Promise<void> {
  const locale = interaction.locale;
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  try {
    const workspaceId = workspaceFor(interaction, interaction.user).id;
    const member = interaction.member instanceof GuildMember ? interaction.member : null;
    const url = normalizeUrl(interaction.options.getString('url', true));
    const link = await ctx.service.findLinkByUrl(workspaceId, url);
    const shares = link ? await ctx.service.listShares(workspaceId, link.id) : [];
    const viewer = await viewerFor(interaction, member);
    const decision = await mayChangeLink(shares, {
      userId: interaction.user.id,
      personal: !interaction.guildId,
      viewer,
      // Manage Messages counts in the channel the link was shared in, not where the command is typed.
      moderates: (channelId) => {
        const channel = channelId ? interaction.guild?.channels.cache.get(channelId) : null;
        if (!member) return false;
        if (!channel) return member.permissions.has(PermissionFlagsBits.ManageGuild);
        return channel.permissionsFor(member)?.has(PermissionFlagsBits.ManageMessages) ?? false;
      },
    });
    if (!link || decision === 'not-found') {
      await interaction.editReply({ content: dt(locale, 'link.notFound', { url }) });
      return;
    }
    if (decision === 'denied') {
      await interaction.editReply({ content: dt(locale, 'perm.denied') });
      return;
    }
    const content = await change(workspaceId, link, { place: { channelId: interaction.channelId, private: isChannelPrivate(interaction.channel) }, viewer });
    ctx.logger({ level: 'info', context: 'discord', message: `/${interaction.commandName} changed a link`, details: { workspace: workspaceId, linkId: link.id, userId: interaction.user.id } });
    await interaction.editReply({ content });
  } catch (error) {
    await interaction.editReply({ content: errorMessage(locale, error) });
  }
}
