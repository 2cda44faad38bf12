// Wording shared by every chat adapter and the web page, in English and Simplified Chinese.
// Adapters pass the user's locale (Discord `zh-CN`, Slack `zh-CN`, Accept-Language) to `t`.
import type { ErrorCode } from './errors.js';

export type Locale = 'en' | 'zh-CN';

const en = {
  'snap.queued': 'Queued: {url}',
  'snap.capturing': 'Capturing {url} …',
  'snap.done': 'Snapshot ready',
  'snap.failed': 'Could not capture {url}: {reason}',
  'snap.degraded': 'Captured, but the page looks incomplete ({reason}). Try again later, or save the page in your own browser and upload it on the snapshot page ("Upload your own copy").',
  'snap.view': 'View full snapshot',
  'snap.deduplicated': 'Already captured {when}; showing that snapshot.',
  'snap.rateLimited': 'You are sending snapshots faster than {limit} a minute. Try again in {seconds} s.',
  'snap.noUrl': 'Give me a link to capture, for example `/snap https://example.com news`.',
  'field.title': 'Title',
  'field.site': 'Site',
  'field.finalUrl': 'Final URL',
  'field.tags': 'Tags',
  'field.captured': 'Captured',
  'field.status': 'HTTP status',
  'find.none': 'Nothing found for {query}.',
  'find.header': 'Results for {query} ({from}–{to})',
  'find.previous': 'Previous',
  'find.next': 'Next',
  'find.notYours': 'Only the person who searched can turn these pages.',
  'find.expired': 'This search has expired; run /find again.',
  'tags.none': 'No tags yet. Add some with `/snap <url> tag1 tag2`.',
  'tags.header': 'Tags in this workspace',
  'repost.notice': 'Already shared by {user} in {channel} {when}: {link}',
  'forget.done': 'Forgot {url} and its snapshots.',
  'retag.done': 'Tags of {url} are now: {tags}',
  'perm.denied': 'Only the person who shared it first, or someone who may moderate messages where it was shared, can do that.',
  'config.saved': 'Settings saved.',
  'config.show': 'Auto-capture: {auto}; channels: {channels}; replies in thread: {thread}; on repost: {repost}; forget when the message is deleted: {forget}; explain failures: {explain}',
  'config.denied': "You are not allowed to change linksnap's settings here.",
  'capture.reaction': 'when someone reacts with {emoji}',
  'repost.mode.reaction': 'reaction',
  'repost.mode.reply': 'short reply',
  'repost.mode.off': 'off',
  'all.channels': 'all',
  'yes': 'yes',
  'no': 'no',
  'untitled': '(untitled)',
  'error.generic': 'Something went wrong: {reason}',
} as const;

export type MessageKey = keyof typeof en;

const zhCN: Record<MessageKey, string> = {
  'snap.queued': '已排队:{url}',
  'snap.capturing': '正在生成快照:{url} …',
  'snap.done': '快照已生成',
  'snap.failed': '无法生成快照 {url}:{reason}',
  'snap.degraded': '已保存,但页面可能不完整({reason})。请稍后重试,或在你自己的浏览器中保存该页面,然后在快照页面上传("上传你自己保存的副本")。',
  'snap.view': '查看完整快照',
  'snap.deduplicated': '{when}已经保存过,显示该快照。',
  'snap.rateLimited': '你每分钟发送的快照请求超过 {limit} 个,请 {seconds} 秒后再试。',
  'snap.noUrl': '请提供要保存的链接,例如 `/snap https://example.com 新闻`。',
  'field.title': '标题',
  'field.site': '网站',
  'field.finalUrl': '最终地址',
  'field.tags': '标签',
  'field.captured': '快照时间',
  'field.status': 'HTTP 状态',
  'find.none': '没有找到 {query} 的结果。',
  'find.header': '{query} 的结果(第 {from}–{to} 条)',
  'find.previous': '上一页',
  'find.next': '下一页',
  'find.notYours': '只有发起搜索的人可以翻页。',
  'find.expired': '搜索已过期,请重新运行 /find。',
  'tags.none': '还没有标签。用 `/snap <链接> 标签1 标签2` 添加。',
  'tags.header': '本工作区的标签',
  'repost.notice': '{user} 已于 {when} 在 {channel} 分享过:{link}',
  'forget.done': '已删除 {url} 及其快照。',
  'retag.done': '{url} 的标签现在是:{tags}',
  'perm.denied': '只有首次分享者,或在分享所在位置可以管理消息的人,才能这样做。',
  'config.saved': '设置已保存。',
  'config.show': '自动保存:{auto};频道:{channels};在话题中回复:{thread};重复链接:{repost};消息删除时删除快照:{forget};说明失败原因:{explain}',
  'config.denied': '你无权在这里修改 linksnap 的设置。',
  'capture.reaction': '有人用 {emoji} 回应时',
  'repost.mode.reaction': '表情回应',
  'repost.mode.reply': '简短回复',
  'repost.mode.off': '关闭',
  'all.channels': '全部',
  'yes': '是',
  'no': '否',
  'untitled': '(无标题)',
  'error.generic': '出错了:{reason}',
};

/** Localised explanations of failures, keyed by error code; the error's own message adds detail. */
const errorsEn: Partial<Record<ErrorCode, string>> = {
  invalid_url: 'That is not a valid web address.',
  unsupported_scheme: 'Only http and https links can be captured.',
  blocked_address: 'That address is on a private, reserved or otherwise refused network, so it was not opened.',
  blocked_port: 'That port is not one web pages are opened on, so it was not opened.',
  dns_failed: 'The site name could not be found.',
  connection_failed: 'The site could not be reached.',
  capture_timeout: 'The page took too long to load.',
  too_large: 'The page or file is too large to keep.',
  http_error: 'The site answered with an error.',
  browser_crashed: 'The browser crashed while capturing; it will be retried.',
  capture_failed: 'The capture failed.',
  not_found: 'That snapshot does not exist (any more).',
  forbidden: 'You are not allowed to do that.',
  rate_limited: 'Too many requests; slow down a little.',
  invalid_input: 'That input is not valid.',
  quota_exceeded: 'This workspace has used all the space it may keep; the link was not captured.',
  lease_lost: 'Another worker took over this capture.',
  internal: 'An unexpected error happened.',
};

const errorsZh: Partial<Record<ErrorCode, string>> = {
  invalid_url: '这不是有效的网址。',
  unsupported_scheme: '只能保存 http 和 https 链接。',
  blocked_address: '该地址属于私有、保留或其他被拒绝的网络,已拒绝访问。',
  blocked_port: '该端口不用于打开网页,已拒绝访问。',
  dns_failed: '找不到该网站的域名。',
  connection_failed: '无法连接到该网站。',
  capture_timeout: '页面加载超时。',
  too_large: '页面或文件太大,无法保存。',
  http_error: '网站返回了错误。',
  browser_crashed: '浏览器在保存时崩溃,将会重试。',
  capture_failed: '快照生成失败。',
  not_found: '该快照不存在(或已删除)。',
  forbidden: '你没有权限这样做。',
  rate_limited: '请求太多,请稍后再试。',
  invalid_input: '输入无效。',
  quota_exceeded: '本工作区已用完可保存的空间,该链接没有保存。',
  lease_lost: '另一个工作进程接手了这次快照。',
  internal: '发生了意外错误。',
};

const catalogs: Record<Locale, Record<MessageKey, string>> = { en, 'zh-CN': zhCN };

/** Maps any locale tag (`zh`, `zh-CN`, `zh-Hans-CN`, `en-GB`…) to one we have; English otherwise. */
export function pickLocale(tag: string | null | undefined): Locale {
  if (!tag) return 'en';
  const lower = tag.toLowerCase().replace('_', '-');
  if (lower === 'zh' || lower.startsWith('zh-cn') || lower.startsWith('zh-hans') || lower === 'zh-sg') return 'zh-CN';
  return 'en';
}

/** Picks the best locale from an Accept-Language header. */
export function localeFromAcceptLanguage(header: string | null | undefined): Locale {
  if (!header) return 'en';
  const ranked = header
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => /^q=([\d.]+)$/.exec(p.trim())?.[1]).find(Boolean);
      return { tag: tag.trim(), q: q ? Number(q) : 1 };
    })
    .filter((entry) => entry.tag && entry.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { tag } of ranked) {
    if (tag.toLowerCase().startsWith('zh')) return 'zh-CN';
    if (tag.toLowerCase().startsWith('en')) return 'en';
  }
  return 'en';
}

/** Fills `{name}` placeholders; an unknown placeholder stays as written so a missing value shows. */
export function interpolate(template: string, params: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

export function t(locale: Locale | string | null | undefined, key: MessageKey, params: Record<string, string | number> = {}): string {
  const catalog = catalogs[typeof locale === 'string' && locale in catalogs ? (locale as Locale) : pickLocale(locale)];
  return interpolate(catalog[key] ?? en[key], params);
}

/** A user-facing explanation of a failure: the localised sentence, then the specific detail. */
export function describeError(locale: Locale | string | null | undefined, code: string | null, detail: string | null): string {
  const zh = pickLocale(typeof locale === 'string' ? locale : null) === 'zh-CN';
  const table = zh ? errorsZh : errorsEn;
  const sentence = (code && table[code as ErrorCode]) || (zh ? errorsZh.capture_failed : errorsEn.capture_failed)!;
  return detail ? `${sentence} ${detail}` : sentence;
}
