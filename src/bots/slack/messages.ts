// Wording only the Slack app needs; everything shared with Discord and the web page lives in core/i18n.ts.
import { interpolate, pickLocale, type Locale } from '../../core/i18n.js';

const en = {
  'find.usage': 'Search by tag and, optionally, text: `/find <tag> [text]`, for example `/find news climate`. Dead links: `/find dead:true [tag]`.',
  'find.thumbnail': 'Thumbnail of {title}',
  'snap.requestedBy': 'Requested by <@{user}>',
  'repost.dm': 'a direct message',
  'tags.more': '… and {count} more',
  'perm.denied': 'Only the person who captured it, or workspace admins and owners, can do that.',
  'config.denied': 'Only workspace admins and owners can change settings.',
  'config.usage': 'Usage: `/snapconfig [show | autocapture on|off | capture auto|reaction|off | capture-emoji <name> | channels all|#c1 #c2 | exclude none|#c1 #c2 | thread on|off | repost reaction|reply|off | forget-on-delete on|off | explain on|off | rot_alerts thread|channel|off | digest daily|weekly|off | keep_versions <N>|all | drop_fullpage_after <days>|never]`',
  'config.badChannel': 'Pick channels from the list Slack offers after `#`, so their ids are sent: {word} is not a channel.',
  'config.noWorkspace': 'Settings can be saved once linksnap has captured its first link in this workspace.',
  'manage.retag': 'Retag',
  'manage.forget': 'Forget',
  'forget.confirmTitle': 'Forget this snapshot?',
  'forget.confirmText': 'This deletes the link, every snapshot of it and who shared it, for everyone in this workspace.',
  'manage.cancel': 'Cancel',
  'retag.title': 'Retag snapshot',
  'retag.label': 'Tags',
  'retag.hint': 'Separated by spaces or commas; leave empty to remove every tag.',
  'retag.submit': 'Save',
  'watch.usage': 'Usage: `/watch url:<link> every:<hourly|daily|weekly|cron expression>`, or `/watch <link> <schedule>`; for example `/watch https://example.com/pricing daily` or `/watch url:https://example.com every:0 9 * * 1`.',
  'unwatch.usage': 'Usage: `/unwatch url:<link>` or `/unwatch <link>`; `/watches` lists what this channel watches.',
  'notice.snapshot': 'View snapshot',
  'watch.notMember': 'linksnap is not in this channel, so it could not post the changes here. Invite it with `/invite @linksnap`, then set the watch again.',
  'config.digestNotMember': 'linksnap is not in this channel, so it could not post the digest here. Invite it with `/invite @linksnap`, then set the digest again. Nothing was changed.',
} as const;

export type SlackMessageKey = keyof typeof en;

const zhCN: Record<SlackMessageKey, string> = {
  'find.usage': '按标签(可加文字)搜索:`/find <标签> [文字]`,例如 `/find 新闻 气候`。失效链接:`/find dead:true [标签]`。',
  'find.thumbnail': '{title} 的缩略图',
  'snap.requestedBy': '<@{user}> 请求的快照',
  'repost.dm': '私信',
  'tags.more': '……还有 {count} 个',
  'perm.denied': '只有保存者或工作区管理员和所有者可以这样做。',
  'config.denied': '只有工作区管理员和所有者可以修改设置。',
  'config.usage': '用法:`/snapconfig [show | autocapture on|off | capture auto|reaction|off | capture-emoji <name> | channels all|#频道1 #频道2 | exclude none|#频道1 #频道2 | thread on|off | repost reaction|reply|off | forget-on-delete on|off | explain on|off | rot_alerts thread|channel|off | digest daily|weekly|off | keep_versions <数量>|all | drop_fullpage_after <天数>|never]`',
  'config.badChannel': '请从输入 `#` 后 Slack 提供的列表中选择频道,这样才会发送频道 ID:{word} 不是频道。',
  'config.noWorkspace': '本工作区保存第一个链接之后才能保存设置。',
  'manage.retag': '修改标签',
  'manage.forget': '删除',
  'forget.confirmTitle': '删除这个快照?',
  'forget.confirmText': '这会为本工作区的所有人删除该链接、它的全部快照和分享记录。',
  'manage.cancel': '取消',
  'retag.title': '修改快照标签',
  'retag.label': '标签',
  'retag.hint': '用空格或逗号分隔;留空则删除所有标签。',
  'retag.submit': '保存',
  'watch.usage': '用法:`/watch url:<链接> every:<hourly|daily|weekly|cron 表达式>`,或 `/watch <链接> <频率>`;例如 `/watch https://example.com/pricing daily` 或 `/watch url:https://example.com every:0 9 * * 1`。',
  'unwatch.usage': '用法:`/unwatch url:<链接>` 或 `/unwatch <链接>`;`/watches` 列出本频道监视的链接。',
  'notice.snapshot': '查看快照',
  'watch.notMember': 'linksnap 不在本频道,无法在这里发布页面变化。请先用 `/invite @linksnap` 邀请它,再重新设置监视。',
  'config.digestNotMember': 'linksnap 不在本频道,无法在这里发布摘要。请先用 `/invite @linksnap` 邀请它,再重新设置摘要。设置未作任何更改。',
};

const catalogs: Record<Locale, Record<SlackMessageKey, string>> = { en, 'zh-CN': zhCN };

export function st(locale: Locale | string | null | undefined, key: SlackMessageKey, params: Record<string, string | number> = {}): string {
  const catalog = catalogs[pickLocale(typeof locale === 'string' ? locale : null)];
  return interpolate(catalog[key], params);
}
