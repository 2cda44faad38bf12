// Sentences of the shared conversation, platform-neutral, in English and Simplified Chinese.
// Mentions arrive already rendered by the adapter (ChatPort.words), so no platform syntax is here.
import { interpolate, pickLocale, type Locale } from '../i18n.js';

const en = {
  'repost.firstShared': 'First shared by {user} in {channel} {when}',
  'auto.refused': 'Not kept: {url}: {reason}',
  'auto.failed': 'Could not capture {url}: {reason}',
  'auto.userBudget': 'You are posting links faster than {limit} a minute, so the rest of this message was not kept. Post them again in {seconds} s.',
  'auto.workspaceBudget': 'This workspace is posting links faster than {limit} a minute, so the rest of this message was not kept. Post them again in {seconds} s.',
  'snap.workspaceBudget': 'This workspace is asking for snapshots faster than {limit} a minute. Try again in {seconds} s.',
  'find.rateLimited': 'You are searching faster than {limit} times a minute. Try again in {seconds} s.',
  'find.tooShort': '"{term}" is too short to search for: use at least two characters of Chinese, Japanese or Korean, or three of other scripts. Tags work at any length.',
  'link.notFound': 'No snapshot of {url} here that you can see.',
} as const;

export type ChatTextKey = keyof typeof en;

const zhCN: Record<ChatTextKey, string> = {
  'repost.firstShared': '{user} {when}在 {channel} 首次分享',
  'auto.refused': '未保存 {url}:{reason}',
  'auto.failed': '无法生成快照 {url}:{reason}',
  'auto.userBudget': '你每分钟发送的链接超过 {limit} 个,这条消息中其余的链接没有保存。请 {seconds} 秒后再发送。',
  'auto.workspaceBudget': '本工作区每分钟发送的链接超过 {limit} 个,这条消息中其余的链接没有保存。请 {seconds} 秒后再发送。',
  'snap.workspaceBudget': '本工作区每分钟请求的快照超过 {limit} 个,请 {seconds} 秒后再试。',
  'find.rateLimited': '你每分钟搜索超过 {limit} 次,请 {seconds} 秒后再试。',
  'find.tooShort': '"{term}" 太短,无法搜索:中文、日文或韩文至少两个字,其他文字至少三个字符。标签不受长度限制。',
  'link.notFound': '这里没有你可见的 {url} 快照。',
};

const catalogs: Record<Locale, Record<ChatTextKey, string>> = { en, 'zh-CN': zhCN };

export function chatText(locale: Locale | string | null | undefined, key: ChatTextKey, params: Record<string, string | number> = {}): string {
  return interpolate(catalogs[pickLocale(typeof locale === 'string' ? locale : null)][key], params);
}
