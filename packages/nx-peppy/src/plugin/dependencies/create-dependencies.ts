import type { CreateDependencies } from '@nx/devkit';

import { normalizePluginOptions, type NxPeppyPluginOptions } from '../options';

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
  const changed = Object.entries(context.filesToProcess.projectFileMap).filter(([, files]) => files.length > 0);
  if (changed.length === 0) return [];

  // Loaded only when a file changed: the scanner's parsers (zod, json5, TOML)
  // would otherwise load on every warm graph to find nothing.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { DependencyScan } = require('./scan') as typeof import('./scan');
  const scan = new DependencyScan(context, normalizePluginOptions(options));

  for (const [projectName, files] of changed) {
    scan.scanProject(
      projectName,
      files.map((file) => file.file),
    );
  }

  return scan.dependencies();
};
