// Karakeep's (formerly Hoarder's) JSON export: { bookmarks: [{ createdAt, title, tags, content:
// { type: "link", url }, note, lists }], lists: [{ id, name, parentId }] }. createdAt is Unix seconds
// in current versions; lists a bookmark is in become tags, with their parent lists, as folders do.
import { InvalidInputError } from '../errors.js';
import { truncate } from '../errors.js';
import { dateFromAny } from './import-dates.js';
import { ImportErrors, finishImport } from './finish-import.js';
import type { ImportParse, RawImportEntry } from './import-types.js';
import { folderPaths, isRecord, stringOrNull, tagNames } from './json-shape.js';
import type { JsonWithLines } from './json-with-lines.js';

export function parseKarakeep(json: JsonWithLines): ImportParse {
  const root = json.value;
  if (!isRecord(root) || !Array.isArray(root.bookmarks)) {
    throw new InvalidInputError('This JSON file has no "bookmarks" list, so it is not a Karakeep export.');
  }
  const listPaths = folderPaths(Array.isArray(root.lists) ? root.lists : []);
  const errors = new ImportErrors();
  const entries: RawImportEntry[] = [];
  const rootLine = json.lineOf(root.bookmarks) ?? 1;
  for (const bookmark of root.bookmarks) {
    const line = (isRecord(bookmark) && json.lineOf(bookmark)) || rootLine;
    if (!isRecord(bookmark)) {
      errors.add(line, 'a bookmark that is not an object; skipped');
      continue;
    }
    const content = isRecord(bookmark.content) ? bookmark.content : null;
    const type = typeof content?.type === 'string' ? content.type : null;
    const url = stringOrNull(content?.url) ?? stringOrNull(bookmark.url);
    if ((type !== null && type !== 'link') || !url) {
      const what = type === 'text' ? 'a note' : type === 'asset' ? 'an uploaded file' : type ? `a "${type}" bookmark` : 'a bookmark without a link';
      const named = stringOrNull(bookmark.title);
      errors.add(line, `${what}${named ? ` ("${truncate(named, 60)}")` : ''}, not a link; skipped`);
      continue;
    }
    const tags = tagNames(bookmark.tags);
    for (const listId of Array.isArray(bookmark.lists) ? bookmark.lists : []) tags.push(...(listPaths.get(String(listId)) ?? []));
    entries.push({
      url,
      title: stringOrNull(bookmark.title) ?? stringOrNull(content?.title),
      tags,
      addedAt: dateFromAny(bookmark.createdAt),
      line,
    });
  }
  return finishImport('karakeep', entries, errors);
}
