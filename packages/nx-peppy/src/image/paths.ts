import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

import { NxPeppyError } from '../errors';
import type { NodeManifest } from '../manifest';

/**
 * Default image path, relative to the workspace root: `dist/<project root>/<name>_<tag>.sif`.
 * It is never inside the node folder, because `%files .` would copy the old
 * image into the next one.
 */
export function defaultImagePath(projectRoot: string, manifest: Pick<NodeManifest, 'name' | 'tag'>): string {
  return join('dist', projectRoot, `${manifest.name}_${manifest.tag}.sif`);
}

/** True when `child` is `parent` or inside it. */
export function isInside(parent: string, child: string): boolean {
  const path = relative(parent, child);
  return path === '' || (path !== '..' && !path.startsWith(`..${sep}`) && !isAbsolute(path));
}

/**
 * Resolves the `outputPath` option against the workspace root and rejects
 * values Apptainer would treat as a folder or that would delete one.
 */
export function resolveImagePath(outputPath: string, workspaceRoot: string, source = 'the build target options'): string {
  const trimmed = outputPath.trim();
  if (trimmed === '' || trimmed === '.' || trimmed.endsWith('/')) {
    throw new NxPeppyError({
      file: source,
      field: 'outputPath',
      message: `invalid image path "${outputPath}": it names a folder, not a file`,
      fix: 'set "outputPath" to a file path such as "dist/nodes/my_node/my_node_v1.sif"',
    });
  }

  const absolute = resolve(workspaceRoot, trimmed);
  if (existsSync(absolute) && statSync(absolute).isDirectory()) {
    throw new NxPeppyError({
      file: source,
      field: 'outputPath',
      message: `invalid image path "${outputPath}": a folder with that name exists`,
      fix: 'choose a file path for the image, or move the folder away',
    });
  }
  return absolute;
}
