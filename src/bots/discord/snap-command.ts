// /snap url:<url> tags:<…>: acknowledged at once (Discord allows 3 s), then the deferred reply is
// edited as the capture progresses. The rate limit is checked before deferring so a flood gets a
// private, immediate answer and never reaches the capture queue.
import { GuildMember, MessageFlags, type ChatInputCommandInteraction } from 'discord.js';
import { errorMessage } from '../../core/chat/present.js';
import { commandBudgetRefusal } from '../../core/chat/fair-use.js';
import { parseTagList } from '../../core/tags.js';
import type { BotContext } from './context.js';
import type { InteractionTarget } from './reply-target.js';
import { sourceFor, workspaceFor } from './visibility.js';

export async function handleSnap(ctx: BotContext, interaction: ChatInputCommandInteraction): Promise<void> {
  const locale = interaction.locale;
  const workspace = workspaceFor(interaction, interaction.user);
  const refusal = commandBudgetRefusal(ctx.chat.fairUse, 'snap', workspace.id, interaction.user.id, locale);
  if (refusal) {
    await interaction.reply({ content: refusal, flags: MessageFlags.Ephemeral });
    ctx.logger({ level: 'info', context: 'discord', message: 'Refused /snap over its budget', details: { userId: interaction.user.id, workspace: workspace.id } });
    return;
  }
  await interaction.deferReply();

  const url = interaction.options.getString('url', true);
  const tags = parseTagList(interaction.options.getString('tags'));
  const target: InteractionTarget = {
    kind: 'interaction',
    applicationId: interaction.applicationId,
    token: interaction.token,
    channelId: interaction.channelId,
    locale,
  };
  const member = interaction.member instanceof GuildMember ? interaction.member : null;
  try {
    const accepted = await ctx.service.snap({
      url,
      tags,
      workspace,
      requester: { id: interaction.user.id, name: member?.displayName ?? interaction.user.username },
      source: {
        platform: 'discord',
        ...sourceFor(interaction.channel, interaction.channelId),
        messageId: null,
        auto: false,
        replyTo: target,
      },
    });
    ctx.logger({
      level: 'info',
      context: 'discord',
      message: accepted.deduplicated ? '/snap reused a recent snapshot' : '/snap queued a capture',
      details: { snapshotId: accepted.snapshot.id, url: accepted.link.url, workspace: accepted.link.workspaceId },
    });
    // The service sends this share's progress (and, for a reused snapshot, its result) right
    // after snap() returns; ShareReplies edits the deferred reply from there.
  } catch (error) {
    ctx.logger({ level: 'info', context: 'discord', message: '/snap refused', details: { url, error } });
    await interaction.editReply({ content: errorMessage(locale, error), embeds: [], components: [] });
  }
}
