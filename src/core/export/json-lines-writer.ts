// linksnap's `json` export: JSON Lines, one link a line, so a huge export streams out and a script
// can read it a line at a time (and linksnap's import reads it back).
import type { ExportLink, ExportSource } from './export-types.js';

/** One line per link, each ending in "\n"; JSON.stringify escapes line breaks inside strings. */
export async function* jsonLines(links: ExportSource): AsyncGenerator<string> {
  for await (const link of links) yield `${JSON.stringify(linkLine(link))}\n`;
}

/** The fields in a fixed order, so exports diff cleanly; nothing else of the caller's object leaks out. */
function linkLine(link: ExportLink): ExportLink {
  return {
    url: link.url,
    title: link.title,
    tags: link.tags,
    createdAt: link.createdAt,
    shares: link.shares.map((share) => ({
      platform: share.platform,
      channelName: share.channelName,
      userName: share.userName,
      sharedAt: share.sharedAt,
      auto: share.auto,
    })),
    versions: link.versions.map((version) => ({
      id: version.id,
      createdAt: version.createdAt,
      capturedAt: version.capturedAt,
      status: version.status,
      httpStatus: version.httpStatus,
      title: version.title,
      sha256: version.sha256,
      viewUrl: version.viewUrl ?? null,
    })),
  };
}
