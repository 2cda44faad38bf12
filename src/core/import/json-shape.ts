// Exports change shape between versions of a tool (a tag as a string or as { name }, a date as Unix
// seconds or ISO text); these read a field whichever way it came and never throw.

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' && value.trim() ? value : null;
}

/** Tag names from ["a", "b"], [{ name: "a" }] or "a,b". */
export function tagNames(value: unknown): string[] {
  if (typeof value === 'string') return value.split(',');
  if (!Array.isArray(value)) return [];
  const names: string[] = [];
  for (const tag of value) {
    if (typeof tag === 'string') names.push(tag);
    else if (isRecord(tag) && typeof tag.name === 'string') names.push(tag.name);
  }
  return names;
}

/** Names on the path from the root to a folder-like record (Linkwarden collections, Karakeep lists), a parent loop cut. */
export function folderPaths(folders: unknown[]): Map<string, string[]> {
  const byId = new Map<string, { name: string; parentId: string | null }>();
  for (const folder of folders) {
    if (!isRecord(folder) || (typeof folder.id !== 'string' && typeof folder.id !== 'number')) continue;
    const parentId = folder.parentId === null || folder.parentId === undefined ? null : String(folder.parentId);
    byId.set(String(folder.id), { name: typeof folder.name === 'string' ? folder.name : '', parentId });
  }
  const paths = new Map<string, string[]>();
  for (const id of byId.keys()) {
    const path: string[] = [];
    const seen = new Set<string>();
    for (let at: string | null = id; at !== null && byId.has(at) && !seen.has(at); at = byId.get(at)!.parentId) {
      seen.add(at);
      path.unshift(byId.get(at)!.name);
    }
    paths.set(id, path.filter(Boolean));
  }
  return paths;
}
