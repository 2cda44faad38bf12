// The Netscape bookmark file: what every browser exports, and Pocket, Raindrop, Linkwarden and
// Karakeep too. It is tag soup (unclosed <DT> and <p>), so it is read with a real HTML parser and
// the folder structure taken from where each <DL> opens and closes, not from a pattern.
import { parse, type DefaultTreeAdapterMap } from 'parse5';
import { dateFromUnix } from './import-dates.js';
import { ImportErrors, finishImport } from './finish-import.js';
import type { ImportParse, RawImportEntry } from './import-types.js';

type Node = DefaultTreeAdapterMap['node'];
type Element = DefaultTreeAdapterMap['element'];

/**
 * Top folders that are where the browser keeps bookmarks, not how the person sorted them: tagging
 * every bookmark "bookmarks-bar" would bury the real folders. Chrome and Firefox mark the toolbar
 * with PERSONAL_TOOLBAR_FOLDER and Firefox "Other Bookmarks" with UNFILED_BOOKMARKS_FOLDER in any
 * language; the names cover exports that carry no marker (Chrome's other and mobile folders, Edge,
 * Safari) in the languages this product speaks. Only a top folder is skipped: a folder called
 * "Favorites" inside another folder is the person's own.
 */
const ContainerAttributes = ['personal_toolbar_folder', 'unfiled_bookmarks_folder'];
const ContainerNames = new Set(
  [
    'Bookmarks bar',
    'Bookmarks Toolbar',
    'Bookmarks Menu',
    'Other bookmarks',
    'Mobile bookmarks',
    'Favorites bar',
    'Favourites bar',
    'Other favorites',
    'Favorites',
    'Favourites',
    'BookmarksBar',
    'BookmarksMenu',
    '书签栏',
    '其他书签',
    '移动设备书签',
    '书签工具栏',
    '书签菜单',
    '收藏夹栏',
    '其他收藏夹',
    '書籤列',
    '其他書籤',
    '行動裝置書籤',
    'ブックマーク バー',
    'ブックマークバー',
    'その他のブックマーク',
    'モバイルのブックマーク',
    'ブックマークツールバー',
    'ブックマークメニュー',
  ].map((name) => name.toLocaleLowerCase('en-US')),
);

/** Bookmarks of a Netscape bookmark file (or any HTML page of links); folders on a bookmark's path and its TAGS become tags. */
export function parseNetscape(html: string): ImportParse {
  const errors = new ImportErrors();
  const document = parse(html, { sourceCodeLocationInfo: true });
  const entries: RawImportEntry[] = [];
  // One frame per open <DL>: the folder it lists, or null for the root and skipped containers.
  const folders: Array<string | null> = [];
  // An <H3> names the <DL> that opens next: inside its <DT> after parsing, or a sibling in hand-written files.
  let pendingFolder: string | null | undefined;

  const stack: Array<{ node: Node; exit: boolean }> = [{ node: document, exit: false }];
  while (stack.length) {
    const { node, exit } = stack.pop()!;
    if (exit) {
      folders.pop();
      continue;
    }
    if (!('tagName' in node)) {
      pushChildren(stack, node);
      continue;
    }
    const element = node as Element;
    switch (element.tagName) {
      case 'dl':
        folders.push(pendingFolder ?? null);
        pendingFolder = undefined;
        stack.push({ node, exit: true });
        pushChildren(stack, node);
        break;
      case 'h3':
        pendingFolder = folderName(element, folders.length <= 1);
        break;
      case 'a':
        pendingFolder = undefined;
        entries.push(anchorEntry(element, folders));
        break;
      default:
        pushChildren(stack, node);
    }
  }
  return finishImport('netscape', entries, errors);
}

function pushChildren(stack: Array<{ node: Node; exit: boolean }>, node: Node): void {
  const children = 'childNodes' in node ? node.childNodes : [];
  // Template contents are not children in parse5; bookmark files have none worth reading.
  for (let i = children.length - 1; i >= 0; i--) stack.push({ node: children[i], exit: false });
}

function folderName(h3: Element, topLevel: boolean): string | null {
  const name = textOf(h3).replace(/\s+/gu, ' ').trim();
  if (!name) return null;
  if (topLevel) {
    if (ContainerAttributes.some((attribute) => /^true$/iu.test(attr(h3, attribute) ?? ''))) return null;
    if (ContainerNames.has(name.toLocaleLowerCase('en-US'))) return null;
  }
  return name;
}

function anchorEntry(a: Element, folders: Array<string | null>): RawImportEntry {
  const tags = folders.filter((folder): folder is string => folder !== null);
  for (const tag of (attr(a, 'tags') ?? '').split(',')) tags.push(tag);
  return {
    url: attr(a, 'href') ?? '',
    title: textOf(a),
    tags,
    // Pocket's HTML export says time_added where browsers say ADD_DATE.
    addedAt: dateFromUnix(attr(a, 'add_date') ?? attr(a, 'time_added')),
    line: a.sourceCodeLocation?.startLine ?? 1,
  };
}

function attr(element: Element, name: string): string | undefined {
  return element.attrs.find((attribute) => attribute.name === name)?.value;
}

function textOf(node: Node): string {
  if (node.nodeName === '#text') return (node as DefaultTreeAdapterMap['textNode']).value;
  if (!('childNodes' in node)) return '';
  let text = '';
  for (const child of node.childNodes) text += textOf(child);
  return text;
}
