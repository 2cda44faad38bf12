// A bookmark file every browser (and Pocket, Raindrop, Linkwarden, Karakeep, and linksnap's own
// import) reads: the Netscape format. All tags go in TAGS; the first tag is also the folder, since
// browsers ignore TAGS and would otherwise flatten everything into one list.
import { escapeMarkup } from './markup-escape.js';
import type { ExportLink, ExportSource } from './export-types.js';

const Header = `<!DOCTYPE NETSCAPE-Bookmark-file-1>
<!-- This is an automatically generated file.
     It will be read and overwritten.
     DO NOT EDIT! -->
<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=UTF-8">
`;

/**
 * The file in chunks, one per link, so a large export streams. A folder is written for each run of
 * links with the same first tag: give links ordered by first tag for one folder per tag. Any order
 * still imports back to the same links and tags.
 */
export async function* netscapeBookmarks(links: ExportSource, options: { title?: string } = {}): AsyncGenerator<string> {
  const title = escapeMarkup(options.title ?? 'Bookmarks');
  yield `${Header}<TITLE>${title}</TITLE>\n<H1>${title}</H1>\n<DL><p>\n`;
  let folder: string | null = null;
  for await (const link of links) {
    const first = link.tags[0] ?? null;
    let chunk = '';
    if (first !== folder) {
      if (folder !== null) chunk += '    </DL><p>\n';
      if (first !== null) chunk += `    <DT><H3>${escapeMarkup(first)}</H3>\n    <DL><p>\n`;
      folder = first;
    }
    chunk += `${folder === null ? '    ' : '        '}${bookmarkLine(link)}\n`;
    yield chunk;
  }
  yield `${folder !== null ? '    </DL><p>\n' : ''}</DL><p>\n`;
}

function bookmarkLine(link: ExportLink): string {
  const added = Date.parse(link.createdAt);
  const addDate = Number.isNaN(added) ? '' : ` ADD_DATE="${Math.floor(added / 1000)}"`;
  const tags = link.tags.length ? ` TAGS="${escapeMarkup(link.tags.join(','))}"` : '';
  // Browsers show the anchor text as the name; without a title the address is the only name there is.
  const text = (link.title ?? '').replace(/\s+/gu, ' ').trim() || link.url;
  return `<DT><A HREF="${escapeMarkup(link.url)}"${addDate}${tags}>${escapeMarkup(text)}</A>`;
}
