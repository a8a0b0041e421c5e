import { existsSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, posix, relative, resolve } from 'node:path';

import { logger, type ExecutorContext } from '@nx/devkit';

import { apptainerCacheDir, buildCommand, findFatalLine, usesApptainerCache, withCacheLock } from '../../apptainer';
import { assertNoErrors, parseDefinition, type Definition } from '../../definition';
import { quickPreflight } from '../../doctor';
import { formatProblem, NxPeppyError, type Problem } from '../../errors';
import {
  defaultImagePath,
  discardImage,
  isInside,
  publishImage,
  removeStaleTemporaryImages,
  resolveImagePath,
  temporaryImagePath,
} from '../../image';
import { checkSources, findSymlinks, linkSearchRoots, planBuildContext, type BuildContextPlan } from '../../inputs';
import type { ContainerExecution } from '../../manifest';
import { createRuntime } from '../../runtime';
import { listFilesUnder, resolveTaskInputFiles, stageBuildContext } from '../../staging';
import type { NodeContext } from '../node-context';
import { checkBuildArgs } from './build-args';
import type { BuildExecutorSchema } from './schema';

/** Build options after `checkBuildArgs`, with every build argument as text. */
type CheckedBuildOptions = Omit<BuildExecutorSchema, 'buildArgs'> & { buildArgs?: Record<string, string> };

function defFileField(node: NodeContext): string {
  return node.manifest.format === 'node/v1' ? 'execution.container.def_file' : 'container.def_file';
}

/** Reads and checks the definition file; every error is reported before Apptainer starts. */
function loadDefinition(node: NodeContext, execution: ContainerExecution, options: CheckedBuildOptions, workspaceRoot: string) {
  const defFile = posix.join(node.projectRoot, options.defFile ?? execution.defFile);
  const absolute = join(workspaceRoot, defFile);
  if (!existsSync(absolute)) {
    throw new NxPeppyError({
      file: options.defFile ? `${node.projectName}:build options` : node.manifest.file,
      field: options.defFile ? 'defFile' : defFileField(node),
      message: `definition file not found: ${defFile}`,
      fix: 'create the definition file, or point the field at an existing one (relative to the node folder)',
    });
  }

  // The definition file is a hashed input only inside the workspace; a symlink out of it is not.
  const realDefFile = realpathSync(absolute);
  if (!isInside(realpathSync(workspaceRoot), realDefFile)) {
    throw new NxPeppyError({
      file: options.defFile ? `${node.projectName}:build options` : node.manifest.file,
      field: options.defFile ? 'defFile' : defFileField(node),
      message: `the definition file ${defFile} is outside the workspace (${realDefFile}), so the Nx cache cannot see its changes`,
      fix: 'move the definition file into the workspace, or copy it there instead of linking it',
    });
  }

  const definition = parseDefinition(readFileSync(absolute, 'utf8'), { file: defFile, buildArgs: options.buildArgs });
  assertNoErrors(definition);
  return { defFile, definition };
}

function destinationLookup(definition: Definition) {
  const byLine = new Map<number, string | undefined>();
  for (const stage of definition.stages) for (const entry of stage.files) byLine.set(entry.line, entry.destination);
  return (line: number) => byLine.get(line);
}

/**
 * Rejects symlinks to folders inside the build's sources: Nx neither lists
 * nor hashes the files in them, so the image would leave them out or keep
 * stale copies from the cache.
 */
function symlinkedFolderProblems(plan: BuildContextPlan, defFile: string, workspaceRoot: string): Problem[] {
  const folders = findSymlinks(linkSearchRoots(plan), workspaceRoot).filter((link) => link.target === 'folder' && link.root.origin !== 'definition');

  return folders.map(({ path, root }) => ({
    file: defFile,
    line: root.line,
    message:
      root.origin === 'files'
        ? `${path} is a symlink to a folder; Nx neither lists nor hashes the files in it, so %files ${root.source} would copy them unhashed or leave them out`
        : `${path} is a symlink to a folder; Nx neither lists nor hashes the files in it, and %setup or %pre makes the whole node folder an input`,
    fix: 'replace the symlink with the folder itself, or copy the folder in with its own %files line naming its real path',
  }));
}

/** Apptainer messages that point at the host rather than at the definition file. */
const HOST_PROBLEM = /user namespace|fakeroot|newuidmap|newgidmap|subuid|subgid|uid_map|gid_map|capabilit|apparmor|no space left/i;

/** Adds the failed host prerequisites to a build error that looks like a host problem. */
function reportHostPrerequisites(tail: readonly string[]): void {
  if (!tail.some((line) => HOST_PROBLEM.test(line))) return;
  const preflight = quickPreflight();
  if (preflight.text) logger.error(`Host prerequisites that may explain this (run \`npx nx-peppy doctor\` for all checks):\n${preflight.text}`);
}

/**
 * Host bases inside the workspace (`localimage`, `oci`, `oci-archive`,
 * `docker-archive`), workspace-relative. A relative `From:` is resolved from
 * the working directory, which is the staged node folder, so the base has to
 * be staged too. Nx hashes a node's image as a dependency output, which its
 * hash planner cannot list before the dependency has run, and any other base
 * through a runtime input.
 */
function localImagesInWorkspace(localImages: readonly string[], projectRoot: string, workspaceRoot: string): string[] {
  return localImages
    .map((image) => relative(workspaceRoot, resolve(workspaceRoot, projectRoot, image)))
    .filter((image) => image !== '' && !image.startsWith('..') && !isAbsolute(image));
}

/**
 * Builds the image from a build context that holds exactly the files Nx
 * hashed, into a temporary file renamed over the image only on success.
 */
export async function buildContainerNode(
  node: NodeContext,
  execution: ContainerExecution,
  rawOptions: BuildExecutorSchema,
  context: ExecutorContext,
): Promise<{ success: boolean }> {
  const workspaceRoot = context.root;
  const optionsSource = `${node.projectName}:build options`;
  const options: CheckedBuildOptions = { ...rawOptions, buildArgs: checkBuildArgs(rawOptions.buildArgs, optionsSource) };
  const { defFile, definition } = loadDefinition(node, execution, options, workspaceRoot);

  const imagePath = resolveImagePath(options.outputPath ?? defaultImagePath(node.projectRoot, node.manifest), workspaceRoot, optionsSource);
  if (isInside(node.nodeDir, imagePath)) {
    throw new NxPeppyError({
      file: optionsSource,
      field: 'outputPath',
      message: `invalid image path "${options.outputPath}": it is inside the node folder, so the image would be an input of its own build and \`%files .\` would copy it into the next image`,
      fix: `remove "outputPath" to use ${defaultImagePath(node.projectRoot, node.manifest)}, or choose a path outside ${node.projectRoot}`,
    });
  }
  mkdirSync(dirname(imagePath), { recursive: true });
  removeStaleTemporaryImages(imagePath);

  const plan = planBuildContext(node.projectRoot, defFile, definition, workspaceRoot);
  const inputs = await resolveTaskInputFiles(context);
  const sources = checkSources(plan, inputs.files, workspaceRoot, destinationLookup(definition));
  const planErrors = plan.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
  const linkErrors = symlinkedFolderProblems(plan, defFile, workspaceRoot);
  if (planErrors.length + sources.errors.length + linkErrors.length > 0) throw new NxPeppyError([...planErrors, ...sources.errors, ...linkErrors]);

  const warnings: Problem[] = [...definition.diagnostics, ...plan.diagnostics].filter((diagnostic) => diagnostic.severity === 'warning');
  warnings.push(...sources.warnings);
  for (const warning of warnings) logger.warn(`warning: ${formatProblem(warning)}`);

  const temporaryPath = temporaryImagePath(imagePath);
  const contextRoot = `${temporaryPath}.context`;

  try {
    // Hashed files first; then the bases and the git-ignored sources that Nx
    // cannot list as files, each logged apart so the two sets stay visible.
    const staged = stageBuildContext([...inputs.files, ...inputs.depOutputs], workspaceRoot, contextRoot);
    const unhashed = stageBuildContext(
      listFilesUnder([...localImagesInWorkspace(plan.localImages, node.projectRoot, workspaceRoot), ...sources.unhashed], workspaceRoot),
      workspaceRoot,
      contextRoot,
    );
    logger.info(
      `Staged ${staged.files.length + unhashed.files.length} files for ${node.projectName} ` +
        `(${staged.linked + unhashed.linked} linked, ${staged.copied + unhashed.copied} copied)`,
    );
    logger.verbose(['Staged files:', ...staged.files.map((file) => `  ${file}`)].join('\n'));
    if (unhashed.files.length > 0) logger.verbose(['Staged bases and git-ignored sources:', ...unhashed.files.map((file) => `  ${file}`)].join('\n'));

    const argv = buildCommand({
      output: temporaryPath,
      defFile: join(contextRoot, defFile),
      fakeroot: options.fakeroot ?? true,
      buildArgs: options.buildArgs,
      extraArgs: [...execution.buildExtraArgs, ...(options.extraArgs ?? [])],
    });

    const runtime = createRuntime({
      apptainerPath: options.apptainerPath,
      runtime: options.runtime,
      limaInstance: options.limaInstance,
      limaShellExtraArgs: [...execution.limaShellExtraArgs, ...(options.limaShellExtraArgs ?? [])],
    });
    const invisible = runtime.invisiblePaths([
      { path: contextRoot, role: 'build context' },
      { path: temporaryPath, role: 'image' },
    ]);
    if (invisible.length > 0) throw new NxPeppyError(invisible);

    logger.info(`Building ${relative(workspaceRoot, imagePath)} from ${defFile}`);
    // The staged node folder is missing when no hashed file lies in it (a definition file elsewhere).
    const workingDir = join(contextRoot, node.projectRoot);
    mkdirSync(workingDir, { recursive: true });
    const runBuild = () => runtime.apptainer(argv, { cwd: workingDir });
    const result = usesApptainerCache(definition) ? await withCacheLock(apptainerCacheDir(), runBuild) : await runBuild();

    if (result.exitCode !== 0 || !existsSync(temporaryPath)) {
      const fatal = findFatalLine(result.tail) ?? `apptainer build exited with status ${result.exitCode}`;
      logger.error(
        [`Building ${node.projectName} failed: ${fatal}`, '--- last lines of the Apptainer output ---', ...result.tail.slice(-15)].join('\n'),
      );
      logger.error(`The previous image, if any, is unchanged: ${relative(workspaceRoot, imagePath)}`);
      reportHostPrerequisites(result.tail);
      return { success: false };
    }

    publishImage(temporaryPath, imagePath);
    logger.info(`Wrote ${relative(workspaceRoot, imagePath)}`);
    return { success: true };
  } finally {
    discardImage(temporaryPath);
    discardImage(contextRoot);
  }
}
