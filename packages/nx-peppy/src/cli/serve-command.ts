import { mkdtempSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { EXECUTOR_PID_FILE_VARIABLE, EXIT_STATUS_FILE_VARIABLE, readExecutorPid, readExitStatus } from '../executors/serve/exit-status';
import { isProcessAlive } from '../runtime/process-alive';
import { spawnWithTerminal } from '../runtime/spawn';

const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Finds the `nx` CLI of the workspace in `cwd`, as `npx nx` would. */
export function findNxCli(cwd: string): string | undefined {
  try {
    const manifest = require.resolve('nx/package.json', { paths: [cwd] });
    const bin = (require(manifest) as { bin?: string | Record<string, string> }).bin;
    const relativeBin = typeof bin === 'string' ? bin : bin?.nx;
    return relativeBin ? join(dirname(manifest), relativeBin) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Decides the status of `nx-peppy serve`: the node's own status when the
 * serve executor recorded one and nx reported a failure, otherwise the status
 * of nx (a failed build, or an input error before the node started).
 */
export function serveExitStatus(nxCode: number | null, nxSignal: NodeJS.Signals | null, recorded: number | undefined): number {
  if (nxCode === 0) return 0;
  if (recorded !== undefined && recorded !== 0) return recorded;
  if (nxCode !== null) return nxCode;
  return 128 + (nxSignal ? (constants.signals[nxSignal] ?? 0) : 0);
}

/**
 * Returns the process to pass a signal to: the serve executor while it runs,
 * otherwise nx. Nx 24 does not pass a signal on to its task. Instead it sends
 * SIGTERM to the task's processes itself, children first, and kills them 5 s
 * later. So the node would get SIGTERM for a SIGINT, and a runscript that
 * keeps starting children might never get it. Apptainer could also get it
 * after the runscript exited, and then end with 143 (see docs/serve.md).
 * The executor passes the signal itself to the container's process group.
 */
export function signalTarget(pidFile: string, nxPid: number | undefined): number | undefined {
  const executor = readExecutorPid(pidFile);
  return executor !== undefined && isProcessAlive(executor) ? executor : nxPid;
}

/**
 * Runs `nx serve <args>` and exits with the node's exit status. Nx 24 ends
 * with status 1 for any failed task, so the serve executor writes the status
 * to a file this command names in `NX_PEPPY_EXIT_STATUS_FILE`.
 */
export function runServeCommand(args: readonly string[], cwd: string = process.cwd()): Promise<number> {
  const nx = findNxCli(cwd);
  if (!nx) {
    process.stderr.write(`nx-peppy serve: nx not found from ${cwd}; run it inside an Nx workspace that has nx installed (npm i -D nx)\n`);
    return Promise.resolve(1);
  }

  const folder = mkdtempSync(join(tmpdir(), 'nx-peppy-status-'));
  const statusFile = join(folder, 'exit-status');
  const pidFile = join(folder, 'executor-pid');
  const child = spawnWithTerminal(process.execPath, [nx, 'serve', ...args], {
    cwd,
    env: { ...process.env, [EXIT_STATUS_FILE_VARIABLE]: statusFile, [EXECUTOR_PID_FILE_VARIABLE]: pidFile },
  });

  // A signal sent to this process alone must still stop the node. Once the
  // node has stopped, the executor ends and nx with it.
  const forward = (signal: NodeJS.Signals) => {
    const target = signalTarget(pidFile, child.pid);
    if (target === undefined) return;
    try {
      process.kill(target, signal);
    } catch {
      // Gone in the meantime: nx ends on its own.
    }
  };
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);

  return new Promise((resolve) => {
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      for (const name of FORWARDED_SIGNALS) process.off(name, forward);
      const recorded = readExitStatus(statusFile);
      rmSync(folder, { recursive: true, force: true });
      resolve(serveExitStatus(code, signal, recorded));
    };
    child.on('error', (error) => {
      process.stderr.write(`nx-peppy serve: cannot start nx: ${error.message}\n`);
      finish(1, null);
    });
    child.on('exit', finish);
  });
}
