import { tmpdir } from 'node:os';

import { logger } from '@nx/devkit';

import { NxPeppyError } from '../../errors';
import type { ProcessExecution } from '../../manifest';
import { forwardedCallerEnvironment, processRunInvocation } from '../../process';
import { createRunFolder, removeStaleRunFolders } from '../../run-config';
import { spawnCommand, type StopSignals } from '../../runtime';
import type { NodeContext } from '../node-context';
import type { RunInputs } from './run-inputs';
import type { ServeExecutorSchema } from './schema';

/**
 * Runs a process node's start command from the node folder as an argument
 * array. The node gets what PeppyOS gives it: the caller's environment
 * filtered as the `peppy` CLI filters it, the declared variables, and
 * `PEPPY_RUNTIME_CONFIG`. Returns the exit status.
 */
export async function serveProcess(
  node: NodeContext,
  execution: ProcessExecution,
  options: ServeExecutorSchema,
  inputs: RunInputs,
  stop?: StopSignals,
): Promise<number> {
  if (inputs.problems.length > 0) throw new NxPeppyError(inputs.problems);

  removeStaleRunFolders(tmpdir());
  const runFolder = createRunFolder(inputs.config);
  const disposeOnExit = () => runFolder.dispose();
  process.once('exit', disposeOnExit);

  try {
    const caller = forwardedCallerEnvironment(process.env);
    if (caller.dropped.length > 0) logger.verbose(`Not forwarded to ${node.projectName}, as PeppyOS does not: ${caller.dropped.join(', ')}`);

    const env = {
      ...caller.variables,
      ...inputs.env,
      PEPPY_NODE_NAME: node.manifest.name,
      PEPPY_NODE_TAG: node.manifest.tag,
      PEPPY_RUNTIME_CONFIG: inputs.userConfigFile ?? runFolder.runtimeConfigFile,
    };
    const { file, args } = processRunInvocation(execution.runCommand, options.args);
    const result = await spawnCommand(file, args, {
      cwd: node.nodeDir,
      env,
      extendEnv: false,
      killGraceMs: (options.killTimeout ?? 5) * 1000,
      stop,
      missingCommandFix: `build the node first with \`nx build ${node.projectName}\`, or correct the start command in ${node.manifest.file}`,
    });
    return result.exitCode;
  } finally {
    process.off('exit', disposeOnExit);
    runFolder.dispose();
  }
}
