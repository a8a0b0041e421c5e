import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';

import { logger, type ExecutorContext } from '@nx/devkit';

import { runCommand } from '../../apptainer';
import { NxPeppyError } from '../../errors';
import { defaultImagePath, resolveImagePath } from '../../image';
import { createRunFolder, createRuntimeConfig } from '../../run-config';
import { createRuntime, spawnCommand } from '../../runtime';
import { loadNodeContext, reportInputErrors, type NodeContext } from '../node-context';
import type { ServeExecutorSchema } from './schema';

const BUILD_EXECUTOR = 'nx-peppy:build';

/** The image path the project's build target writes, whatever that target is named. */
function builtImagePath(node: NodeContext, context: ExecutorContext): string {
  const targets = context.projectsConfigurations?.projects[node.projectName]?.targets ?? {};
  const build = Object.values(targets).find((target) => target.executor === BUILD_EXECUTOR);
  const outputPath = build?.options?.outputPath as string | undefined;
  return outputPath ?? defaultImagePath(node.projectRoot, node.manifest);
}

export default async function serveExecutor(options: ServeExecutorSchema, context: ExecutorContext): Promise<{ success: boolean }> {
  return reportInputErrors(async () => {
    const node = loadNodeContext(context);

    const userConfig = options.runtimeConfig ? resolve(context.root, options.runtimeConfig) : undefined;
    if (userConfig && !existsSync(userConfig)) {
      throw new NxPeppyError({
        file: `${node.projectName}:serve options`,
        field: 'runtimeConfig',
        message: `runtime config not found: ${options.runtimeConfig}`,
        fix: 'point "runtimeConfig" at an existing JSON5 file (relative to the workspace root), or remove it to use a generated one',
      });
    }

    const runFolder = createRunFolder(
      createRuntimeConfig(node.manifest, { messagingHost: options.messagingHost, messagingPort: options.messagingPort }),
    );
    const runtimeConfigFile = userConfig ?? runFolder.runtimeConfigFile;

    try {
      const exitCode =
        node.manifest.execution.kind === 'container'
          ? await runContainer(node, options, context, runFolder.path, runtimeConfigFile)
          : await runProcess(node, options, runtimeConfigFile);

      if (exitCode !== 0) logger.error(`${node.projectName} exited with status ${exitCode}.`);
      return { success: exitCode === 0 };
    } finally {
      runFolder.dispose();
    }
  });
}

async function runContainer(
  node: NodeContext,
  options: ServeExecutorSchema,
  context: ExecutorContext,
  workingDir: string,
  runtimeConfigFile: string,
): Promise<number> {
  if (node.manifest.execution.kind !== 'container') return 1;

  const image = resolveImagePath(options.imagePath ?? builtImagePath(node, context), context.root, `${node.projectName}:serve options`);
  if (!existsSync(image)) {
    throw new NxPeppyError({
      file: relative(context.root, image),
      message: 'image not found',
      fix: `build it first with \`nx build ${node.projectName}\` (the serve target depends on build when run through Nx)`,
    });
  }

  const argv = runCommand({
    image,
    runtimeConfigFile,
    extraArgs: [...node.manifest.execution.runExtraArgs, ...(options.extraArgs ?? [])],
    args: options.args,
  });

  const runtime = createRuntime({ apptainerPath: options.apptainerPath });
  const result = await runtime.apptainer(argv, { cwd: workingDir });
  return result.exitCode;
}

async function runProcess(node: NodeContext, options: ServeExecutorSchema, runtimeConfigFile: string): Promise<number> {
  if (node.manifest.execution.kind !== 'process') return 1;

  const [file, ...args] = node.manifest.execution.runCommand;
  const result = await spawnCommand(file, [...args, ...(options.args ?? [])], {
    cwd: node.nodeDir,
    env: { PEPPY_RUNTIME_CONFIG: runtimeConfigFile },
    missingCommandFix: `build the node first with \`nx build ${node.projectName}\`, or correct the start command in ${node.manifest.file}`,
  });
  return result.exitCode;
}
