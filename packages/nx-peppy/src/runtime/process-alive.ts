import { readFileSync } from 'node:fs';

/**
 * Returns whether a process with this id is running. Temporary files and
 * locks carry their owner's process id, which separates a file left by a
 * killed task from one still in use.
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

/**
 * Returns whether the process is a zombie. A killed process stays one until
 * its parent reaps it, and `kill(pid, 0)` still succeeds then. Linux shows the
 * state in `/proc/<pid>/stat`. Elsewhere this returns false.
 */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name in brackets may contain spaces; the state follows it.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}
