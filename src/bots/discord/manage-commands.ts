// /tags, /retag and /forget. Changing or deleting a link is allowed to whoever shared it first and to
// members with Manage Messages; in a DM the user owns the whole workspace.
import { GuildMember, MessageFlags, PermissionFlagsBits, type ChatInputCommandInteraction } from 'discord.js';
import { errorMessage } from '../../core/chat/present.js';
import { t } from '../../core/i18n.js';
import type { SnapService } from '../../core/service-api.js';
import { parseTagList } from '../../core/tags.js';
import type { Link, Viewer } from '../../core/types.js';
import { normalizeUrl } from '../../core/url.js';
import type { BotContext } from './context.js';
import { dt } from './messages.js';
import { tagsReply } from './render.js';
import { viewerFor, workspaceFor } from './visibility.js';

export async function handleTags(ctx: BotContext, interaction: ChatInputCommandInteraction): Promise<void> {
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const member = interaction.member instanceof GuildMember ? interaction.member : null;
  try {
    const tags = await ctx.service.listTags(workspaceFor(interaction.guild, interaction.user).id, viewerFor(interaction.guild, member));
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
    const workspaceId = workspaceFor(interaction.guild, interaction.user).id;
    const member = interaction.member instanceof GuildMember ? interaction.member : null;
    const url = normalizeUrl(interaction.options.getString('url', true));
    const link = await findLinkByUrl(ctx.service, workspaceId, url, viewerFor(interaction.guild, member));
    if (!link) {
      await interaction.editReply({ content: dt(locale, 'link.notFound', { url }) });
      return;
    }
    const shares = await ctx.service.listShares(workspaceId, link.id);
    const isSharer = shares[0]?.userId === interaction.user.id;
    const canModerate = interaction.memberPermissions?.has(PermissionFlagsBits.ManageMessages) ?? false;
    if (interaction.guild && !isSharer && !canModerate) {
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

/**
 * The service has no lookup by address, so the link is found through full-text search over its
 * URL (trigram substrings) and then matched exactly. The viewer keeps private channels' links out.
 */
export async function findLinkByUrl(service: SnapService, workspaceId: string, url: string, viewer: Viewer | null): Promise<Link | null> {
  let cursor: string | null = null;
  for (let page = 0; page < 10; page += 1) {
    const result = await service.find({ workspaceId, text: url.slice(0, 500), viewer, limit: 50, cursor });
    const hit = result.items.find((item) => item.link.url === url);
    if (hit) return hit.link;
    if (!result.nextCursor) return null;
    cursor = result.nextCursor;
  }
  return null;
}
