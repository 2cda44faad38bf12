// The front door for an uploaded or given export file: which tool wrote it is read from its
// content, because names lie (Pocket's CSV is "part_000000.csv", a backup gets renamed, an HTML
// export is saved as .txt).
import { InvalidInputError } from '../errors.js';
import { decodeImportText } from './decode-text.js';
import type { ImportParse } from './import-types.js';
import { JsonSyntaxError, parseJsonWithLines } from './json-with-lines.js';
import { isRecord } from './json-shape.js';
import { parseKarakeep } from './parse-karakeep.js';
import { isLinksnapJsonLine, parseLinksnapJson } from './parse-linksnap-json.js';
import { parseLinkwarden } from './parse-linkwarden.js';
import { parseNetscape } from './parse-netscape.js';
import { csvUrlHeader, parsePocketCsv } from './parse-pocket-csv.js';
import { isUrlListLine, parseUrlList } from './parse-url-list.js';

export const AcceptedImportFormats =
  'a Netscape bookmark file (.html, as browsers, Pocket, Raindrop, Linkwarden and Karakeep export), ' +
  'a Pocket CSV export, a Karakeep JSON export, a Linkwarden JSON backup, a linksnap json export, ' +
  'or a plain list of URLs, one a line';

/** How many lines a URL list is judged by: enough to see past a header comment, few enough to stay cheap. */
const UrlListSampleLines = 50;

/**
 * Reads an export file of any accepted format. Throws (InvalidInputError, TooLargeError) when the
 * file is too large or no accepted format; otherwise bad lines are in `errors` and the rest in `items`.
 */
export function parseImportFile(fileName: string, data: Buffer | string): ImportParse {
  const text = decodeImportText(data);
  const head = text.trimStart();
  if (!head) throw new InvalidInputError(`"${fileName}" is empty.`);

  if (head.startsWith('<')) {
    const parsed = parseNetscape(text);
    // An OPML list, a feed or a saved page without links is markup too, but no bookmark file;
    // saying so beats importing nothing without a word. An empty browser export still says what it is.
    if (parsed.items.length || parsed.errors.length || /<!DOCTYPE\s+NETSCAPE-Bookmark-file/iu.test(head.slice(0, 1024))) return parsed;
    throw new InvalidInputError(`"${fileName}" is markup without bookmarks (no <a href> links). Accepted: ${AcceptedImportFormats}.`);
  }

  if (head.startsWith('{') || head.startsWith('[')) {
    const newline = head.indexOf('\n');
    const firstLine = newline < 0 ? head : head.slice(0, newline);
    if (isLinksnapJsonLine(firstLine)) return parseLinksnapJson(text);
    let json;
    try {
      json = parseJsonWithLines(text);
    } catch (error) {
      if (error instanceof JsonSyntaxError) throw new InvalidInputError(`"${fileName}" looks like JSON but is not valid JSON (${error.message}).`);
      throw error;
    }
    if (isRecord(json.value) && Array.isArray(json.value.bookmarks)) return parseKarakeep(json);
    if (isRecord(json.value) && Array.isArray(json.value.collections)) return parseLinkwarden(json);
    throw new InvalidInputError(
      `"${fileName}" is JSON, but neither a Karakeep export (with "bookmarks") nor a Linkwarden backup (with "collections"). Accepted: ${AcceptedImportFormats}.`,
    );
  }

  if (csvUrlHeader(text)) return parsePocketCsv(text);

  if (looksLikeUrlList(text)) return parseUrlList(text);

  throw new InvalidInputError(`"${fileName}" is not a format linksnap can import. Accepted: ${AcceptedImportFormats}.`);
}

/** At least half of the first lines with content are http(s) addresses, so a list with a few broken lines still counts. */
function looksLikeUrlList(text: string): boolean {
  let lines = 0;
  let urls = 0;
  let from = 0;
  while (from <= text.length && lines < UrlListSampleLines) {
    const end = text.indexOf('\n', from);
    const line = text.slice(from, end < 0 ? text.length : end).trim();
    from = end < 0 ? text.length + 1 : end + 1;
    if (!line || line.startsWith('#')) continue;
    lines++;
    if (isUrlListLine(line)) urls++;
  }
  return urls > 0 && urls * 2 >= lines;
}
