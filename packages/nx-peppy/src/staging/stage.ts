import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface StagedContext {
  /** Workspace-relative paths written into the context. */
  files: string[];
  /** Paths listed by Nx that no longer exist (deleted since the graph was made). */
  missing: string[];
  linked: number;
  copied: number;
}

/**
 * Creates the build context: each workspace-relative file at the same relative
 * path under `contextRoot`, so sources outside the node folder still resolve.
 * Files are hard-linked where the file system allows and copied otherwise;
 * symlinks are dereferenced, so a `.peppy/libs` of absolute links arrives as files.
 */
export function stageBuildContext(files: readonly string[], workspaceRoot: string, contextRoot: string): StagedContext {
  const staged: StagedContext = { files: [], missing: [], linked: 0, copied: 0 };
  const createdFolders = new Set<string>();

  for (const file of files) {
    const source = join(workspaceRoot, file);
    if (!existsSync(source) || !statSync(source).isFile()) {
      staged.missing.push(file);
      continue;
    }

    const target = join(contextRoot, file);
    const folder = dirname(target);
    if (!createdFolders.has(folder)) {
      mkdirSync(folder, { recursive: true });
      createdFolders.add(folder);
    }

    const real = realpathSync(source);
    try {
      linkSync(real, target);
      staged.linked++;
    } catch {
      // Another file system (EXDEV) or no permission to link (EPERM): copy.
      copyFileSync(real, target);
      staged.copied++;
    }
    staged.files.push(file);
  }
  return staged;
}

/**
 * Lists the files below workspace-relative paths, following symlinked folders
 * as Apptainer's `cp -L` does. A path that is a file is listed as it is.
 */
export function listFilesUnder(paths: readonly string[], workspaceRoot: string): string[] {
  const files: string[] = [];
  const visit = (path: string, seen: Set<string>) => {
    const absolute = join(workspaceRoot, path);
    if (!existsSync(absolute)) return;
    if (!statSync(absolute).isDirectory()) {
      files.push(path);
      return;
    }

    // A symlink loop would otherwise recurse forever.
    const real = realpathSync(absolute);
    if (seen.has(real)) return;
    const inside = new Set(seen).add(real);
    for (const entry of readdirSync(absolute).sort()) visit(`${path}/${entry}`, inside);
  };

  for (const path of paths) visit(path, new Set());
  return files;
}
