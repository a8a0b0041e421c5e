import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';

import type { CreateDependenciesContext, FileData, FileMap, ProjectConfiguration } from '@nx/devkit';

/** A project for `TestWorkspace.context`: its root, or a whole configuration. */
export type TestProject = string | Omit<ProjectConfiguration, 'name'>;

export interface ContextOptions {
  /** Projects keyed by name, as Nx keys `CreateDependenciesContext.projects`. */
  projects: Record<string, TestProject>;
  /** Workspace-relative files in `filesToProcess`; every file when unset. */
  changed?: readonly string[];
}

/** Text of a node/v1 `peppy.json5` for a container node. */
export function containerManifest(name: string, options: { tag?: string; defFile?: string; buildExtraArgs?: string[] } = {}): string {
  const container: Record<string, unknown> = { def_file: options.defFile ?? 'apptainer.def' };
  if (options.buildExtraArgs) container.apptainer_build_extra_args = options.buildExtraArgs;
  return JSON.stringify({
    peppy_schema: 'node/v1',
    manifest: { name, tag: options.tag ?? 'v1' },
    execution: { language: 'python', container },
  });
}

/** Text of a node/v1 `peppy.json5` for a process node. */
export function processManifest(name: string): string {
  return JSON.stringify({
    peppy_schema: 'node/v1',
    manifest: { name, tag: 'v1' },
    execution: { language: 'python', run_cmd: ['python', '-m', name] },
  });
}

function contains(root: string, file: string): boolean {
  return root === '.' || file.startsWith(`${root}/`);
}

/** A workspace folder under the system temp folder, with a hand-built Nx context over its files. */
export class TestWorkspace {
  readonly root = mkdtempSync(join(tmpdir(), 'nx-peppy-dependencies-'));

  /** Writes a file, creating its folders; `path` is relative to the workspace root. */
  write(path: string, text: string): void {
    mkdirSync(dirname(join(this.root, path)), { recursive: true });
    writeFileSync(join(this.root, path), text);
  }

  /** Creates a symlink at `path` (relative to the workspace root) that points to `target`, as written. */
  link(target: string, path: string): void {
    mkdirSync(dirname(join(this.root, path)), { recursive: true });
    symlinkSync(target, join(this.root, path));
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }

  /** Returns every file of the workspace, relative to its root with `/` separators, sorted. */
  files(): string[] {
    const entries = readdirSync(this.root, { recursive: true, withFileTypes: true });
    return entries
      // Nx lists a symlink as a file of its folder.
      .filter((entry) => entry.isFile() || entry.isSymbolicLink())
      .map((entry) => relative(this.root, join(entry.parentPath, entry.name)).split(sep).join('/'))
      .sort();
  }

  /**
   * Builds the context Nx passes to `createDependencies`: each file goes to
   * the project with the longest root that contains it, as in Nx's file map.
   */
  context(options: ContextOptions): CreateDependenciesContext {
    const projects: Record<string, ProjectConfiguration> = {};
    for (const [name, project] of Object.entries(options.projects)) {
      projects[name] = typeof project === 'string' ? { name, root: project } : { name, ...project };
    }

    const byDepth = Object.entries(projects).sort(([, first], [, second]) => second.root.length - first.root.length);
    const fileMap: FileMap = { projectFileMap: Object.fromEntries(Object.keys(projects).map((name) => [name, []])), nonProjectFiles: [] };
    const filesToProcess: FileMap = { projectFileMap: {}, nonProjectFiles: [] };
    const changed = options.changed ? new Set(options.changed) : undefined;

    for (const file of this.files()) {
      const data: FileData = { file, hash: `hash of ${file}` };
      const owner = byDepth.find(([, project]) => contains(project.root, file))?.[0];
      const isChanged = !changed || changed.has(file);

      if (owner === undefined) {
        fileMap.nonProjectFiles.push(data);
        if (isChanged) filesToProcess.nonProjectFiles.push(data);
        continue;
      }
      fileMap.projectFileMap[owner].push(data);
      if (isChanged) (filesToProcess.projectFileMap[owner] ??= []).push(data);
    }

    return { projects, fileMap, filesToProcess, externalNodes: {}, nxJsonConfiguration: {}, workspaceRoot: this.root };
  }
}
