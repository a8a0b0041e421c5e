export type { Definition, DefinitionDiagnostic, FilesEntry, ParseOptions, Section, Stage } from './types';
export { parseDefinition } from './parse';
export { parseBuildArgFile } from './build-args';
export { assertNoErrors } from './diagnostics';
export { isGlobPattern, staticPrefix } from './files';
