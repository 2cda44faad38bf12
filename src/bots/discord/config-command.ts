// /snapconfig: per-server settings (auto-capture, dead-link alerts, this channel's digest,
// retention), limited to members with Manage Server. Without options it shows the current settings.
import { MessageFlags, PermissionFlagsBits, type ChatInputCommandInteraction } from 'discord.js';
import { errorMessage } from '../../core/chat/present.js';
import { channelPatch, curationPatch, describeCuration, describeSettings as describeCoreSettings, type CurationChange } from '../../core/chat/settings.js';
import { t } from '../../core/i18n.js';
import type { WorkspaceSettings } from '../../core/types.js';
import type { BotContext } from './context.js';
import { dt } from './messages.js';
import { workspaceFor } from './visibility.js';

export async function handleSnapConfig(ctx: BotContext, interaction: ChatInputCommandInteraction): Promise<void> {
  const locale = interaction.locale;
  if (!interaction.guildId) {
    await interaction.reply({ content: dt(locale, 'config.guildOnly'), flags: MessageFlags.Ephemeral });
    return;
  }
  // Discord hides the command from members without the permission, but server admins can
  // override that per role, so it is checked here too.
  if (!interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild)) {
    await interaction.reply({ content: dt(locale, 'config.denied'), flags: MessageFlags.Ephemeral });
    return;
  }
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const workspaceId = workspaceFor(interaction, interaction.user).id;
  try {
    const current = await ctx.service.getSettings(workspaceId);
    const patch = settingsPatch(interaction, current);
    if (patch === 'channel-needed') {
      await interaction.editReply({ content: dt(locale, 'config.channelNeeded') });
      return;
    }
    // Throws InvalidInputError (shown as the reply) for a retention value that is not one.
    Object.assign(patch, curationPatch(current, curationChange(interaction)));
    const settings = Object.keys(patch).length ? await ctx.service.updateSettings(workspaceId, patch) : current;
    if (Object.keys(patch).length) {
      ctx.logger({ level: 'info', context: 'discord', message: 'Server settings changed', details: { workspace: workspaceId, patch, userId: interaction.user.id } });
    }
    const lines = [Object.keys(patch).length ? t(locale, 'config.saved') : '', describeSettings(settings, locale), describeCuration(settings, locale, interaction.channelId)].filter(Boolean);
    await interaction.editReply({ content: lines.join('\n'), allowedMentions: { parse: [] } });
  } catch (error) {
    await interaction.editReply({ content: errorMessage(locale, error) });
  }
}

function settingsPatch(interaction: ChatInputCommandInteraction, current: WorkspaceSettings): Partial<WorkspaceSettings> | 'channel-needed' {
  const o = interaction.options;
  const patch: Partial<WorkspaceSettings> = {};
  const auto = o.getBoolean('auto_capture');
  if (auto !== null) patch.autoCapture = auto;
  const capture = o.getString('capture');
  if (capture === 'off') patch.autoCapture = false;
  else if (capture === 'auto' || capture === 'reaction') Object.assign(patch, { autoCapture: true, captureTrigger: capture });
  const emoji = o.getString('capture_emoji')?.trim();
  if (emoji) patch.captureEmoji = emoji.replace(/^<a?:(\w+):\d+>$/, '$1');
  const thread = o.getBoolean('reply_in_thread');
  if (thread !== null) patch.replyInThread = thread;
  const forget = o.getBoolean('forget_on_delete');
  if (forget !== null) patch.forgetOnDelete = forget;
  const explain = o.getBoolean('explain_failures');
  if (explain !== null) patch.explainFailures = explain;
  const repost = o.getString('on_repost');
  if (repost === 'reaction' || repost === 'reply' || repost === 'off') patch.duplicateNotice = repost;
  const language = o.getString('language');
  if (language) patch.locale = language === 'default' ? null : language;
  const mode = o.getString('channel_mode');
  const channel = o.getChannel('channel');
  if (mode === 'all') {
    Object.assign(patch, channelPatch(current, { kind: 'all' }));
  } else if (mode === 'include' || mode === 'exclude' || channel) {
    if (!channel) return 'channel-needed';
    Object.assign(patch, channelPatch(current, { kind: mode === 'exclude' ? 'exclude' : 'include', channelIds: [channel.id] }));
  }
  return patch;
}

/**
 * rot_alerts for the server; digest for the channel the command is used in; keep_versions a whole
 * number of at least 1 or "all"; drop_fullpage_after a whole number of days or "never".
 */
function curationChange(interaction: ChatInputCommandInteraction): CurationChange {
  const o = interaction.options;
  const change: CurationChange = {};
  const rot = o.getString('rot_alerts');
  if (rot === 'thread' || rot === 'channel' || rot === 'off') change.rotAlerts = rot;
  const digest = o.getString('digest');
  if (digest === 'daily' || digest === 'weekly' || digest === 'off') change.digest = { channelId: interaction.channelId, period: digest };
  const keep = o.getString('keep_versions')?.trim().toLowerCase();
  if (keep) change.keepVersions = keep === 'all' ? 'all' : wholeNumber(keep);
  const drop = o.getString('drop_fullpage_after')?.trim().toLowerCase();
  if (drop) change.dropFullPageAfterDays = drop === 'never' ? 'never' : wholeNumber(drop);
  return change;
}

/** NaN for anything but digits, so curationPatch refuses it with the accepted values. */
function wholeNumber(text: string): number {
  return /^\d+$/.test(text) ? Number(text) : Number.NaN;
}

export function describeSettings(settings: WorkspaceSettings, locale: string): string {
  return describeCoreSettings(settings, locale, (id) => `<#${id}>`);
}
