// Did a page really change between two captures? Readable text is compared line by line after
// the parts that change on every load are masked or dropped (dates and times, "5 minutes ago",
// counters, tokens, ad labels, recommendation lists), so a re-capture of a page whose only news is
// its clock is `changed: false`, and an edited paragraph is `changed: true` with that paragraph in
// the diff. The line diff itself is jsdiff's (the `diff` package).
import { structuredPatch } from 'diff';
import { cutText, ShownTextChars } from './text.js';
import type { DiffHunk, TextDiff } from './types.js';

/** Lines of context around each hunk. */
const ContextLines = 2;
/** A diff that takes longer than this gives up on hunks and counts distinct lines instead. */
const DiffTimeoutMs = 250;

const Months = 'jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?';
const Weekdays = 'mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?';
const CountWords =
  'views?|likes?|comments?|shares?|followers?|following|reads?|votes?|points?|repl(?:y|ies)|retweets?|reposts?|subscribers?|watching|online|visitors?|downloads?|stars?|forks?|reactions?|answers?';

/**
 * Masked in place: the line stays, so a paragraph that merely carries a date still compares equal.
 * The flag: the pattern can match a line with no digit in it (most lines skip the others).
 */
const VolatilePatterns: Array<[pattern: RegExp, token: string, withoutDigits: boolean]> = [
  // ISO 8601 date-times and dates.
  [/\b\d{4}-\d{2}-\d{2}(?:[t ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?)?\b/gi, '‹date›', false],
  // CJK dates and times: 2026年12月6日, 12月6日, 14时30分.
  [/(?:\d{2,4}\s*年\s*)?\d{1,2}\s*月\s*\d{1,2}\s*[日号]/g, '‹date›', false],
  [/\d{1,2}\s*[时點点]\s*\d{1,2}\s*分(?:\s*\d{1,2}\s*秒)?/g, '‹time›', false],
  // Relative times.
  [/\b(?:\d+|an?|one)\s+(?:sec(?:ond)?|min(?:ute)?|hour|hr|day|week|month|year)s?\s+ago\b/gi, '‹ago›', true],
  [/\b(?:just now|moments? ago|yesterday|today|tonight)\b/gi, '‹ago›', true],
  [/\d+\s*(?:秒|分钟|分鐘|小时|小時|天|周|週|个月|個月|年)\s*前|刚刚|剛剛|昨天|今天|前天/g, '‹ago›', true],
  // Written dates: Dec 6, 2026 · 6 December 2026 · Sunday, 12/06/2026.
  [new RegExp(`\\b(?:${Months})\\.?\\s+\\d{1,2}(?:st|nd|rd|th)?(?:,?\\s+\\d{4})?\\b`, 'gi'), '‹date›', false],
  [new RegExp(`\\b\\d{1,2}(?:st|nd|rd|th)?\\s+(?:${Months})\\.?(?:,?\\s+\\d{4})?\\b`, 'gi'), '‹date›', false],
  [new RegExp(`\\b(?:${Weekdays})\\b,?`, 'gi'), '‹day›', true],
  [/\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b/g, '‹date›', false],
  // Clock times: 14:30, 2:30:15 pm.
  [/\b\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?(?:\s*(?:utc|gmt|[a-z]{2,4}t))?\b/gi, '‹time›', false],
  // Counters next to what they count: 1,234 views · 1.2k likes · Comments (12) · 阅读 3021.
  [new RegExp(`\\b\\d[\\d,.\\s]*[kmb]?\\+?\\s*(?:${CountWords})\\b`, 'gi'), '‹count›', false],
  [new RegExp(`\\b(?:${CountWords})\\s*[:(]?\\s*\\d[\\d,.]*[kmb]?\\)?`, 'gi'), '‹count›', false],
  [/(?:阅读|閱讀|浏览|瀏覽|评论|評論|点赞|點讚|赞|讚|转发|轉發|收藏|播放)\s*[:：(（]?\s*\d[\d,.]*\s*[万萬kK]?[)）]?|\d[\d,.]*\s*[万萬]?\s*(?:次浏览|次阅读|人看过|条评论|人赞同|次播放)/g, '‹count›', false],
  // Tokens: long runs of letters and digits mixed (CSRF tokens, nonces, session ids, cache busters).
  [/\b(?=[A-Za-z0-9_\-+/=]*\d)(?=[A-Za-z0-9_\-+/=]*[A-Za-z])[A-Za-z0-9_\-+/=]{24,}/g, '‹token›', false],
];

/** The patterns that can match a line without a digit in it. */
const WordOnlyPatterns = VolatilePatterns.filter(([, , withoutDigits]) => withoutDigits);

/** Lines that only label an ad slot. */
const AdLabel = /^(?:advertisement|advertising|sponsored(?: content)?|ad|ads|promoted|广告|廣告|推广|推廣|赞助)$/i;

/** A heading that starts a list which rotates on every load; it and the short lines under it are left out. */
const RotatingListHeading =
  /^(?:recommended(?: for you)?|related(?: (?:articles|stories|posts|content|links|reading))?|you (?:may|might) also like|more (?:from|on) .{1,40}|more stories|trending(?: now)?|most (?:read|popular|viewed|shared)|popular(?: now| posts)?|read (?:more|next)|what to read next|editors?'? picks|相关(?:阅读|文章|推荐|新闻)?|相關(?:閱讀|文章|推薦|新聞)?|推荐(?:阅读)?|推薦(?:閱讀)?|热门(?:文章|推荐|新闻)?|熱門(?:文章|推薦|新聞)?|猜你喜欢|大家都在看|延伸阅读|延伸閱讀)\s*[:：]?$/i;
/** Lines under such a heading are list entries (headlines) while short and not ended like a sentence. */
const ListEntryMaxChars = 120;
const ListMaxEntries = 12;
const SentenceEnd = /[.!?。！？…]["'”’)）]?$/;

/** The page's readable text as the comparison sees it: one trimmed line per paragraph, volatile parts masked. */
export function comparableLines(text: string): string[] {
  return readableLines(text).compared;
}

/** Each kept line as compared (masked) and as shown (the page's own words). */
function readableLines(text: string): { compared: string[]; shown: string[] } {
  const compared: string[] = [];
  const shown: string[] = [];
  let skipping = 0;
  for (const raw of cutText(text, ShownTextChars).split(/\r?\n/)) {
    const line = raw.replace(/\s+/g, ' ').trim();
    if (!line) continue;
    if (skipping > 0) {
      if (line.length <= ListEntryMaxChars && !SentenceEnd.test(line)) {
        skipping -= 1;
        continue;
      }
      skipping = 0;
    }
    if (RotatingListHeading.test(line)) {
      skipping = ListMaxEntries;
      continue;
    }
    if (AdLabel.test(line)) continue;
    compared.push(maskVolatile(line));
    shown.push(line);
  }
  return { compared, shown };
}

export function maskVolatile(line: string): string {
  let masked = line;
  // Most patterns need a digit; prose lines without one (most of a page) skip them.
  const patterns = /\d/.test(line) ? VolatilePatterns : WordOnlyPatterns;
  for (const [pattern, token] of patterns) masked = masked.replace(pattern, token);
  return masked;
}

/** The line diff of two readable texts, volatile parts ignored. */
export function compareTexts(before: string, after: string, timeoutMs = DiffTimeoutMs): TextDiff {
  const old = readableLines(before);
  const now = readableLines(after);
  if (sameLines(old.compared, now.compared)) return { changed: false, added: 0, removed: 0, hunks: [], approximate: false };
  const patch = structuredPatch('before', 'after', joinLines(old.compared), joinLines(now.compared), undefined, undefined, { context: ContextLines, timeout: timeoutMs });
  if (!patch) return approximateDiff(old.compared, now.compared);
  let added = 0;
  let removed = 0;
  // The diff is of masked lines; people read the page's own words, so each line is shown as it was.
  const hunks: DiffHunk[] = patch.hunks.map((hunk) => {
    let oldAt = hunk.oldStart - 1;
    let newAt = hunk.newStart - 1;
    const lines: string[] = [];
    for (const line of hunk.lines) {
      if (line.startsWith('+')) {
        added += 1;
        lines.push(`+${now.shown[newAt++]}`);
      } else if (line.startsWith('-')) {
        removed += 1;
        lines.push(`-${old.shown[oldAt++]}`);
      } else if (line.startsWith(' ')) {
        oldAt += 1;
        lines.push(` ${now.shown[newAt++]}`);
      }
    }
    return { oldStart: hunk.oldStart, oldLines: hunk.oldLines, newStart: hunk.newStart, newLines: hunk.newLines, lines };
  });
  return { changed: added + removed > 0, added, removed, hunks, approximate: false };
}

/** The first changed lines of a diff, for a chat message: at most `maxLines`, each cut to `maxChars`. */
export function changeExcerpt(diff: TextDiff, maxLines = 8, maxChars = 200): string[] {
  const lines: string[] = [];
  for (const hunk of diff.hunks) {
    for (const line of hunk.lines) {
      if (line.startsWith(' ')) continue;
      if (lines.length >= maxLines) return lines;
      lines.push(line.length > maxChars ? `${cutText(line, maxChars - 1)}…` : line);
    }
  }
  return lines;
}

function sameLines(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((line, i) => line === b[i]);
}

function joinLines(lines: string[]): string {
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** Too far apart to diff in time: count the lines each side has that the other lacks. */
function approximateDiff(oldLines: string[], newLines: string[]): TextDiff {
  const oldSet = new Set(oldLines);
  const newSet = new Set(newLines);
  const added = newLines.filter((line) => !oldSet.has(line)).length;
  const removed = oldLines.filter((line) => !newSet.has(line)).length;
  return { changed: added + removed > 0 || oldLines.length !== newLines.length, added, removed, hunks: [], approximate: true };
}
