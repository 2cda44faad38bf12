// What an export holds: every link a find with the same tags and text would list (the latest
// version of each), read page by page so an export of a whole workspace never loads it at once.
import type { FindItem, FindQuery, FindResult } from './types.js';

export interface ExportQuery {
  workspaceId: string;
  tags: string[];
  text?: string;
  /** Whose eyes: null for the web page and CLI (the whole workspace), else a chat viewer's channels. */
  viewer: FindQuery['viewer'];
}

const ExportPageSize = 100;

export async function* matchingItems(service: { find(query: FindQuery): Promise<FindResult> }, query: ExportQuery): AsyncGenerator<FindItem> {
  let cursor: string | null = null;
  do {
    const page: FindResult = await service.find({ ...query, limit: ExportPageSize, cursor });
    yield* page.items;
    cursor = page.nextCursor;
  } while (cursor);
}
