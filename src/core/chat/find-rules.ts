// What /find refuses before any query runs: a search whose every term is too short for the
// trigram index and has no tag to narrow it would read every page's text of the workspace on the
// main thread. Such terms get a hint at once instead.
import { unusableTerm } from '../search-terms.js';
import { chatText } from './wording.js';

/** The hint for /find, or null when the search can run. */
export function shortSearchHint(locale: string, query: { tags?: string[]; text?: string | null }): string | null {
  const term = unusableTerm(query);
  return term === null ? null : chatText(locale, 'find.tooShort', { term });
}
