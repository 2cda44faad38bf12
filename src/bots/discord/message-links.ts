// Which links in a Discord message are meant to be captured. Discord markdown hides links from
// previews in two ways people use on purpose: code (``` blocks and `inline`) and `<https://…>`
// suppression; a link written that way is not shared as a link, so it is not captured either.
import { findUrls } from '../../core/url.js';

/** Explicit http(s) links in message text, skipping code and `<…>`-suppressed links. */
export function linksInMessage(content: string): string[] {
  const visible = content
    .replace(/```[\s\S]*?(```|$)/g, ' ')
    .replace(/`[^`\n]*`/g, ' ')
    .replace(/<https?:\/\/[^\s>]+>/gi, ' ')
    // Chinese and Japanese writers put no space before a link ("看这个https://…"); linkify-it only
    // starts a link at a word boundary, so one is made.
    .replace(/(?<=[^\x00-\x7F])(?=https?:\/\/)/gi, ' ');
  return findUrls(visible);
}
