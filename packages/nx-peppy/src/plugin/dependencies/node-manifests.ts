import { join, posix } from 'node:path';

import type { FileMap } from '@nx/devkit';

import { NxPeppyError } from '../../errors';
import { MANIFEST_FILE, readNodeManifest, type NodeManifest } from '../../manifest';
import type { WarningLog } from './warnings';

/** Returns the workspace-relative path of the manifest in a project root. */
export function manifestPathOf(projectRoot: string): string {
  return posix.join(projectRoot, MANIFEST_FILE);
}

function problemText(error: unknown): string {
  if (error instanceof NxPeppyError) return error.problems.map((problem) => problem.message).join('; ');
  return (error as Error).message;
}

/**
 * Cache of the `peppy.json5` manifests read in one run: each is read once,
 * and an invalid one is warned about once and treated as absent.
 */
export class NodeManifests {
  private readonly manifests = new Map<string, NodeManifest | undefined>();

  constructor(
    private readonly workspaceRoot: string,
    private readonly fileMap: FileMap,
    private readonly warnings: WarningLog,
  ) {}

  /** Returns true when the Nx file map lists a `peppy.json5` at the root of the project. */
  hasManifest(projectName: string, projectRoot: string): boolean {
    const manifestPath = manifestPathOf(projectRoot);
    return (this.fileMap.projectFileMap[projectName] ?? []).some((file) => file.file === manifestPath);
  }

  /** Returns the project's manifest, or undefined when it has none or it is invalid. */
  read(projectName: string, projectRoot: string): NodeManifest | undefined {
    if (this.manifests.has(projectName)) return this.manifests.get(projectName);

    let manifest: NodeManifest | undefined;
    const manifestPath = manifestPathOf(projectRoot);
    if (this.hasManifest(projectName, projectRoot)) {
      try {
        manifest = readNodeManifest(join(this.workspaceRoot, manifestPath), manifestPath);
      } catch (error) {
        this.warnings.warn(
          manifestPath,
          `invalid node manifest (${problemText(error)}), so its image and definition file are left out of the project graph.`,
        );
      }
    }

    this.manifests.set(projectName, manifest);
    return manifest;
  }
}
