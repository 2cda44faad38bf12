export { netscapeBookmarks } from './netscape-writer.js';
export { jsonLines } from './json-lines-writer.js';
export type { ExportLink, ExportShare, ExportVersion, ExportSource } from './export-types.js';
