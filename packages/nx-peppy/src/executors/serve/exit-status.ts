import { readFileSync, rmSync, writeFileSync } from 'node:fs';

/**
 * Nx 24 ends `nx serve` with status 1 for any failed task, whatever status
 * the task had. `nx-peppy serve` sets this variable to a file path, the
 * executor writes the node's exit status there, and the CLI exits with it.
 */
export const EXIT_STATUS_FILE_VARIABLE = 'NX_PEPPY_EXIT_STATUS_FILE';

/** Writes the node's exit status where `nx-peppy serve` asked for it; does nothing otherwise. */
export function recordExitStatus(status: number, env: NodeJS.ProcessEnv = process.env): void {
  const file = env[EXIT_STATUS_FILE_VARIABLE];
  if (!file) return;
  try {
    writeFileSync(file, `${status}\n`);
  } catch {
    // The CLI then falls back to the status of nx itself.
  }
}

/** Reads a recorded exit status, or undefined when none was written. */
export function readExitStatus(file: string): number | undefined {
  try {
    const status = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(status) && status >= 0 && status <= 255 ? status : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Nx 24 does not pass a signal on to its task. It sends SIGTERM to the
 * task's processes itself, children first (see docs/serve.md). So
 * `nx-peppy serve` sets this variable to a file path, the executor writes its
 * process id there while it runs, and the CLI signals the executor directly.
 */
export const EXECUTOR_PID_FILE_VARIABLE = 'NX_PEPPY_SERVE_PID_FILE';

/**
 * Writes this process's id where `nx-peppy serve` expects it. Returns the
 * function that removes the file again, so that a signal after the run goes
 * to nx and not to a process id that may since belong to another process.
 */
export function recordExecutorPid(env: NodeJS.ProcessEnv = process.env, pid: number = process.pid): () => void {
  const file = env[EXECUTOR_PID_FILE_VARIABLE];
  if (!file) return () => undefined;
  try {
    writeFileSync(file, `${pid}\n`);
  } catch {
    // The CLI then signals nx, as it would without the file.
    return () => undefined;
  }
  return () => rmSync(file, { force: true });
}

/** Reads the executor's process id, or undefined when none was written. */
export function readExecutorPid(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
