export { buildInputs, NX_GLOB_SYNTAX } from './nx-inputs';
export { EXCLUDED_FOLDERS, planBuildContext, sourceIsGlob, type BuildContextPlan, type PlannedSource } from './plan';
export { checkSources, type SourceCheck } from './check-sources';
export { fileHashInput, fileHashInputs } from './file-hash-input';
export { findSymlinks, linkSearchRoots, type FoundSymlink, type LinkSearchRoot } from './symlinks';
