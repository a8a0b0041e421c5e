import { existsSync, lstatSync, readFileSync, realpathSync } from 'node:fs';
import { join, posix } from 'node:path';

import type { CreateDependenciesContext, RawProjectGraphDependency } from '@nx/devkit';

import { parseDefinition, type Definition } from '../../definition';
import { isContainerNode } from '../../manifest';
import type { NxPeppyPluginOptions } from '../options';
import { buildArgsFromArguments, buildTargetSettings } from './build-target';
import { readCargoReferences } from './cargo';
import { DependencyEdges } from './edges';
import { hostFileSources } from './files-sources';
import { collectImageOutputs } from './image-outputs';
import { localImageReferences } from './localimage';
import { manifestPathOf, NodeManifests } from './node-manifests';
import { ProjectLookup } from './project-lookup';
import { InvalidTomlError } from './toml';
import type { InvalidEntry, PathReference, WorkspaceMemberGlobs } from './types';
import { readUvReferences } from './uv';
import { WarningLog } from './warnings';
import { expandWorkspaceMembers, type ExcludeRule } from './workspace-members';
import { resolveWorkspacePath, toWorkspacePath } from './workspace-paths';

const PYPROJECT_FILE = 'pyproject.toml';
const CARGO_FILE = 'Cargo.toml';

/** The file a reference is declared in, and the folder its relative paths start from. */
interface ReferenceSite {
  sourceProject: string;
  /** Workspace-relative path of the declaring file, the `sourceFile` of its edges. */
  sourceFile: string;
  /** Workspace-relative folder. */
  baseFolder: string;
}

interface ResolveOptions {
  /** Match the path against the image outputs of container nodes before the project folders. */
  matchImages?: boolean;
  /** Reason given when the path is in no project, after "gives no project graph edge: PATH". */
  noProjectReason?: string;
}

/**
 * One `createDependencies` run: reads the changed files of each project and
 * collects the static edges they declare, warning about every entry it skips.
 */
export class DependencyScan {
  private readonly lookup: ProjectLookup;
  private readonly warnings = new WarningLog();
  private readonly manifests: NodeManifests;
  private readonly edges = new DependencyEdges();
  /** Project names keyed by absolute image path, built on first use because it reads every manifest. */
  private imageOwners?: Map<string, string>;
  private readonly foldersByManifest = new Map<string, string[]>();
  /** The workspace root with its own symlinks resolved, which symlink targets are compared with. */
  private realWorkspaceRoot?: string;

  constructor(
    private readonly context: CreateDependenciesContext,
    private readonly options: Required<NxPeppyPluginOptions>,
  ) {
    this.lookup = new ProjectLookup(context.projects);
    this.manifests = new NodeManifests(context.workspaceRoot, context.fileMap, this.warnings);
  }

  /** Reads the dependency declarations among `changedFiles`, the workspace-relative files of the project that changed. */
  scanProject(projectName: string, changedFiles: readonly string[]): void {
    if (!this.context.projects[projectName]) return;

    for (const file of changedFiles) {
      const name = posix.basename(file);
      if (name === PYPROJECT_FILE) this.scanPyproject(projectName, file);
      else if (name === CARGO_FILE) this.scanCargo(projectName, file);
    }
    this.scanDefinition(projectName, new Set(changedFiles));
    this.scanSymlinks(projectName, changedFiles);
  }

  /** Returns the validated edges found so far. */
  dependencies(): RawProjectGraphDependency[] {
    return this.edges.validated(this.context, this.warnings);
  }

  private readText(file: string): string | undefined {
    try {
      return readFileSync(join(this.context.workspaceRoot, file), 'utf8');
    } catch (error) {
      this.warnings.warn(file, `cannot read the file (${(error as Error).message}), so the dependencies it declares are left out of the project graph.`);
      return undefined;
    }
  }

  private readToml<T>(file: string, read: (text: string) => T): T | undefined {
    const text = this.readText(file);
    if (text === undefined) return undefined;

    try {
      return read(text);
    } catch (error) {
      if (!(error instanceof InvalidTomlError)) throw error;
      this.warnings.warn(file, `${error.message}, so the dependencies it declares are left out of the project graph until it is fixed.`);
      return undefined;
    }
  }

  private warnInvalid(file: string, invalid: readonly InvalidEntry[]): void {
    for (const { entry, reason } of invalid) this.warnings.warn(file, `${entry} gives no project graph edge: ${reason}.`);
  }

  private scanPyproject(sourceProject: string, file: string): void {
    const references = this.readToml(file, readUvReferences);
    if (!references) return;

    const site: ReferenceSite = { sourceProject, sourceFile: file, baseFolder: posix.dirname(file) };
    this.warnInvalid(file, references.invalid);
    for (const source of references.sources) this.addPathReference(site, source);
    if (references.workspace) this.addWorkspaceMembers(site, references.workspace, PYPROJECT_FILE, 'uv');
  }

  private scanCargo(sourceProject: string, file: string): void {
    const references = this.readToml(file, readCargoReferences);
    if (!references) return;

    const site: ReferenceSite = { sourceProject, sourceFile: file, baseFolder: posix.dirname(file) };
    this.warnInvalid(file, references.invalid);
    for (const dependency of references.dependencies) this.addPathReference(site, dependency);
    if (references.workspace) this.addWorkspaceMembers(site, references.workspace, CARGO_FILE, 'cargo');
  }

  /**
   * Reads the definition file of a container node when it, the manifest or
   * `project.json` changed: the latter two can point the build at another
   * definition file or give it other build arguments.
   */
  private scanDefinition(projectName: string, changed: ReadonlySet<string>): void {
    const root = this.lookup.rootOf(projectName);
    if (root === undefined || !this.manifests.hasManifest(projectName, root)) return;

    const manifest = this.manifests.read(projectName, root);
    if (!manifest || !isContainerNode(manifest)) return;

    const settings = buildTargetSettings(this.context.projects[projectName], this.options.buildTargetName);
    const defFile = posix.normalize(posix.join(root, settings.defFile ?? manifest.execution.defFile));
    const declaringFiles = [defFile, manifestPathOf(root), posix.join(root, 'project.json')];
    if (!declaringFiles.some((file) => changed.has(file))) return;

    if (!this.isProjectFile(projectName, defFile)) {
      // A missing definition file is reported by the build; one in another folder cannot be the source file of an edge.
      if (existsSync(join(this.context.workspaceRoot, defFile))) {
        this.warnings.warn(
          manifestPathOf(root),
          `the definition file ${defFile} is not in the folder of project ${projectName}, so the dependencies it declares are left out of the project graph.`,
        );
      }
      return;
    }

    const text = this.readText(defFile);
    if (text === undefined) return;

    // `apptainer build` gets the build target's `buildArgs` first, then the manifest's and the target's extra arguments.
    // NOTE: values from a `--build-arg-file` are not read, so a path that uses only them is reported as unknown.
    const buildArgs = {
      ...settings.buildArgs,
      ...buildArgsFromArguments(manifest.execution.buildExtraArgs),
      ...buildArgsFromArguments(settings.extraArgs),
    };
    const definition = parseDefinition(text, { file: defFile, buildArgs, warnUnusedBuildArgs: true });
    this.warnDefinitionErrors(definition);

    // `apptainer build` runs in the node folder, so relative paths start there.
    const site: ReferenceSite = { sourceProject: projectName, sourceFile: defFile, baseFolder: root };
    const images = localImageReferences(definition);
    const sources = hostFileSources(definition);
    this.warnInvalid(defFile, [...images.invalid, ...sources.invalid]);

    for (const image of images.images) {
      this.addPathReference(site, image, { matchImages: true, noProjectReason: 'is neither the image of a node nor in an Nx project, so no build runs before this one (the image is still hashed as an input)' });
    }
    for (const source of sources.sources) this.addPathReference(site, source, { matchImages: true });
  }

  /**
   * Adds an edge for each changed symlink in a node's folder that points into
   * another project. The build reads the target's content, so an edit there
   * changes the node's image although no file of the node changed.
   */
  private scanSymlinks(projectName: string, changedFiles: readonly string[]): void {
    const root = this.lookup.rootOf(projectName);
    if (root === undefined || !this.manifests.hasManifest(projectName, root)) return;

    for (const file of changedFiles) {
      const target = this.symlinkTarget(file);
      if (target === undefined) continue;

      const owner = this.lookup.projectOf(target);
      if (owner !== undefined && owner !== projectName) this.edges.add(projectName, owner, file);
    }
  }

  /** Returns the workspace-relative path a symlink resolves to; undefined for other files, dangling links and targets outside the workspace. */
  private symlinkTarget(file: string): string | undefined {
    const absolute = join(this.context.workspaceRoot, file);
    try {
      if (!lstatSync(absolute).isSymbolicLink()) return undefined;
      this.realWorkspaceRoot ??= realpathSync(this.context.workspaceRoot);
      return toWorkspacePath(this.realWorkspaceRoot, realpathSync(absolute));
    } catch {
      // A file deleted since Nx listed it, or a dangling link: the build reports the latter.
      return undefined;
    }
  }

  private warnDefinitionErrors(definition: Definition): void {
    const errors = definition.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
    if (errors.length === 0) return;

    const first = errors[0];
    const where = first.line > 0 ? `line ${first.line}` : 'the build arguments';
    const count = errors.length === 1 ? '1 error' : `${errors.length} errors`;
    this.warnings.warn(
      definition.file,
      `the definition file has ${count}, the first on ${where}: ${first.message}. Dependencies are still read from its other entries.`,
    );
  }

  private isProjectFile(projectName: string, file: string): boolean {
    return (this.context.fileMap.projectFileMap[projectName] ?? []).some((data) => data.file === file);
  }

  /** Returns the workspace-relative folders that contain a file named `manifestFile`, from Nx's file map. */
  private foldersContaining(manifestFile: string): string[] {
    let folders = this.foldersByManifest.get(manifestFile);
    if (folders) return folders;

    const found = new Set<string>();
    const allFiles = [...Object.values(this.context.fileMap.projectFileMap).flat(), ...this.context.fileMap.nonProjectFiles];
    for (const { file } of allFiles) {
      if (posix.basename(file) === manifestFile) found.add(posix.dirname(file));
    }

    folders = [...found].sort();
    this.foldersByManifest.set(manifestFile, folders);
    return folders;
  }

  private addWorkspaceMembers(site: ReferenceSite, workspace: WorkspaceMemberGlobs, manifestFile: string, excludeRule: ExcludeRule): void {
    const expanded = expandWorkspaceMembers(workspace, {
      workspaceRoot: this.context.workspaceRoot,
      baseFolder: site.baseFolder,
      candidates: this.foldersContaining(manifestFile),
      manifestFile,
      excludeRule,
    });
    this.warnInvalid(site.sourceFile, expanded.invalid);

    for (const member of expanded.paths) this.addPathReference(site, member);

    for (const match of expanded.globs) {
      const unowned: string[] = [];
      for (const folder of match.folders) {
        const target = this.lookup.projectOf(folder);
        if (target === undefined) unowned.push(folder);
        else this.edges.add(site.sourceProject, target, site.sourceFile);
      }

      if (unowned.length > 0) {
        const verb = unowned.length === 1 ? 'is' : 'are';
        this.warnings.warn(site.sourceFile, `${match.entry} gives no project graph edge for ${unowned.join(', ')}, which ${verb} in no Nx project.`);
      }
    }
  }

  private imageOwner(absolute: string): string | undefined {
    if (!this.imageOwners) {
      const outputs = collectImageOutputs(this.context, this.lookup, this.manifests, this.options.buildTargetName);
      this.imageOwners = new Map();
      for (const [projectName, imagePath] of outputs) {
        if (!this.imageOwners.has(imagePath)) this.imageOwners.set(imagePath, projectName);
      }
    }
    return this.imageOwners.get(absolute);
  }

  private addPathReference(site: ReferenceSite, reference: PathReference, options: ResolveOptions = {}): void {
    const resolved = resolveWorkspacePath(this.context.workspaceRoot, site.baseFolder, reference.path);

    const owner = options.matchImages ? this.imageOwner(resolved.absolute) : undefined;
    if (owner !== undefined) {
      this.edges.add(site.sourceProject, owner, site.sourceFile);
      return;
    }

    if (resolved.workspacePath === undefined) {
      this.warnings.warn(site.sourceFile, `${reference.entry} gives no project graph edge: it points outside the workspace, to ${resolved.absolute}.`);
      return;
    }

    const target = this.lookup.projectOf(resolved.workspacePath);
    if (target === undefined) {
      const reason = options.noProjectReason ?? 'is in no Nx project';
      this.warnings.warn(site.sourceFile, `${reference.entry} gives no project graph edge: ${resolved.workspacePath} ${reason}.`);
      return;
    }
    this.edges.add(site.sourceProject, target, site.sourceFile);
  }
}
