import { isAbsolute, relative, resolve, sep } from 'node:path';

/** A path read from a file, resolved against the folder it is relative to. */
export interface ResolvedPath {
  /** Absolute, normalised path. */
  absolute: string;
  /** Path relative to the workspace root with `/` separators (`.` for the root); undefined outside the workspace. */
  workspacePath?: string;
}

/**
 * Converts an absolute path to a workspace-relative one with `/` separators,
 * as Nx stores file and project paths. Returns undefined outside the workspace.
 */
export function toWorkspacePath(workspaceRoot: string, absolute: string): string | undefined {
  const path = relative(workspaceRoot, absolute);
  if (path === '') return '.';
  if (path === '..' || path.startsWith(`..${sep}`) || isAbsolute(path)) return undefined;
  return path.split(sep).join('/');
}

/**
 * Resolves `path` (relative or absolute) against `baseFolder`, a folder
 * relative to the workspace root, and normalises `.` and `..` segments.
 */
export function resolveWorkspacePath(workspaceRoot: string, baseFolder: string, path: string): ResolvedPath {
  const absolute = resolve(workspaceRoot, baseFolder, path);
  return { absolute, workspacePath: toWorkspacePath(workspaceRoot, absolute) };
}
