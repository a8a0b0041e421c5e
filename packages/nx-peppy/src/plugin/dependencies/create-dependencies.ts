import type { CreateDependencies } from '@nx/devkit';

import { normalizePluginOptions, type NxPeppyPluginOptions } from '../options';
import { DependencyScan } from './scan';

/**
 * Adds static edges from a project to the projects it builds from. A
 * container node depends on the node whose image a `Bootstrap: localimage`
 * stage starts from and on the projects that contain its `%files` sources. A
 * `pyproject.toml` depends on its uv path sources and workspace members, and
 * a `Cargo.toml` on its path dependencies and workspace members.
 *
 * Only the files in `context.filesToProcess` are read, because Nx keeps the
 * edges of unchanged files from its cache.
 *
 * NOTE: an edge follows from the declaring file and from the state of other
 * projects, such as another node's image path or a project added at a path.
 * Nx recomputes it only when the declaring file changes or Nx rebuilds the
 * whole graph (after `nx reset` or a change to the plugins in nx.json).
 */
export const createDependencies: CreateDependencies<NxPeppyPluginOptions> = (options, context) => {
  const scan = new DependencyScan(context, normalizePluginOptions(options));

  for (const [projectName, files] of Object.entries(context.filesToProcess.projectFileMap)) {
    scan.scanProject(
      projectName,
      files.map((file) => file.file),
    );
  }

  return scan.dependencies();
};
