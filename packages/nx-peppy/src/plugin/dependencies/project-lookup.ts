import { posix } from 'node:path';

import type { ProjectConfiguration } from '@nx/devkit';

interface ProjectRoot {
  name: string;
  /** Normalised root with `/` separators, `.` for a project at the workspace root. */
  root: string;
}

function normalizeRoot(root: string): string {
  const normalized = posix.normalize(root.replace(/\\/g, '/')).replace(/\/+$/, '');
  return normalized === '' ? '.' : normalized;
}

function contains(root: string, workspacePath: string): boolean {
  return root === '.' || workspacePath === root || workspacePath.startsWith(`${root}/`);
}

/**
 * Maps workspace paths to Nx projects: a path belongs to the project with the
 * longest root that contains it, as Nx assigns files to projects.
 */
export class ProjectLookup {
  private readonly roots: ProjectRoot[];

  /** `projects` is `CreateDependenciesContext.projects`, keyed by project name. */
  constructor(projects: Readonly<Record<string, ProjectConfiguration>>) {
    const depth = (root: string) => (root === '.' ? -1 : root.length);
    this.roots = Object.entries(projects)
      .map(([name, project]) => ({ name, root: normalizeRoot(project.root) }))
      .sort((first, second) => depth(second.root) - depth(first.root));
  }

  /** Returns the name of the project that contains `workspacePath`, or undefined when none does. */
  projectOf(workspacePath: string): string | undefined {
    return this.roots.find((entry) => contains(entry.root, workspacePath))?.name;
  }

  /** Returns the normalised root of a project, or undefined for an unknown name. */
  rootOf(projectName: string): string | undefined {
    return this.roots.find((entry) => entry.name === projectName)?.root;
  }
}
