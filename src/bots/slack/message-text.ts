// Slack sends message text in its own markup: links arrive as `<https://x.y|label>` or `<https://x.y>`,
// mentions as `<@U123>`, channel refs as `<#C123|general>`, and `&`, `<`, `>` escaped as entities.
// Links are read from the markup; everything else is turned back into plain prose before hashtags
// are looked for, so `<#C123|general>` never becomes a tag and a URL fragment never becomes one.
import { extractHashtags } from '../../core/tags.js';
import { findUrls } from '../../core/url.js';

export interface ParsedSlackText {
  /** http(s) links, in order, without duplicates. */
  urls: string[];
  /** `#hashtags` from the prose (not from links, channel refs or mentions). */
  hashtags: string[];
  /** The text with every markup token removed: what a person would read, minus links. */
  prose: string;
}

const MarkupToken = /<([^<>]*)>/g;

export function decodeSlackEntities(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** The link target of one markup token (`https://x.y|label` → `https://x.y`), or null when it is not a web link. */
export function linkOfToken(inner: string): string | null {
  if (/^[@#!]/.test(inner)) return null; // user mention, channel ref, special mention (<!here>, <!subteam^…>)
  const target = decodeSlackEntities(inner.split('|')[0]).trim();
  return /^https?:\/\//i.test(target) ? target : null;
}

export function parseSlackText(text: string | null | undefined): ParsedSlackText {
  const source = text ?? '';
  const urls: string[] = [];
  const seen = new Set<string>();
  const add = (url: string) => {
    if (!seen.has(url)) {
      seen.add(url);
      urls.push(url);
    }
  };
  for (const match of source.matchAll(MarkupToken)) {
    const link = linkOfToken(match[1]);
    if (link) add(link);
  }
  const prose = decodeSlackEntities(source.replace(MarkupToken, ' '));
  // Clients that do not format links (some integrations, the API) send bare URLs in plain text.
  for (const url of findUrls(prose)) add(url);
  const withoutBareLinks = urls.reduce((rest, url) => rest.split(url).join(' '), prose);
  return { urls, hashtags: extractHashtags(withoutBareLinks), prose: withoutBareLinks.replace(/\s+/g, ' ').trim() };
}

/** Splits slash-command text into words, keeping a markup token (`<https://x|y z>`) as one word. */
export function commandWords(text: string | null | undefined): string[] {
  const words: string[] = [];
  for (const match of (text ?? '').matchAll(/<[^<>]*>|[^\s<]+/g)) {
    const word = match[0];
    if (word.startsWith('<')) {
      const inner = word.slice(1, -1);
      words.push(linkOfToken(inner) ?? decodeSlackEntities(inner.split('|').pop() ?? inner));
    } else {
      words.push(decodeSlackEntities(word));
    }
  }
  return words.filter(Boolean);
}

/**
 * The message as a person reads it: links as their address, `<#C1|general>` as `#general`,
 * `<@U1>` kept as the mention, entities decoded. Kept with a share to remember the conversation.
 */
export function readableText(text: string | null | undefined): string {
  return decodeSlackEntities(
    (text ?? '').replace(MarkupToken, (token, inner: string) => {
      const link = linkOfToken(inner);
      if (link) return link;
      if (inner.startsWith('#')) return `#${inner.split('|')[1] ?? inner.slice(1)}`;
      return token;
    }),
  );
}
