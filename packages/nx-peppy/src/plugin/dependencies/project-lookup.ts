import { posix } from 'node:path';

import type { ProjectConfiguration } from '@nx/devkit';

function normalizeRoot(root: string): string {
  const normalized = posix.normalize(root.replace(/\\/g, '/')).replace(/\/+$/, '');
  return normalized === '' ? '.' : normalized;
}

/**
 * Maps workspace paths to Nx projects: a path belongs to the project with the
 * longest root that contains it, as Nx assigns files to projects.
 */
export class ProjectLookup {
  private readonly nameByRoot = new Map<string, string>();
  private readonly rootByName = new Map<string, string>();

  /** `projects` is `CreateDependenciesContext.projects`, keyed by project name. */
  constructor(projects: Readonly<Record<string, ProjectConfiguration>>) {
    for (const [name, project] of Object.entries(projects)) {
      const root = normalizeRoot(project.root);
      this.nameByRoot.set(root, name);
      this.rootByName.set(name, root);
    }
  }

  /**
   * Returns the name of the project that contains `workspacePath`, or undefined
   * when none does. The walk goes up the path's folders, so the first root
   * found is the longest, and a lookup costs one map read per folder level.
   */
  projectOf(workspacePath: string): string | undefined {
    let folder = workspacePath;
    while (folder !== '' && folder !== '.') {
      const name = this.nameByRoot.get(folder);
      if (name !== undefined) return name;

      const slash = folder.lastIndexOf('/');
      folder = slash < 0 ? '' : folder.slice(0, slash);
    }
    return this.nameByRoot.get('.');
  }

  /** Returns the normalised root of a project, or undefined for an unknown name. */
  rootOf(projectName: string): string | undefined {
    return this.rootByName.get(projectName);
  }
}
