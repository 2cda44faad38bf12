// The slash commands the bot registers, with Simplified Chinese names shown to zh-CN clients.
// Registered guild-scoped when DISCORD_GUILD_ID is set (instant, for development), global otherwise.
import {
  ChannelType,
  InteractionContextType,
  PermissionFlagsBits,
  SlashCommandBuilder,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';

const zh = (text: string) => ({ 'zh-CN': text });

export const CommandNames = {
  snap: 'snap',
  find: 'find',
  tags: 'tags',
  retag: 'retag',
  forget: 'forget',
  config: 'snapconfig',
  watch: 'watch',
  unwatch: 'unwatch',
  watches: 'watches',
} as const;

export function commandDefinitions(): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  const everywhere = [InteractionContextType.Guild, InteractionContextType.BotDM];
  return [
    new SlashCommandBuilder()
      .setName(CommandNames.snap)
      .setDescription('Capture a link: screenshot, archive and text, kept for the team')
      .setDescriptionLocalizations(zh('保存链接快照:截图、存档和正文'))
      .setContexts(everywhere)
      .addStringOption((o) =>
        o.setName('url').setDescription('The link to capture').setDescriptionLocalizations(zh('要保存的链接')).setRequired(true).setMaxLength(4096),
      )
      .addStringOption((o) =>
        o.setName('tags').setDescription('Tags, separated by spaces or commas').setDescriptionLocalizations(zh('标签,用空格或逗号分隔')).setMaxLength(500),
      ),
    new SlashCommandBuilder()
      .setName(CommandNames.find)
      .setDescription('Find captured links by tag and text')
      .setDescriptionLocalizations(zh('按标签和文字查找已保存的链接'))
      .setContexts(everywhere)
      .addStringOption((o) => o.setName('tag').setDescription('A tag (or several)').setDescriptionLocalizations(zh('标签(可多个)')).setMaxLength(200))
      .addStringOption((o) => o.setName('text').setDescription('Words in the title, address or page').setDescriptionLocalizations(zh('标题、地址或正文中的文字')).setMaxLength(200))
      .addBooleanOption((o) => o.setName('public').setDescription('Post results in the channel: only links not from private channels, or shared here').setDescriptionLocalizations(zh('在频道中公开结果:仅含非私密频道或本频道分享的链接')))
      .addBooleanOption((o) =>
        o.setName('dead').setDescription('Only links that no longer answer (tags still apply, text does not)').setDescriptionLocalizations(zh('仅列出已失效的链接(可配合标签,不可配合文字)')),
      ),
    // A watch posts into the channel it was set in; a DM with the bot is such a place too (its own workspace).
    new SlashCommandBuilder()
      .setName(CommandNames.watch)
      .setDescription('Capture a link again on a schedule and post here when the page changes')
      .setDescriptionLocalizations(zh('按计划重新保存链接,页面变化时在此通知'))
      .setContexts(everywhere)
      .addStringOption((o) => o.setName('url').setDescription('The link to watch').setDescriptionLocalizations(zh('要监视的链接')).setRequired(true).setMaxLength(4096))
      .addStringOption((o) =>
        o
          .setName('every')
          // Schedules run in the linksnap server's local time (croner), not UTC.
          .setDescription('hourly, daily, weekly, or a cron expression such as "0 9 * * 1" in the server\'s time zone')
          .setDescriptionLocalizations(zh('hourly、daily、weekly,或 cron 表达式,如 "0 9 * * 1"(按服务器所在时区)'))
          .setRequired(true)
          .setMaxLength(100),
      ),
    new SlashCommandBuilder()
      .setName(CommandNames.unwatch)
      .setDescription('Stop watching a link in this channel')
      .setDescriptionLocalizations(zh('停止在本频道监视链接'))
      .setContexts(everywhere)
      .addStringOption((o) => o.setName('url').setDescription('The watched link').setDescriptionLocalizations(zh('被监视的链接')).setRequired(true).setMaxLength(4096)),
    new SlashCommandBuilder()
      .setName(CommandNames.watches)
      .setDescription('The links watched in this channel')
      .setDescriptionLocalizations(zh('本频道监视的链接'))
      .setContexts(everywhere),
    new SlashCommandBuilder()
      .setName(CommandNames.tags)
      .setDescription('The tags used here, with counts')
      .setDescriptionLocalizations(zh('本服务器使用的标签及数量'))
      .setContexts(everywhere),
    new SlashCommandBuilder()
      .setName(CommandNames.retag)
      .setDescription('Replace the tags of a captured link')
      .setDescriptionLocalizations(zh('替换已保存链接的标签'))
      .setContexts(everywhere)
      .addStringOption((o) => o.setName('url').setDescription('The captured link').setDescriptionLocalizations(zh('已保存的链接')).setRequired(true).setMaxLength(4096))
      .addStringOption((o) => o.setName('tags').setDescription('The new tags (empty clears them)').setDescriptionLocalizations(zh('新标签(留空则清除)')).setMaxLength(500)),
    new SlashCommandBuilder()
      .setName(CommandNames.forget)
      .setDescription('Delete a captured link and all its snapshots')
      .setDescriptionLocalizations(zh('删除已保存的链接及其全部快照'))
      .setContexts(everywhere)
      .addStringOption((o) => o.setName('url').setDescription('The captured link').setDescriptionLocalizations(zh('已保存的链接')).setRequired(true).setMaxLength(4096)),
    new SlashCommandBuilder()
      .setName(CommandNames.config)
      .setDescription('Auto-capture, dead-link alerts, digests and retention for this server (Manage Server)')
      .setDescriptionLocalizations(zh('本服务器的自动保存、失效提醒、摘要和保留设置(需要"管理服务器")'))
      .setContexts([InteractionContextType.Guild])
      .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
      .addBooleanOption((o) => o.setName('auto_capture').setDescription('Capture links posted in channels').setDescriptionLocalizations(zh('自动保存频道中发布的链接')))
      .addChannelOption((o) =>
        o
          .setName('channel')
          .setDescription('A channel to include in or exclude from auto-capture')
          .setDescriptionLocalizations(zh('要包含或排除的频道'))
          .addChannelTypes(ChannelType.GuildText, ChannelType.GuildAnnouncement, ChannelType.GuildForum),
      )
      .addStringOption((o) =>
        o
          .setName('channel_mode')
          .setDescription('What to do with the channel')
          .setDescriptionLocalizations(zh('如何处理该频道'))
          .addChoices(
            { name: 'only capture in listed channels: add this one', value: 'include', name_localizations: zh('仅在列出的频道中保存:添加此频道') },
            { name: 'never capture in this channel', value: 'exclude', name_localizations: zh('从不在此频道保存') },
            { name: 'capture in every channel again', value: 'all', name_localizations: zh('恢复为所有频道') },
          ),
      )
      .addBooleanOption((o) => o.setName('reply_in_thread').setDescription('Reply with the snapshot in a thread').setDescriptionLocalizations(zh('在话题中回复快照')))
      .addStringOption((o) =>
        o
          .setName('capture')
          .setDescription('What captures a posted link: every post, a reaction, or nothing')
          .setDescriptionLocalizations(zh('何时保存发布的链接:每次发布、表情回应或从不'))
          .addChoices(
            { name: 'auto', value: 'auto', name_localizations: zh('自动') },
            { name: 'reaction', value: 'reaction', name_localizations: zh('表情回应') },
            { name: 'off', value: 'off', name_localizations: zh('关闭') },
          ),
      )
      .addStringOption((o) =>
        o.setName('capture_emoji').setDescription('The reaction that captures a message in reaction mode (default 📌)').setDescriptionLocalizations(zh('表情回应模式下触发保存的表情(默认 📌)')),
      )
      .addStringOption((o) =>
        o
          .setName('on_repost')
          .setDescription('How to answer a link that was shared before')
          .setDescriptionLocalizations(zh('如何回应重复分享的链接'))
          .addChoices(
            { name: 'reaction', value: 'reaction', name_localizations: zh('表情回应') },
            { name: 'short reply', value: 'reply', name_localizations: zh('简短回复') },
            { name: 'off', value: 'off', name_localizations: zh('关闭') },
          ),
      )
      .addBooleanOption((o) =>
        o.setName('forget_on_delete').setDescription('Deleting a message removes its captures').setDescriptionLocalizations(zh('删除消息时删除其快照')),
      )
      .addBooleanOption((o) =>
        o.setName('explain_failures').setDescription('Tell the poster why a link was not kept').setDescriptionLocalizations(zh('告诉发送者链接为何没有保存')),
      )
      .addStringOption((o) =>
        o
          .setName('language')
          .setDescription('Language of automatic replies')
          .setDescriptionLocalizations(zh('自动回复的语言'))
          .addChoices({ name: 'English', value: 'en' }, { name: '简体中文', value: 'zh-CN' }, { name: 'server default', value: 'default', name_localizations: zh('服务器默认') }),
      )
      .addStringOption((o) =>
        o
          .setName('rot_alerts')
          .setDescription('Where a link found dead is announced')
          .setDescriptionLocalizations(zh('链接失效时在哪里提醒'))
          .addChoices(
            { name: 'in the thread of the message that shared it', value: 'thread', name_localizations: zh('在分享它的消息的话题中') },
            { name: 'in the channel', value: 'channel', name_localizations: zh('在频道中') },
            { name: 'off', value: 'off', name_localizations: zh('关闭') },
          ),
      )
      .addStringOption((o) =>
        o
          .setName('digest')
          .setDescription('A digest of the links captured in this channel')
          .setDescriptionLocalizations(zh('本频道保存链接的摘要'))
          .addChoices(
            { name: 'daily', value: 'daily', name_localizations: zh('每天') },
            { name: 'weekly (Mondays)', value: 'weekly', name_localizations: zh('每周(周一)') },
            { name: 'off', value: 'off', name_localizations: zh('关闭') },
          ),
      )
      // Free text because "all" and "never" are answers too; a wrong value is refused with the accepted ones.
      .addStringOption((o) =>
        o
          .setName('keep_versions')
          .setDescription('Versions kept per link: a number (1 or more), or "all"')
          .setDescriptionLocalizations(zh('每个链接保留的版本数:数字(至少 1),或 "all"(全部)'))
          .setMaxLength(10),
      )
      .addStringOption((o) =>
        o
          .setName('drop_fullpage_after')
          .setDescription('Drop full-page screenshots of versions older than this many days, or "never"')
          .setDescriptionLocalizations(zh('删除超过此天数的版本的整页截图,或 "never"(从不删除)'))
          .setMaxLength(10),
      ),
  ].map((builder) => builder.toJSON());
}
