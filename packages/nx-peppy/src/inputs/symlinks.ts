import { lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';

import { minimatch } from 'minimatch';

import { staticPrefix } from '../definition';
import { EXCLUDED_FOLDERS, leavesWorkspace, type BuildContextPlan } from './plan';

/** A workspace path that a build input covers, searched for symlinks. */
export interface LinkSearchRoot {
  /** Workspace-relative path: searched below when it is a folder, checked itself when it is a symlink. */
  path: string;
  /** Workspace-relative glob that a symlink must match, for a glob source. */
  pattern?: string;
  /** Folder names that the search does not enter, as the input's exclude patterns. */
  skipped: string[];
  /** Reason the path is an input: the definition file, a `%files` source, or a `%setup` or `%pre` section. */
  origin: 'definition' | 'files' | 'host-sections';
  /** The `%files` source as written and its line, for `files` roots. */
  source?: string;
  line?: number;
}

/** A symlink inside a build input, with the kind of path it resolves to. */
export interface FoundSymlink {
  path: string;
  target: 'file' | 'folder' | 'missing';
  /** Workspace-relative POSIX path the link resolves to, when that is inside the workspace. */
  resolved?: string;
  root: LinkSearchRoot;
}

/**
 * Lists the workspace paths whose symlinks can reach the image: the
 * definition file, every host `%files` source inside the workspace, and the
 * whole node folder when a source or a host section makes it an input. Nx hashes a symlink without
 * reading its target (Nx 24.0.7) and does not enter a symlinked folder, so
 * these paths need a second look.
 */
export function linkSearchRoots(plan: BuildContextPlan): LinkSearchRoot[] {
  const roots: LinkSearchRoot[] = [];

  if (!leavesWorkspace(plan.defFile)) roots.push({ path: plan.defFile, skipped: [], origin: 'definition' });

  const wholeFolder = plan.sources.find((source) => source.wholeNodeFolder);
  if (wholeFolder || plan.hostSections) {
    roots.push({
      path: plan.projectRoot,
      skipped: EXCLUDED_FOLDERS,
      ...(wholeFolder ? { origin: 'files', source: wholeFolder.source, line: wholeFolder.line } : { origin: 'host-sections' }),
    });
  }

  for (const source of plan.sources) {
    if (source.path === undefined || source.wholeNodeFolder) continue;

    const prefix = staticPrefix(source.path);
    const glob = prefix !== source.path;
    roots.push({ path: prefix, ...(glob ? { pattern: source.path } : {}), skipped: [], origin: 'files', source: source.source, line: source.line });
  }
  return roots;
}

function targetKind(absolutePath: string): FoundSymlink['target'] {
  try {
    return statSync(absolutePath).isDirectory() ? 'folder' : 'file';
  } catch {
    // A dangling link or a loop. Apptainer fails on it, and the content hash
    // changes once the link resolves.
    return 'missing';
  }
}

/** Resolves a link against the workspace root with its own symlinks resolved; undefined outside the workspace. */
function resolvedInside(absolutePath: string, realWorkspaceRoot: string): string | undefined {
  let path: string;
  try {
    path = relative(realWorkspaceRoot, realpathSync(absolutePath));
  } catch {
    return undefined;
  }
  if (path === '' || path === '..' || path.startsWith(`..${sep}`) || isAbsolute(path)) return undefined;
  return path.split(sep).join('/');
}

/** Matches a path as the Nx inputs of a glob source do: the glob itself or anything below a match. */
function matchesRoot(path: string, root: LinkSearchRoot): boolean {
  if (root.pattern === undefined) return true;
  return minimatch(path, root.pattern, { dot: true }) || minimatch(path, `${root.pattern}/**`, { dot: true });
}

function searchRoot(root: LinkSearchRoot, workspaceRoot: string, realWorkspaceRoot: string, found: Map<string, FoundSymlink>): void {
  const skipped = new Set(root.skipped);

  const record = (path: string) => {
    if (found.has(path) || !matchesRoot(path, root)) return;

    const absolute = join(workspaceRoot, path);
    const target = targetKind(absolute);
    const resolved = target === 'missing' ? undefined : resolvedInside(absolute, realWorkspaceRoot);
    found.set(path, { path, target, ...(resolved === undefined ? {} : { resolved }), root });
  };

  const visit = (folder: string) => {
    let entries;
    try {
      entries = readdirSync(join(workspaceRoot, folder), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = folder === '.' ? entry.name : `${folder}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!skipped.has(entry.name)) visit(path);
      } else if (entry.isSymbolicLink()) {
        record(path);
      }
    }
  };

  let stats;
  try {
    stats = lstatSync(join(workspaceRoot, root.path));
  } catch {
    // A missing source is reported by the build, with its line.
    return;
  }
  if (stats.isSymbolicLink()) record(root.path);
  else if (stats.isDirectory()) visit(root.path);
}

function comparePaths(a: FoundSymlink, b: FoundSymlink): number {
  if (a.path === b.path) return 0;
  return a.path < b.path ? -1 : 1;
}

/**
 * Finds the symlinks below the given roots without following any, sorted by
 * path. The walk reads folder entries only, so a node folder of 50,000 files
 * costs one `readdir` per folder.
 */
export function findSymlinks(roots: readonly LinkSearchRoot[], workspaceRoot: string): FoundSymlink[] {
  const found = new Map<string, FoundSymlink>();
  if (roots.length === 0) return [];

  const realWorkspaceRoot = realpathSync(workspaceRoot);
  for (const root of roots) searchRoot(root, workspaceRoot, realWorkspaceRoot, found);
  return [...found.values()].sort(comparePaths);
}
