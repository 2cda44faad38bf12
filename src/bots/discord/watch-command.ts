// /watch url:<url> every:<hourly|daily|weekly|cron>, /unwatch url:<url> and /watches: the core's
// handlers (core/chat/watch-commands.ts) with this channel as the place. A watch set here is
// announced in the channel so everyone knows changes will be posted; a refusal is told to the
// asker only. A DM with the bot is a place too: its watches post into the DM.
import { GuildMember, MessageFlags, PermissionFlagsBits, type ChatInputCommandInteraction } from 'discord.js';
import { truncateText } from '../../core/chat/present.js';
import { unwatchCommand, watchCommand, watchesCommand, type WatchPlace } from '../../core/chat/watch-commands.js';
import type { BotContext } from './context.js';
import { dt } from './messages.js';
import { isChannelPrivate, workspaceFor } from './visibility.js';

/** Discord drops an interaction not answered within 3 s; past this, the answer is deferred. */
const AnswerWithinMs = 2_000;

function placeOf(interaction: ChatInputCommandInteraction): WatchPlace {
  const channel = interaction.channel;
  return {
    workspace: workspaceFor(interaction, interaction.user),
    channelId: interaction.channelId,
    channelName: channel && 'name' in channel && channel.name ? channel.name : null,
    private: isChannelPrivate(channel),
  };
}

export async function handleWatch(ctx: BotContext, interaction: ChatInputCommandInteraction): Promise<void> {
  const locale = interaction.locale;
  const cannot = cannotPostHere(interaction);
  if (cannot) {
    await interaction.reply({ content: cannot, flags: MessageFlags.Ephemeral });
    return;
  }
  const member = interaction.member instanceof GuildMember ? interaction.member : null;
  const work = watchCommand(ctx.service, {
    place: placeOf(interaction),
    requester: { id: interaction.user.id, name: member?.displayName ?? interaction.user.username },
    url: interaction.options.getString('url', true),
    every: interaction.options.getString('every', true).trim(),
    locale,
  });
  const result = await answer(interaction, work);
  ctx.logger({
    level: 'info',
    context: 'discord',
    message: result.ok ? '/watch set a watch' : '/watch refused',
    details: { workspace: placeOf(interaction).workspace.id, channelId: interaction.channelId, watchId: result.watch?.id ?? null, userId: interaction.user.id },
  });
}

export async function handleUnwatch(ctx: BotContext, interaction: ChatInputCommandInteraction): Promise<void> {
  const result = await answer(interaction, unwatchCommand(ctx.service, { place: placeOf(interaction), url: interaction.options.getString('url', true), locale: interaction.locale }));
  if (result.ok) {
    ctx.logger({ level: 'info', context: 'discord', message: '/unwatch removed a watch', details: { workspace: result.watch?.workspaceId, watchId: result.watch?.id, userId: interaction.user.id } });
  }
}

/** Only the asker needs the list. */
export async function handleWatches(ctx: BotContext, interaction: ChatInputCommandInteraction): Promise<void> {
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const result = await watchesCommand(ctx.service, { place: placeOf(interaction), locale: interaction.locale });
  await interaction.editReply({ content: truncateMessage(result.text), allowedMentions: { parse: [] } });
}

/**
 * Replies in the channel when the command worked and to the asker alone when it was refused. The
 * outcome decides which, so the reply waits for it, but not past Discord's deadline: a slow
 * answer is deferred in the channel, and a refusal then replaces it with a private one.
 */
async function answer<R extends { text: string; ok: boolean }>(interaction: ChatInputCommandInteraction, work: Promise<R>): Promise<R> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), AnswerWithinMs);
  });
  const first = await Promise.race([work, late]);
  clearTimeout(timer);
  if (first !== 'late') {
    await interaction.reply({ content: truncateMessage(first.text), allowedMentions: { parse: [] }, ...(first.ok ? {} : { flags: MessageFlags.Ephemeral }) });
    return first;
  }
  await interaction.deferReply();
  const result = await work;
  if (result.ok) {
    await interaction.editReply({ content: truncateMessage(result.text), allowedMentions: { parse: [] } });
  } else {
    await interaction.deleteReply();
    await interaction.followUp({ content: truncateMessage(result.text), flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  }
  return result;
}

/**
 * Why changes could not be posted where the command was used, or null. A server that installed
 * only the commands (the bot is not a member) and a channel the bot may not write in would take
 * the watch and then fail every post.
 */
function cannotPostHere(interaction: ChatInputCommandInteraction): string | null {
  if (!interaction.guildId) return null;
  if (!interaction.guild) return dt(interaction.locale, 'watch.botAbsent');
  const send = interaction.channel?.isThread() ? PermissionFlagsBits.SendMessagesInThreads : PermissionFlagsBits.SendMessages;
  return interaction.appPermissions.has([PermissionFlagsBits.ViewChannel, send]) ? null : dt(interaction.locale, 'watch.cannotPost');
}

/** Discord's limit on a message's content. */
function truncateMessage(text: string): string {
  return truncateText(text, 2000);
}
