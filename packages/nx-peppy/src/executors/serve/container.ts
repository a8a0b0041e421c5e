import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

import { logger, type ExecutorContext } from '@nx/devkit';

import { runCommand } from '../../apptainer';
import { NxPeppyError, type Problem } from '../../errors';
import { defaultImagePath, resolveImagePath } from '../../image';
import type { ContainerExecution } from '../../manifest';
import { createRunFolder, removeStaleRunFolders, resolveMountPaths } from '../../run-config';
import { createRuntime, homeDirectory, type ApptainerRuntime, type StopSignals } from '../../runtime';
import type { NodeContext } from '../node-context';
import { formatApptainerEnvFile, leakingHostVariables, splitContainerEnvironment } from './container-env';
import { optionsLabel, type RunInputs } from './run-inputs';
import type { ServeExecutorSchema } from './schema';

const BUILD_EXECUTOR = 'nx-peppy:build';

/** Returns the image path the project's build target writes, whatever that target is named. */
function builtImagePath(node: NodeContext, context: ExecutorContext): string {
  const targets = context.projectsConfigurations?.projects[node.projectName]?.targets ?? {};
  const build = Object.values(targets).find((target) => target.executor === BUILD_EXECUTOR);
  const outputPath = build?.options?.outputPath as string | undefined;
  return outputPath ?? defaultImagePath(node.projectRoot, node.manifest);
}

function mountPathsField(node: NodeContext): string {
  return node.manifest.format === 'node/v1' ? 'execution.container.mount_paths' : 'container.mount_paths';
}

/** Returns the parent of run folders, which Apptainer must see: Lima shares only the home folder by default. */
function runFolderParent(runtime: ApptainerRuntime): string {
  return runtime.kind === 'lima' ? join(homeDirectory(), '.cache', 'nx-peppy', 'runs') : tmpdir();
}

export function createServeRuntime(node: NodeContext, execution: ContainerExecution, options: ServeExecutorSchema): ApptainerRuntime {
  return createRuntime({
    apptainerPath: options.apptainerPath,
    runtime: options.runtime,
    limaInstance: options.limaInstance,
    limaShellExtraArgs: [...execution.limaShellExtraArgs, ...(options.limaShellExtraArgs ?? [])],
  });
}

/**
 * Finds the image and resolves the mounts, and throws one error listing
 * every problem, including those of the parameters and the environment.
 */
function checkContainerInputs(node: NodeContext, execution: ContainerExecution, options: ServeExecutorSchema, context: ExecutorContext, inputs: RunInputs) {
  const problems: Problem[] = [...inputs.problems];

  const image = resolveImagePath(options.imagePath ?? builtImagePath(node, context), context.root, optionsLabel(node));
  if (!existsSync(image)) {
    problems.push({
      file: relative(context.root, image),
      message: 'image not found',
      fix: `build it first with \`nx build ${node.projectName}\` (the serve target depends on build when run through Nx)`,
    });
  }

  const mounts = resolveMountPaths(execution.mountPaths, {
    file: node.manifest.file,
    field: mountPathsField(node),
    schema: inputs.schema,
    parameters: inputs.arguments,
    homeDir: homeDirectory(),
    pathExists: existsSync,
  });
  problems.push(...mounts.problems);

  if (problems.length > 0) throw new NxPeppyError(problems);
  return { image, mounts };
}

/**
 * Runs a container node as `peppy node run` does: `apptainer run --cleanenv`
 * from an empty working folder, with only the declared variables, the
 * runtime config bound at its own path and the manifest's mounts. Returns
 * the container's exit status.
 */
export async function serveContainer(
  node: NodeContext,
  execution: ContainerExecution,
  options: ServeExecutorSchema,
  context: ExecutorContext,
  inputs: RunInputs,
  runtime: ApptainerRuntime,
  stop?: StopSignals,
): Promise<number> {
  const { image, mounts } = checkContainerInputs(node, execution, options, context, inputs);

  const parent = runFolderParent(runtime);
  removeStaleRunFolders(parent);
  const runFolder = createRunFolder(inputs.config, { parent });
  const disposeOnExit = () => runFolder.dispose();
  process.once('exit', disposeOnExit);

  try {
    const runtimeConfigFile = inputs.userConfigFile ?? runFolder.runtimeConfigFile;
    if (/[,:]/.test(runtimeConfigFile)) {
      throw new NxPeppyError({
        file: optionsLabel(node),
        field: 'runtimeConfig',
        message: `the runtime config path ${runtimeConfigFile} contains "," or ":", which Apptainer's --bind reads as separators`,
        fix: 'use a path without "," and ":" (for a generated config, set TMPDIR to such a folder)',
      });
    }

    const environment = splitContainerEnvironment({ ...inputs.env, PEPPY_NODE_NAME: node.manifest.name, PEPPY_NODE_TAG: node.manifest.tag });
    const envFile =
      Object.keys(environment.fileEntries).length > 0
        ? runFolder.writePrivateFile('container.env', formatApptainerEnvFile(environment.fileEntries))
        : undefined;
    const cwd = options.hostMounts ? context.cwd : runFolder.workingDir;

    const invisible = runtime.invisiblePaths([
      { path: image, role: 'image' },
      { path: runtimeConfigFile, role: 'runtime config' },
      { path: cwd, role: 'working folder' },
      ...(envFile ? [{ path: envFile, role: 'env file' }] : []),
      ...mounts.sources.map((source) => ({ path: source, role: 'mount source' })),
    ]);
    if (invisible.length > 0) throw new NxPeppyError(invisible);

    for (const source of mounts.missingSources) {
      mkdirSync(source, { recursive: true });
      logger.warn(`warning: created the missing mount source ${source} (if you meant to bind an existing file, the path has a typo)`);
    }
    for (const device of mounts.skippedDevices) {
      logger.verbose(`${device}: left to Apptainer's /dev mount (a --bind would add nodev)`);
    }

    const extraArgs = [
      ...(environment.needsNoEval ? ['--no-eval'] : []),
      ...(options.hostMounts ? [] : ['--no-home']),
      ...execution.runExtraArgs,
      ...(options.extraArgs ?? []),
    ];
    const argv = runCommand({ image, runtimeConfigFile, env: environment.flags, envFile, binds: mounts.binds, extraArgs, args: options.args });

    const leaking = leakingHostVariables(process.env);
    if (leaking.length > 0) {
      logger.warn(`warning: not passing ${leaking.join(', ')} to Apptainer: they would bypass --cleanenv or add mounts`);
    }
    const hostEnv = Object.fromEntries(leaking.map((name) => [name, undefined]));

    const invocation = runtime.invocation(argv, { cwd });
    logger.verbose(`${invocation.file} ${invocation.args.join(' ')}`);
    const result = await runtime.apptainer(argv, {
      cwd,
      env: runtime.kind === 'native' ? hostEnv : undefined,
      killGraceMs: (options.killTimeout ?? 5) * 1000,
      stop,
    });
    return result.exitCode;
  } finally {
    process.off('exit', disposeOnExit);
    runFolder.dispose();
  }
}
