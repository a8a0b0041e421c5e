import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Lists symlinks to folders below `folder` (workspace-relative), skipping
 * `skipped` folder names. Nx neither hashes nor lists the files inside such a
 * link, so a build context made from Nx's file list would leave them out.
 */
export function findSymlinkedFolders(folder: string, workspaceRoot: string, skipped: readonly string[]): string[] {
  const found: string[] = [];
  const skip = new Set(skipped);

  const visit = (relativeFolder: string) => {
    let entries;
    try {
      entries = readdirSync(join(workspaceRoot, relativeFolder), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = relativeFolder === '.' ? entry.name : `${relativeFolder}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!skip.has(entry.name)) visit(path);
      } else if (entry.isSymbolicLink()) {
        try {
          if (statSync(join(workspaceRoot, path)).isDirectory()) found.push(path);
        } catch {
          // A dangling link copies nothing and fails nothing here.
        }
      }
    }
  };

  visit(folder);
  return found.sort();
}
