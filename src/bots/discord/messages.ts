// Wording only the Discord bot needs; everything shared with Slack and the web page lives in core/i18n.ts.
import { interpolate, pickLocale, type Locale } from '../../core/i18n.js';

const en = {
  'find.usage': 'Give a tag, some text, or both: `/find tag:news text:climate`. `/find dead:true` lists links that died.',
  'find.deadQuery': 'dead links',
  'find.topHit': 'Top hit',
  'find.count': '{count} on this page',
  'repost.dm': 'a direct message',
  'link.notFound': 'No snapshot of {url} in this server that you can see.',
  'thread.name': 'Snapshot: {title}',
  'config.channelNeeded': 'Pick a channel to include or exclude.',
  'config.guildOnly': 'Settings exist per server; run /snapconfig in a server channel.',
  'tags.line': '{tag} ({count})',
  'tags.more': '… and {count} more',
  'perm.denied': 'Only the person who shared it first, or members with Manage Messages in the channels where it was shared, can do that.',
  'config.denied': 'You need the Manage Server permission to change settings.',
  'watch.botAbsent': 'The linksnap bot is not a member of this server, so it could not post changes here. Invite the bot first.',
  'watch.cannotPost': 'I cannot post in this channel (I need View Channel and Send Messages), so changes could not be announced here.',
  'notice.snapshot': 'snapshot',
} as const;

export type DiscordMessageKey = keyof typeof en;

const zhCN: Record<DiscordMessageKey, string> = {
  'find.usage': '请提供标签、文字或两者:`/find tag:新闻 text:气候`。`/find dead:true` 列出已失效的链接。',
  'find.deadQuery': '失效链接',
  'find.topHit': '最相关结果',
  'find.count': '本页 {count} 条',
  'repost.dm': '私信',
  'link.notFound': '在本服务器中没有你可见的 {url} 快照。',
  'thread.name': '快照:{title}',
  'config.channelNeeded': '请选择要包含或排除的频道。',
  'config.guildOnly': '设置按服务器保存,请在服务器频道中运行 /snapconfig。',
  'tags.line': '{tag}({count})',
  'tags.more': '……还有 {count} 个',
  'perm.denied': '只有首次分享者,或在分享所在频道拥有"管理消息"权限的成员,才能这样做。',
  'config.denied': '需要"管理服务器"权限才能修改设置。',
  'watch.botAbsent': 'linksnap 机器人不在本服务器中,无法在这里通知页面变化。请先邀请机器人。',
  'watch.cannotPost': '我无法在本频道发言(需要"查看频道"和"发送消息"权限),因此无法在这里通知页面变化。',
  'notice.snapshot': '快照',
};

const catalogs: Record<Locale, Record<DiscordMessageKey, string>> = { en, 'zh-CN': zhCN };

export function dt(locale: Locale | string | null | undefined, key: DiscordMessageKey, params: Record<string, string | number> = {}): string {
  const catalog = catalogs[pickLocale(typeof locale === 'string' ? locale : null)];
  return interpolate(catalog[key], params);
}
