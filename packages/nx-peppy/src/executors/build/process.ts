import { logger } from '@nx/devkit';

import type { ProcessExecution } from '../../manifest';
import { spawnCommand } from '../../runtime';
import type { NodeContext } from '../node-context';

/** Runs a process node's build command in the node folder. */
export async function buildProcessNode(node: NodeContext, execution: ProcessExecution): Promise<{ success: boolean }> {
  const command = execution.buildCommand;
  if (!command || command.length === 0) {
    logger.info(`${node.projectName} has no build command; nothing to build.`);
    return { success: true };
  }

  const [file, ...args] = command;
  const result = await spawnCommand(file, args, {
    cwd: node.nodeDir,
    missingCommandFix: `install ${file}, or correct the build command in ${node.manifest.file}`,
  });
  if (result.exitCode !== 0) {
    logger.error(`The build command \`${command.join(' ')}\` of ${node.projectName} failed with exit status ${result.exitCode}.`);
  }
  return { success: result.exitCode === 0 };
}
