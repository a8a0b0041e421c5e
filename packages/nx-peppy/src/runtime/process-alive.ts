/**
 * Tells whether a process with this id exists. Temporary files and locks
 * carry their owner's process id, so a file left by a killed task can be
 * told apart from one still in use.
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
