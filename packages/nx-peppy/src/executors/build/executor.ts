import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

import { logger, type ExecutorContext } from '@nx/devkit';

import { buildCommand, findFatalLine } from '../../apptainer';
import { NxPeppyError } from '../../errors';
import {
  defaultImagePath,
  discardImage,
  publishImage,
  removeStaleTemporaryImages,
  resolveImagePath,
  temporaryImagePath,
} from '../../image';
import type { ContainerExecution, ProcessExecution } from '../../manifest';
import { createRuntime, spawnCommand } from '../../runtime';
import { loadNodeContext, reportInputErrors, type NodeContext } from '../node-context';
import type { BuildExecutorSchema } from './schema';

export default async function buildExecutor(options: BuildExecutorSchema, context: ExecutorContext): Promise<{ success: boolean }> {
  return reportInputErrors(async () => {
    const node = loadNodeContext(context);
    const { execution } = node.manifest;

    if (execution.kind === 'process') return buildProcessNode(node, execution);
    return buildContainerNode(node, execution, options, context.root);
  });
}

async function buildProcessNode(node: NodeContext, execution: ProcessExecution): Promise<{ success: boolean }> {
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

function defFileField(node: NodeContext): string {
  return node.manifest.format === 'node/v1' ? 'execution.container.def_file' : 'container.def_file';
}

async function buildContainerNode(
  node: NodeContext,
  execution: ContainerExecution,
  options: BuildExecutorSchema,
  workspaceRoot: string,
): Promise<{ success: boolean }> {
  const defFile = join(node.nodeDir, options.defFile ?? execution.defFile);
  if (!existsSync(defFile)) {
    throw new NxPeppyError({
      file: options.defFile ? `${node.projectName}:build options` : node.manifest.file,
      field: options.defFile ? 'defFile' : defFileField(node),
      message: `definition file not found: ${relative(workspaceRoot, defFile)}`,
      fix: 'create the definition file, or point the field at an existing one (relative to the node folder)',
    });
  }

  const imagePath = resolveImagePath(options.outputPath ?? defaultImagePath(node.projectRoot, node.manifest), workspaceRoot);
  mkdirSync(dirname(imagePath), { recursive: true });
  removeStaleTemporaryImages(imagePath);

  const temporaryPath = temporaryImagePath(imagePath);
  const argv = buildCommand({
    output: temporaryPath,
    defFile,
    fakeroot: options.fakeroot ?? true,
    buildArgs: options.buildArgs,
    extraArgs: [...execution.buildExtraArgs, ...(options.extraArgs ?? [])],
  });

  logger.info(`Building ${relative(workspaceRoot, imagePath)} from ${relative(workspaceRoot, defFile)}`);
  const runtime = createRuntime({ apptainerPath: options.apptainerPath });

  try {
    const result = await runtime.apptainer(argv, { cwd: node.nodeDir });
    if (result.exitCode !== 0 || !existsSync(temporaryPath)) {
      const fatal = findFatalLine(result.tail) ?? `apptainer build exited with status ${result.exitCode}`;
      logger.error(
        [`Building ${node.projectName} failed: ${fatal}`, '--- last lines of the Apptainer output ---', ...result.tail.slice(-15)].join('\n'),
      );
      logger.error(`The previous image, if any, is unchanged: ${relative(workspaceRoot, imagePath)}`);
      return { success: false };
    }

    publishImage(temporaryPath, imagePath);
    logger.info(`Wrote ${relative(workspaceRoot, imagePath)}`);
    return { success: true };
  } finally {
    discardImage(temporaryPath);
  }
}
