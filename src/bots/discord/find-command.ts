// /find tag:<tag> text:<…>: results newest first, a page at a time, with Previous / Next buttons that
// only the asker can press (the pager keeps the query and who owns it). Ephemeral unless asked; when
// posted to the channel, only links everyone there may see.
import { GuildMember, MessageFlags, type ButtonInteraction, type ChatInputCommandInteraction } from 'discord.js';
import { commandBudgetRefusal } from '../../core/chat/fair-use.js';
import { shortSearchHint } from '../../core/chat/find-rules.js';
import { errorMessage } from '../../core/chat/present.js';
import { ForbiddenError, NotFoundError } from '../../core/errors.js';
import { t } from '../../core/i18n.js';
import { parseTagList } from '../../core/tags.js';
import type { BotContext } from './context.js';
import { loadFiles } from './delivery.js';
import { dt } from './messages.js';
import { findReply, parseFindButton } from './render.js';
import { channelAudienceViewer, viewerFor, workspaceFor } from './visibility.js';

export async function handleFind(ctx: BotContext, interaction: ChatInputCommandInteraction): Promise<void> {
  const locale = interaction.locale;
  const isPublic = interaction.options.getBoolean('public') ?? false;
  const tags = parseTagList(interaction.options.getString('tag'));
  const text = interaction.options.getString('text')?.trim() || undefined;
  const dead = interaction.options.getBoolean('dead') ?? false;
  if (tags.length === 0 && !text && !dead) {
    await interaction.reply({ content: dt(locale, 'find.usage'), flags: MessageFlags.Ephemeral });
    return;
  }
  const workspaceId = workspaceFor(interaction, interaction.user).id;
  const refusal =
    shortSearchHint(locale, { tags, text }) ?? (dead && text ? await deadWithTextRefusal(ctx, workspaceId, text, locale) : null) ?? commandBudgetRefusal(ctx.chat.fairUse, 'find', workspaceId, interaction.user.id, locale);
  if (refusal) {
    await interaction.reply({ content: refusal, flags: MessageFlags.Ephemeral });
    return;
  }
  await interaction.deferReply(isPublic ? {} : { flags: MessageFlags.Ephemeral });
  const member = interaction.member instanceof GuildMember ? interaction.member : null;
  const queryText = describeQuery({ tags, text, dead }, locale);
  try {
    const page = await ctx.pager.start(
      {
        workspaceId,
        tags: tags.length ? tags : undefined,
        text,
        ...(dead ? { dead: true } : {}),
        // Posted results are read by the whole channel, so they are limited to what it may see.
        viewer: isPublic ? channelAudienceViewer(interaction) : await viewerFor(interaction, member),
      },
      interaction.user.id,
    );
    const body = findReply(page, { locale, queryText, viewUrl: ctx.snapshotUrl });
    await interaction.editReply({ ...body, files: await loadFiles(ctx.service, body), allowedMentions: { parse: [] } });
  } catch (error) {
    await interaction.editReply({ content: errorMessage(locale, error), embeds: [], components: [] });
  }
}

/** Previous / Next on a /find page. */
export async function handleFindButton(ctx: BotContext, interaction: ButtonInteraction): Promise<void> {
  const locale = interaction.locale;
  const parsed = parseFindButton(interaction.customId);
  if (!parsed) return;
  try {
    const page = await ctx.pager.page(parsed.sessionId, parsed.index, interaction.user.id);
    const queryText = describeQuery({ tags: page.query.tags ?? [], text: page.query.text, dead: page.query.dead ?? false }, locale);
    const body = findReply(page, { locale, queryText, viewUrl: ctx.snapshotUrl });
    await interaction.update({ ...body, files: await loadFiles(ctx.service, body), attachments: [], allowedMentions: { parse: [] } });
  } catch (error) {
    const content =
      error instanceof ForbiddenError ? t(locale, 'find.notYours') : error instanceof NotFoundError ? t(locale, 'find.expired') : errorMessage(locale, error);
    await interaction.reply({ content, flags: MessageFlags.Ephemeral });
  }
}

function describeQuery(query: { tags: string[]; text?: string | null; dead: boolean }, locale: string): string {
  return [query.dead ? dt(locale, 'find.deadQuery') : '', ...query.tags.map((tag) => `#${tag}`), query.text ? `"${query.text}"` : ''].filter(Boolean).join(' ');
}

/**
 * The service's own refusal of a dead-link search with text, told to the asker alone before the
 * reply is deferred (perhaps in public). find() refuses it before running any query.
 */
async function deadWithTextRefusal(ctx: BotContext, workspaceId: string, text: string, locale: string): Promise<string | null> {
  try {
    await ctx.service.find({ workspaceId, text, dead: true, limit: 1 });
    return null;
  } catch (error) {
    return errorMessage(locale, error);
  }
}
