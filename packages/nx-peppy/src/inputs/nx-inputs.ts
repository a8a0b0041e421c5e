import type { TargetConfiguration } from '@nx/devkit';

type InputDefinition = Exclude<NonNullable<TargetConfiguration['inputs']>[number], string>;

import { fileHashInput } from './file-hash-input';
import { EXCLUDED_FOLDERS, leavesWorkspace, type BuildContextPlan } from './plan';

/** Characters that Nx 24 reads as glob syntax in an input pattern, such as `{projectRoot}/…`. */
export const NX_GLOB_SYNTAX = /[()[\]{}*?!]/;

function isInside(projectRoot: string, path: string): boolean {
  return projectRoot === '.' || path === projectRoot || path.startsWith(`${projectRoot}/`);
}

/** `{projectRoot}`-relative form of a path inside the project, which Nx hashes from the project's files. */
function projectPattern(projectRoot: string, path: string): string {
  if (path === projectRoot) return '{projectRoot}';
  return `{projectRoot}/${projectRoot === '.' ? path : path.slice(projectRoot.length + 1)}`;
}

function folderExcludes(): string[] {
  return EXCLUDED_FOLDERS.map((folder) => `!{projectRoot}/**/${folder}/**`);
}

/**
 * Lists the Nx inputs of a container build: exactly what `apptainer build` can
 * copy into the image. A path source may be a file or a folder, so both the path
 * and everything below it are listed; Nx matches only files.
 */
export function buildInputs(plan: BuildContextPlan): (string | InputDefinition)[] {
  const inputs = new Set<string>();
  const root = plan.projectRoot;

  const runtimeInputs: InputDefinition[] = [];
  if (leavesWorkspace(plan.defFile)) runtimeInputs.push(fileHashInput(plan.defFile));
  else inputs.add(isInside(root, plan.defFile) ? projectPattern(root, plan.defFile) : `{workspaceRoot}/${plan.defFile}`);

  const wholeFolder = plan.hostSections || plan.sources.some((source) => source.wholeNodeFolder);
  if (wholeFolder) {
    inputs.add('{projectRoot}/**/*');
    for (const exclude of folderExcludes()) inputs.add(exclude);
  }

  for (const source of plan.sources) {
    if (source.outsidePath !== undefined) runtimeInputs.push(fileHashInput(source.outsidePath));
    if (source.path === undefined || source.wholeNodeFolder) continue;

    const pattern = isInside(root, source.path) ? projectPattern(root, source.path) : `{workspaceRoot}/${source.path}`;
    inputs.add(pattern);
    inputs.add(`${pattern}/**/*`);
  }

  // NOTE: Nx matches `*` against dotfiles too, but Apptainer's shell globs skip
  // them. So a dotfile matched only by a `*` source is hashed but not copied.
  const list: (string | InputDefinition)[] = [...[...inputs].sort(compareExcludesLast), ...runtimeInputs];
  if (plan.localImages.length > 0) list.push({ dependentTasksOutputFiles: '**/*.sif', transitive: false });
  // Only the plugin's own version can change how an image is built, not every npm package.
  list.push({ externalDependencies: ['nx-peppy'] });
  return list;
}

/** Nx applies negative patterns to the positive ones listed before them. */
function compareExcludesLast(a: string, b: string): number {
  const aNegative = a.startsWith('!');
  const bNegative = b.startsWith('!');
  if (aNegative !== bNegative) return aNegative ? 1 : -1;
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
