import { readFileSync, writeFileSync } from 'node:fs';

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
