// Turning what people type or paste into the one canonical form a link is stored and deduped under.
import LinkifyIt from 'linkify-it';
import { InvalidUrlError, UnsupportedSchemeError } from './errors.js';

const MaxUrlLength = 4096;

/** Query parameters that only track who clicked where; dropping them makes the same page one link. */
const TrackingParams = [
  /^utm_/i,
  /^(fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|twclid|ttclid|igshid|mc_cid|mc_eid|_hsenc|_hsmi|mkt_tok|oly_anon_id|oly_enc_id|vero_id|rb_clickid|s_cid|ref_src|ref_url|spm|scm)$/i,
];

/**
 * Parses and normalises a URL: http(s) only, host lower-cased (IDN to punycode by WHATWG URL),
 * default port, fragment and tracking parameters dropped. A bare `example.com/x` gets `https://`.
 */
export function normalizeUrl(input: string): string {
  const raw = input.trim().replace(/^<(.*)>$/s, '$1');
  if (!raw) throw new InvalidUrlError(input, 'empty');
  if (raw.length > MaxUrlLength) throw new InvalidUrlError(input, `longer than ${MaxUrlLength} characters`);
  if (/\s/.test(raw)) throw new InvalidUrlError(input, 'contains spaces');
  const hasScheme = /^[a-z][a-z0-9+.-]*:/i.test(raw) && !/^[^:/]+:\d+(\/|$)/.test(raw);
  let url: URL;
  try {
    url = new URL(hasScheme ? raw : `https://${raw}`);
  } catch {
    throw new InvalidUrlError(input, 'cannot be parsed');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UnsupportedSchemeError(raw, url.protocol.replace(/:$/, ''));
  }
  if (!url.hostname) throw new InvalidUrlError(input, 'has no host');
  if (url.username || url.password) throw new InvalidUrlError(input, 'contains a user name or password');
  if (!hasScheme && !url.hostname.includes('.') && !url.hostname.startsWith('[')) {
    throw new InvalidUrlError(input, 'has no domain');
  }
  url.hash = '';
  const kept = [...url.searchParams.entries()].filter(([key]) => !TrackingParams.some((pattern) => pattern.test(key)));
  if (kept.length !== [...url.searchParams.keys()].length) {
    url.search = '';
    for (const [key, value] of kept) url.searchParams.append(key, value);
  }
  if (url.hostname.endsWith('.') && url.hostname.length > 1) url.hostname = url.hostname.replace(/\.+$/, '');
  return url.toString();
}

/** True when the text parses as an http(s) URL; never throws. */
export function isHttpUrl(input: string): boolean {
  try {
    normalizeUrl(input);
    return true;
  } catch {
    return false;
  }
}

// linkify-it knows the full TLD list and where a link ends in prose (trailing punctuation,
// balanced brackets, CJK text right after the URL), which a regular expression gets wrong.
const linkify = new LinkifyIt({ fuzzyLink: false, fuzzyEmail: false, fuzzyIP: false });

/** Explicit http(s) links in plain text, in order, without duplicates. */
export function findUrls(text: string): string[] {
  // linkify-it wants a boundary before the scheme; in Chinese and Japanese prose a link often
  // follows a character directly ("看这个https://…"), so give it one.
  const spaced = text.replace(/(?<=[^\x00-\x7F])(?=https?:\/\/)/giu, ' ');
  const found: Array<{ index: number; url: string }> = [];
  for (const match of linkify.match(spaced) ?? []) {
    if (match.schema !== 'http:' && match.schema !== 'https:') continue;
    // linkify-it runs a link on through CJK punctuation ("…/路径。和"); such marks end a link in prose.
    found.push({ index: match.index, url: match.url.split(/[。，、！？；：「」『』（）【】《》“”‘’]/u)[0] });
  }
  // linkify-it does not know bracketed IPv6 hosts (`http://[::1]:8080/`). Such a link must still be
  // found, so the poster is told it is refused rather than hearing nothing.
  for (const match of spaced.matchAll(BracketedHostLink)) {
    found.push({ index: match.index, url: match[0].replace(/[.,;:!?)\]'"]+$/u, '') });
  }
  found.sort((a, b) => a.index - b.index);
  const seen = new Set<string>();
  const urls: string[] = [];
  for (const { url } of found) {
    if (!seen.has(url)) {
      seen.add(url);
      urls.push(url);
    }
  }
  return urls;
}

const BracketedHostLink = /\bhttps?:\/\/\[[0-9a-f:.]+(?:%25[\w.~-]+)?\](?::\d{1,5})?(?:[/?#][^\s<>"'`]*)?/giu;

/** The host part of a URL for display ("example.com"); the input when it does not parse. */
export function displayHost(url: string): string {
  try {
    return new URL(url).hostname.replace(/^www\./, '');
  } catch {
    return url;
  }
}
