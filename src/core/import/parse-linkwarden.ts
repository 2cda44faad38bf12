// Linkwarden's JSON backup (Settings → Data → export): the user with { collections: [{ id, name,
// parentId, links: [{ name, url, createdAt, tags: [{ name }] }] }] }. Collections nest through
// parentId; every collection on a link's path becomes a tag, as a browser folder does.
import { InvalidInputError } from '../errors.js';
import { truncate } from '../errors.js';
import { dateFromAny } from './import-dates.js';
import { ImportErrors, finishImport } from './finish-import.js';
import type { ImportParse, RawImportEntry } from './import-types.js';
import { folderPaths, isRecord, stringOrNull, tagNames } from './json-shape.js';
import type { JsonWithLines } from './json-with-lines.js';

export function parseLinkwarden(json: JsonWithLines): ImportParse {
  const root = json.value;
  if (!isRecord(root) || !Array.isArray(root.collections)) {
    throw new InvalidInputError('This JSON file has no "collections" list, so it is not a Linkwarden backup.');
  }
  const paths = folderPaths(root.collections);
  const errors = new ImportErrors();
  const entries: RawImportEntry[] = [];
  for (const collection of root.collections) {
    if (!isRecord(collection)) continue;
    const path = collection.id !== undefined && collection.id !== null ? paths.get(String(collection.id)) : undefined;
    const folderTags = path ?? (typeof collection.name === 'string' ? [collection.name] : []);
    const collectionLine = json.lineOf(collection) ?? 1;
    for (const link of Array.isArray(collection.links) ? collection.links : []) {
      const line = (isRecord(link) && json.lineOf(link)) || collectionLine;
      if (!isRecord(link)) {
        errors.add(line, 'a link that is not an object; skipped');
        continue;
      }
      const url = stringOrNull(link.url);
      if (!url) {
        // Linkwarden keeps uploaded PDFs and images as links with no URL.
        const named = stringOrNull(link.name);
        errors.add(line, `${named ? `"${truncate(named, 60)}" ` : ''}has no web address (an uploaded file?); skipped`);
        continue;
      }
      entries.push({
        url,
        title: stringOrNull(link.name),
        tags: [...folderTags, ...tagNames(link.tags)],
        addedAt: dateFromAny(link.createdAt),
        line,
      });
    }
  }
  return finishImport('linkwarden', entries, errors);
}
