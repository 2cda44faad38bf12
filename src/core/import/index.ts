export { parseImportFile, AcceptedImportFormats } from './import-file.js';
export { MaxImportBytes, MaxListedImportErrors } from './import-types.js';
export type { ImportFormat, ImportItem, ImportLineError, ImportParse } from './import-types.js';
