// Wording only the Slack app needs; everything shared with Discord and the web page lives in core/i18n.ts.
import { pickLocale, type Locale } from '../../core/i18n.js';

const en = {
  'find.usage': 'Search by tag and, optionally, text: `/find <tag> [text]`, for example `/find news climate`.',
  'find.thumbnail': 'Thumbnail of {title}',
  'snap.requestedBy': 'Requested by <@{user}>',
  'repost.footer': 'First shared by <@{user}> in {channel} {when}',
  'repost.dm': 'a direct message',
} as const;

export type SlackMessageKey = keyof typeof en;

const zhCN: Record<SlackMessageKey, string> = {
  'find.usage': '按标签(可加文字)搜索:`/find <标签> [文字]`,例如 `/find 新闻 气候`。',
  'find.thumbnail': '{title} 的缩略图',
  'snap.requestedBy': '<@{user}> 请求的快照',
  'repost.footer': '<@{user}> {when}在 {channel} 首次分享',
  'repost.dm': '私信',
};

const catalogs: Record<Locale, Record<SlackMessageKey, string>> = { en, 'zh-CN': zhCN };

export function st(locale: Locale | string | null | undefined, key: SlackMessageKey, params: Record<string, string | number> = {}): string {
  const catalog = catalogs[pickLocale(typeof locale === 'string' ? locale : null)];
  return catalog[key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}
