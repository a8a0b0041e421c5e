export { createRuntime, defaultRuntimeKind, homeDirectory, type ApptainerRuntime, type Invocation, type RuntimeKind, type RuntimeOptions } from './runtime';
export { runCommandSync, spawnCommand, spawnWithTerminal, StopSignals, type SpawnOptions, type SpawnResult, type SyncResult } from './spawn';
export { DEFAULT_LIMA_INSTANCE, GUEST_CD_SCRIPT, limaShellArgs, type LimaCommandOptions } from './lima-command';
export { invisiblePathProblems, limaSameMountPaths, resolveLimaHome, type HostPath } from './lima-mounts';
export { isProcessAlive } from './process-alive';
