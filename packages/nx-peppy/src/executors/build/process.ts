import { logger } from '@nx/devkit';

import type { ProcessExecution } from '../../manifest';
import { processBuildInvocation } from '../../process';
import { spawnCommand } from '../../runtime';
import type { NodeContext } from '../node-context';

/**
 * Runs a process node's build command in the node folder, as PeppyOS does:
 * one element through `sh -c`, more as an argument array.
 */
export async function buildProcessNode(node: NodeContext, execution: ProcessExecution): Promise<{ success: boolean }> {
  const command = execution.buildCommand;
  if (!command || command.length === 0) {
    logger.info(`${node.projectName} has no build command; nothing to build.`);
    return { success: true };
  }

  const field = node.manifest.format === 'node/v1' ? 'execution.build_cmd' : 'process.add_cmd';
  const { file, args } = processBuildInvocation(command, process.env, { file: node.manifest.file, field });
  const result = await spawnCommand(file, args, {
    cwd: node.nodeDir,
    missingCommandFix: `install ${file}, or correct the build command in ${node.manifest.file}`,
  });
  if (result.exitCode !== 0) {
    logger.error(`The build command \`${command.join(' ')}\` of ${node.projectName} failed with exit status ${result.exitCode}.`);
  }
  return { success: result.exitCode === 0 };
}
