// Rewrites every resource reference in a style sheet: `url(...)`, `@import "..."`, and the bare
// strings of `image-set()`. A full CSS parser (postcss, lightningcss) would rebuild the sheet and
// cost far more on big pages; what we need is only to find URL tokens, which CSS Syntax §4 makes
// easy as long as comments and strings are skipped correctly, which this scanner does.

export type CssRefKind = 'url' | 'import';

/** Returns the replacement URL, or null to keep the reference unchanged. */
export type CssUrlRewriter = (url: string, kind: CssRefKind) => string | null;

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f';
const isNameChar = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_\-\u0080-\uffff\\]/.test(c);

export function rewriteCssUrls(css: string, rewrite: CssUrlRewriter): string {
  const out: string[] = [];
  let copiedTo = 0;
  let i = 0;
  const n = css.length;
  // Depth of image-set( nesting; strings inside it are image URLs.
  let imageSetDepth = 0;
  let parenDepth = 0;
  const imageSetAt: number[] = [];
  let afterImport = false;

  const replace = (from: number, to: number, text: string) => {
    out.push(css.slice(copiedTo, from), text);
    copiedTo = to;
  };

  while (i < n) {
    const c = css[i];
    if (c === '/' && css[i + 1] === '*') {
      const end = css.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      continue;
    }
    if (c === '"' || c === "'") {
      const { value, end } = readString(css, i);
      if (afterImport) {
        const url = rewrite(value, 'import');
        if (url !== null) replace(i, end, `url(${quote(url)})`);
      } else if (imageSetDepth > 0) {
        const url = rewrite(value, 'url');
        if (url !== null) replace(i, end, quote(url));
      }
      afterImport = false;
      i = end;
      continue;
    }
    if (c === '@' && /^@import\b/i.test(css.slice(i, i + 8))) {
      afterImport = true;
      i += 7;
      continue;
    }
    if ((c === 'u' || c === 'U') && css.slice(i, i + 4).toLowerCase() === 'url(' && !isNameChar(css[i - 1])) {
      const parsed = readUrl(css, i + 4);
      if (parsed) {
        const url = rewrite(parsed.value, afterImport ? 'import' : 'url');
        if (url !== null) replace(i, parsed.end, `url(${quote(url)})`);
        afterImport = false;
        i = parsed.end;
        continue;
      }
    }
    if (c === '(') {
      parenDepth++;
      if (/(^|[^A-Za-z0-9_-])(-webkit-)?image-set$/i.test(css.slice(Math.max(0, i - 18), i))) {
        imageSetDepth++;
        imageSetAt.push(parenDepth);
      }
    } else if (c === ')') {
      if (imageSetAt.length && imageSetAt[imageSetAt.length - 1] === parenDepth) {
        imageSetAt.pop();
        imageSetDepth--;
      }
      parenDepth = Math.max(0, parenDepth - 1);
    } else if (c === ';' || c === '{' || c === '}') {
      afterImport = false;
    } else if (c === '\\') {
      i += 2;
      continue;
    }
    i++;
  }
  if (copiedTo === 0) return css;
  out.push(css.slice(copiedTo));
  return out.join('');
}

function readString(css: string, start: number): { value: string; end: number } {
  const q = css[start];
  let value = '';
  let i = start + 1;
  while (i < css.length) {
    // Copy runs of plain characters at once: strings can be whole data: URIs.
    let run = i;
    while (run < css.length && css[run] !== q && css[run] !== '\\' && css[run] !== '\n') run++;
    if (run > i) {
      value += css.slice(i, run);
      i = run;
      continue;
    }
    const c = css[i];
    if (c === q) return { value, end: i + 1 };
    if (c === '\n') return { value, end: i }; // bad string: ends at the newline
    if (c === '\\') {
      const esc = readEscape(css, i);
      value += esc.text;
      i = esc.end;
      continue;
    }
    value += c;
    i++;
  }
  return { value, end: i };
}

/** After `url(`: a quoted string or an unquoted URL, then `)`. Null when it is not a URL token. */
function readUrl(css: string, start: number): { value: string; end: number } | null {
  let i = start;
  while (isSpace(css[i])) i++;
  if (css[i] === '"' || css[i] === "'") {
    const str = readString(css, i);
    i = str.end;
    while (isSpace(css[i])) i++;
    // url("x" modifiers) is allowed by CSS Values 4; skip to the closing paren.
    const close = css.indexOf(')', i);
    if (close < 0) return null;
    return { value: str.value, end: close + 1 };
  }
  let value = '';
  while (i < css.length) {
    const c = css[i];
    if (c === ')') return { value: value.trim(), end: i + 1 };
    if (c === '\\') {
      const esc = readEscape(css, i);
      value += esc.text;
      i = esc.end;
      continue;
    }
    if (c === '"' || c === "'" || c === '(') return null;
    value += c;
    i++;
  }
  return null;
}

function readEscape(css: string, at: number): { text: string; end: number } {
  const hex = /^[0-9a-fA-F]{1,6}/.exec(css.slice(at + 1, at + 7));
  if (hex) {
    let end = at + 1 + hex[0].length;
    if (isSpace(css[end])) end++;
    const code = parseInt(hex[0], 16);
    return { text: code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd', end };
  }
  if (css[at + 1] === '\n') return { text: '', end: at + 2 };
  return { text: css[at + 1] ?? '', end: at + 2 };
}

/** A CSS string literal that is safe inside url() and inside an HTML style attribute. */
function quote(url: string): string {
  return `"${url.replace(/[\\"\n\r]/g, (c) => (c === '\n' ? '\\a ' : c === '\r' ? '\\d ' : `\\${c}`))}"`;
}
