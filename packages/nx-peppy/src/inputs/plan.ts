import { isAbsolute, posix, relative, sep } from 'node:path';

import type { Definition, DefinitionDiagnostic } from '../definition';
import { isGlobPattern } from '../definition';

/**
 * Folders never copied by `%files .`: version control, Nx data, installed
 * dependencies and build output, which PeppyOS skips as well.
 */
export const EXCLUDED_FOLDERS = ['.git', '.nx', 'node_modules', '.venv', 'target', '__pycache__', 'dist'];

/** One host source of a `%files` line, resolved against the workspace. */
export interface PlannedSource {
  /** The source as written, after templating. */
  source: string;
  line: number;
  /** Workspace-relative POSIX path or glob; undefined when it leaves the workspace. */
  path?: string;
  /** An absolute source outside the workspace, which Apptainer reads from the host as it is. */
  outsidePath?: string;
  /**
   * The whole node folder is an input: the source is the node folder itself
   * (`%files . /opt/x`), or a placeholder left unresolved until build arguments are known.
   */
  wholeNodeFolder: boolean;
}

/** Plan of an image's build context: its sources, bases and host sections. */
export interface BuildContextPlan {
  projectRoot: string;
  /** Workspace-relative definition file. */
  defFile: string;
  sources: PlannedSource[];
  /** `localimage` bases, as written in `From:`. */
  localImages: string[];
  /** `%setup` or `%pre` present: their host inputs are unknown, so the whole node folder is an input. */
  hostSections: boolean;
  /** Problems only visible once paths are resolved (sources outside the workspace). */
  diagnostics: DefinitionDiagnostic[];
}

/** True for a workspace-relative POSIX path that leaves the workspace: `..`, `../…` or absolute. */
export function leavesWorkspace(path: string): boolean {
  return path === '..' || path.startsWith('../') || posix.isAbsolute(path);
}

function toPosix(path: string): string {
  return path.split(sep).join('/');
}

/** Resolves a `%files` source against the node folder, as `apptainer build` does from its working directory. */
function resolveSource(source: string, projectRoot: string, workspaceRoot: string): string | undefined {
  const fromWorkspace = isAbsolute(source) ? toPosix(relative(workspaceRoot, source)) : posix.normalize(posix.join(projectRoot, source));
  if (leavesWorkspace(fromWorkspace)) return undefined;
  return fromWorkspace === '' ? '.' : fromWorkspace;
}

/**
 * Plans the build context of a container node from its parsed definition
 * file: every host `%files` source of every stage, the `localimage` bases, and
 * whether host sections make the whole node folder an input.
 */
export function planBuildContext(projectRoot: string, defFile: string, definition: Definition, workspaceRoot: string): BuildContextPlan {
  const root = projectRoot === '' ? '.' : toPosix(projectRoot);
  const sources: PlannedSource[] = [];
  const diagnostics: DefinitionDiagnostic[] = [];
  const localImages: string[] = [];
  let hostSections = false;

  for (const stage of definition.stages) {
    if (stage.localImage) localImages.push(stage.localImage);
    if (stage.sections.some((section) => section.name === 'setup' || section.name === 'pre')) hostSections = true;

    for (const entry of stage.files) {
      if (entry.fromStage !== undefined) continue;

      const path = resolveSource(entry.source, root, workspaceRoot);
      const outsidePath = path === undefined && isAbsolute(entry.source) ? entry.source : undefined;
      if (outsidePath !== undefined) {
        diagnostics.push({
          severity: 'warning',
          code: 'source-outside-workspace',
          file: definition.file,
          line: entry.line,
          message: `the %files source "${entry.source}" is outside the workspace; its content is hashed on every run, and a folder there is not hashed at all`,
          fix: 'move the file into the workspace, so that Nx hashes it with the other inputs',
        });
      } else if (path === undefined) {
        // The build runs from a staged copy of the node folder, where such a
        // relative path would name a different file than in the node folder.
        diagnostics.push({
          severity: 'error',
          code: 'relative-source-outside-workspace',
          file: definition.file,
          line: entry.line,
          message: `the %files source "${entry.source}" climbs out of the workspace`,
          fix: 'move the file into the workspace, or write its absolute path',
        });
      }
      const unresolved = entry.source.includes('{{');
      sources.push({ source: entry.source, line: entry.line, path, outsidePath, wholeNodeFolder: path === root || unresolved });
    }
  }

  const defPath = toPosix(defFile);
  if (leavesWorkspace(defPath)) {
    diagnostics.push({
      severity: 'warning',
      code: 'definition-outside-workspace',
      file: definition.file,
      line: 0,
      message: `the definition file ${defPath} is outside the workspace; its content is hashed on every run`,
      fix: 'move the definition file into the workspace',
    });
  }

  return { projectRoot: root, defFile: defPath, sources, localImages, hostSections, diagnostics };
}

export function sourceIsGlob(source: PlannedSource): boolean {
  return isGlobPattern(source.source);
}
