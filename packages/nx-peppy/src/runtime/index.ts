export { createRuntime, type ApptainerRuntime, type RuntimeOptions } from './runtime';
export { spawnCommand, type SpawnOptions, type SpawnResult } from './spawn';
