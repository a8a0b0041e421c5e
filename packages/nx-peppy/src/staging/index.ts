export { listFilesUnder, stageBuildContext, type StagedContext } from './stage';
export { resolveTaskInputFiles, type TaskInputFiles } from './task-inputs';
