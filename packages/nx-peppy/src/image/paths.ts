import { existsSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

import { NxPeppyError } from '../errors';
import type { NodeManifest } from '../manifest';

/**
 * Default image path, relative to the workspace root: `dist/<project root>/<name>_<tag>.sif`.
 * It is never inside the node folder, because `%files .` would copy the old
 * image into the next one.
 */
export function defaultImagePath(projectRoot: string, manifest: Pick<NodeManifest, 'name' | 'tag'>): string {
  // The manifest check rejects such tags; this keeps any that get through inside the folder.
  const fileName = `${manifest.name}_${manifest.tag}`.replace(/[^A-Za-z0-9._+-]/g, '_').replace(/^\.+/, '_');
  return join('dist', projectRoot, `${fileName}.sif`);
}

/** True when `child` is `parent` or inside it. */
export function isInside(parent: string, child: string): boolean {
  const path = relative(parent, child);
  return path === '' || (path !== '..' && !path.startsWith(`..${sep}`) && !isAbsolute(path));
}

/** Resolves symlinks in the part of `path` that exists and appends the rest. */
function realPathOfExistingPart(path: string): string {
  let existing = path;
  const rest: string[] = [];
  while (!existsSync(existing) && dirname(existing) !== existing) {
    rest.unshift(basename(existing));
    existing = dirname(existing);
  }
  return join(realpathSync(existing), ...rest);
}

/**
 * Resolves the `outputPath` option against the workspace root. It rejects a
 * folder, because Apptainer would build a sandbox there or delete it. It
 * rejects a file that is not a `.sif`, because publishing the image would
 * replace it. It rejects a path outside the workspace, because Nx caches and
 * restores only outputs inside it.
 */
export function resolveImagePath(outputPath: string, workspaceRoot: string, source = 'the build target options'): string {
  const problem = (message: string, fix: string) => new NxPeppyError({ file: source, field: 'outputPath', message, fix });
  const example = 'for example "dist/nodes/my_node/my_node_v1.sif"';

  if (outputPath.includes('\u0000')) {
    throw problem(`invalid image path ${JSON.stringify(outputPath)}: it contains a NUL character`, 'remove the NUL character from the outputPath');
  }

  const trimmed = outputPath.trim();
  if (trimmed === '' || trimmed === '.' || trimmed.endsWith('/')) {
    throw problem(`invalid image path "${outputPath}": it names a folder, not a file`, `set "outputPath" to a file path such as "dist/nodes/my_node/my_node_v1.sif"`);
  }

  const absolute = resolve(workspaceRoot, trimmed);
  if (existsSync(absolute) && statSync(absolute).isDirectory()) {
    throw problem(`invalid image path "${outputPath}": a folder with that name exists`, 'choose a file path for the image, or move the folder away');
  }

  if (!absolute.endsWith('.sif')) {
    throw problem(`invalid image path "${outputPath}": an image path must end in ".sif"`, `set "outputPath" to a file name ending in .sif, ${example}`);
  }

  if (!isInside(realpathSync(workspaceRoot), realPathOfExistingPart(absolute))) {
    throw problem(
      `invalid image path "${outputPath}": it is outside the workspace, so Nx can neither cache nor restore the image`,
      `set "outputPath" to a path inside the workspace, ${example}`,
    );
  }
  return absolute;
}
