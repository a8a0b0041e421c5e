export { buildInputs } from './nx-inputs';
export { EXCLUDED_FOLDERS, planBuildContext, sourceIsGlob, type BuildContextPlan, type PlannedSource } from './plan';
export { checkSources, type SourceCheck } from './check-sources';
export { fileHashInput } from './file-hash-input';
