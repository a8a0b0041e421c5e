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

function toPosix(path: string): string {
  return path.split(sep).join('/');
}

/** Resolves a `%files` source against the node folder, as `apptainer build` does from its working directory. */
function resolveSource(source: string, projectRoot: string, workspaceRoot: string): string | undefined {
  const fromWorkspace = isAbsolute(source) ? toPosix(relative(workspaceRoot, source)) : posix.normalize(posix.join(projectRoot, source));
  if (fromWorkspace === '..' || fromWorkspace.startsWith('../') || posix.isAbsolute(fromWorkspace)) return undefined;
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
      if (path === undefined) {
        diagnostics.push({
          severity: 'warning',
          code: 'source-outside-workspace',
          file: definition.file,
          line: entry.line,
          message: `the %files source "${entry.source}" is outside the workspace, so the Nx cache cannot see its changes`,
          fix: 'move the file into the workspace, or build with --skip-nx-cache after changing it',
        });
      }
      const unresolved = entry.source.includes('{{');
      sources.push({ source: entry.source, line: entry.line, path, wholeNodeFolder: path === root || unresolved });
    }
  }

  return { projectRoot: root, defFile: toPosix(defFile), sources, localImages, hostSections, diagnostics };
}

export function sourceIsGlob(source: PlannedSource): boolean {
  return isGlobPattern(source.source);
}
