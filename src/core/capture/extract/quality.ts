// Decides whether a capture shows what the user wanted or a wall in front of it (bot check,
// login wall, error page, nearly nothing). Such captures are kept but marked degraded, so users
// know to try again. Phrases in page text only count on short pages: a long article that merely
// mentions "captcha" or "sign in" is an article, not a wall.

export interface QualityInput {
  httpStatus: number | null;
  title: string | null;
  visibleText: string;
  url: string;
  finalUrl: string;
  readableText?: string | null;
}

export interface QualityVerdict {
  degraded: boolean;
  reason: string | null;
}

/** Stable reasons, shown to users and stored with the snapshot. */
export const DegradedReason = {
  BotCheck: 'bot check or captcha',
  LoginWall: 'login wall',
  ErrorPage: 'error page',
  AlmostEmpty: 'almost empty page',
} as const;

export const DefaultQualityThresholds = {
  /** Pages with less text than this (in weighted characters) may be walls when a phrase matches. */
  shortPageChars: 1_500,
  /** Below this a page is "almost empty" whatever it says. */
  almostEmptyChars: 60,
} as const;

const BotTitle =
  /just a moment|attention required|verify(ing)? (that )?you are (a )?human|are you a (ro)?bot|captcha|security check|ddos protection|access denied|请稍候|人机验证|验证码|安全验证|访问验证/i;
const BotText = new RegExp(
  [
    'verify (that )?you are (a )?human',
    'verifying you are human',
    'checking (if the site connection is secure|your browser)',
    'enable javascript and cookies to continue',
    'complete the security check',
    'press (&|and) hold',
    'unusual traffic from your (computer|network)',
    "(confirm|prove) (that )?you('| a)re not a robot",
    "i'?m not a robot",
    'h-?captcha',
    're-?captcha',
    'cf-chl',
    'ray id',
    '人机验证',
    '验证码',
    '安全验证',
    '滑动验证',
    '拖动滑块',
    '请完成验证',
    '访问验证',
  ].join('|'),
  'i',
);

const LoginTitle = /^\s*(sign ?in|log ?in|login|sign up|登录|登入|用户登录|帐号登录|账号登录)\b|(\||-|–|—)\s*(sign ?in|log ?in)\s*$/i;
const LoginText = new RegExp(
  [
    '(sign|log) ?in to (continue|view|see|read|access)',
    'you (must|need to) (be )?(sign(ed)? ?in|log(ged)? ?in)',
    'please (sign|log) ?in',
    'login required',
    'members only',
    'subscribe to (continue|read)',
    '请先?登录',
    '登录后(查看|继续|阅读|才能)',
    '登录以继续',
    '扫码登录',
  ].join('|'),
  'i',
);
const LoginPath = /\/(login|log-in|signin|sign-in|sign_in|auth|accounts?\/(login|signin)|sso|passport)(\/|\.|$|\?)/i;

const ErrorTitle =
  /^\s*(error\s*)?(40[0-9]|41[0-9]|429|50[0-4])\b|\b(page|file) not found\b|^\s*not found\b|\bnot found\s*$|\b404\b|does not exist|no longer available|internal server error|service unavailable|bad gateway|页面不存在|页面未找到|找不到(该|此)?页面|页面找不到|您访问的页面|出错了|服务器错误/i;

/** CJK characters carry about a word each, so they weigh more than Latin letters. */
function weightedLength(text: string): number {
  const compact = text.replace(/\s+/g, '');
  const cjk = compact.match(/[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]/g)?.length ?? 0;
  return compact.length + cjk * 2;
}

export function assessQuality(input: QualityInput): QualityVerdict {
  const title = (input.title ?? '').replace(/\s+/g, ' ').trim();
  const text = input.visibleText.replace(/\s+/g, ' ').trim();
  const readable = (input.readableText ?? '').replace(/\s+/g, ' ').trim();
  const size = Math.max(weightedLength(text), weightedLength(readable));
  const short = size < DefaultQualityThresholds.shortPageChars;
  const status = input.httpStatus;

  if (BotTitle.test(title) && (short || status === 403 || status === 503 || status === 429)) return degraded(DegradedReason.BotCheck);
  if (short && BotText.test(text)) return degraded(DegradedReason.BotCheck);

  const landedOnLogin = LoginPath.test(safePath(input.finalUrl)) && !LoginPath.test(safePath(input.url));
  if (short && (LoginTitle.test(title) || LoginText.test(text) || landedOnLogin)) return degraded(DegradedReason.LoginWall);
  if (status === 401) return degraded(DegradedReason.LoginWall);

  if (status !== null && status >= 400) return degraded(`${DegradedReason.ErrorPage} (HTTP ${status})`);
  if (short && ErrorTitle.test(title)) return degraded(DegradedReason.ErrorPage);

  if (size < DefaultQualityThresholds.almostEmptyChars) return degraded(DegradedReason.AlmostEmpty);
  return { degraded: false, reason: null };
}

function degraded(reason: string): QualityVerdict {
  return { degraded: true, reason };
}

function safePath(url: string): string {
  try {
    const u = new URL(url);
    return u.pathname + u.search;
  } catch {
    return '';
  }
}
