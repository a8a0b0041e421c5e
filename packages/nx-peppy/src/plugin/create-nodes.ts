import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';

import {
  AggregateCreateNodesError,
  type CreateNodesContextV2,
  type CreateNodesResult,
  type CreateNodesV2,
  type ProjectConfiguration,
} from '@nx/devkit';

import { parseDefinition } from '../definition';
import { formatProblem, NxPeppyError } from '../errors';
import { defaultImagePath } from '../image';
import { fileHashInput, fileHashInputs, findSymlinks, linkSearchRoots, planBuildContext, type LinkSearchRoot } from '../inputs';
import { MANIFEST_FILE, parseNodeManifest, readManifestText } from '../manifest';
import { hashText, InferenceCache, workspaceDataFolder } from './cache';
import { normalizePluginOptions, type NxPeppyPluginOptions } from './options';
import { nodeTargets, type DefinitionFacts } from './targets';

export const MANIFEST_GLOB = `**/${MANIFEST_FILE}`;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const PLUGIN_VERSION = (require('../../package.json') as { version: string }).version;
/** Bump when `InferredNode` changes shape, so old cache files are not read. */
const CACHE_FORMAT = 3;

/** Characters that Nx 24 would read as glob syntax in `{projectRoot}` patterns. */
const GLOB_CHARACTERS = /[()[\]{}*?!]/;

interface InferredNode {
  manifestHash: string;
  /** Workspace-relative definition file whose content the result depends on. */
  defFile?: string;
  defHash?: string;
  /** `localimage` bases: workspace-relative, or absolute when outside the workspace. */
  localImages: string[];
  /** Image path of the build target with its default options. */
  imagePath?: string;
  /** Paths whose symlinks need their targets hashed. They are searched on every run, because adding a link changes neither the manifest nor the definition file. */
  linkSearchRoots?: LinkSearchRoot[];
  project: ProjectConfiguration & { name: string };
}

function readIfPresent(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

function inferNode(manifestPath: string, manifestText: string, manifestHash: string, options: Required<NxPeppyPluginOptions>, workspaceRoot: string): InferredNode {
  const projectRoot = dirname(manifestPath);
  if (GLOB_CHARACTERS.test(projectRoot)) {
    throw new NxPeppyError({
      file: manifestPath,
      message: `the node folder "${projectRoot}" contains a glob character, and Nx puts project folders into its input patterns unescaped`,
      fix: 'rename the folder without ( ) [ ] { } * ? or !',
    });
  }
  const manifest = parseNodeManifest(manifestText, manifestPath);

  const defFile = manifest.execution.kind === 'container' ? join(projectRoot, manifest.execution.defFile) : undefined;
  const defText = defFile ? readIfPresent(join(workspaceRoot, defFile)) : undefined;
  const facts = defFile ? definitionFacts(projectRoot, defFile, defText, workspaceRoot) : undefined;

  return {
    manifestHash,
    defFile,
    defHash: defFile ? hashText(defText) : undefined,
    localImages: (facts?.plan.localImages ?? []).filter((image) => !image.includes('{{')).map((image) => workspacePath(workspaceRoot, projectRoot, image)),
    imagePath: defFile ? defaultImagePath(projectRoot, manifest) : undefined,
    linkSearchRoots: facts ? linkSearchRoots(facts.plan) : undefined,
    project: {
      name: manifest.name,
      root: projectRoot,
      projectType: 'application',
      tags: [`peppy:${manifest.execution.kind}`, `peppy:${manifest.language}`],
      targets: nodeTargets(projectRoot, manifest, options, facts),
    },
  };
}

/**
 * Reads what the build target needs from the definition file. A missing or
 * broken file still yields a target, so the build reports the problem with
 * its line.
 */
function definitionFacts(projectRoot: string, defFile: string, defText: string | undefined, workspaceRoot: string): DefinitionFacts {
  const definition = parseDefinition(defText ?? '', { file: defFile, warnUnusedBuildArgs: true });
  const plan = planBuildContext(projectRoot, defFile, definition, workspaceRoot);

  const warnings = [...definition.diagnostics, ...plan.diagnostics]
    .filter((diagnostic) => diagnostic.severity === 'warning')
    .map((diagnostic) => formatProblem(diagnostic));
  return { plan, warnings };
}

/** Resolves a definition-file path against the node folder; workspace-relative when inside the workspace. */
function workspacePath(workspaceRoot: string, projectRoot: string, path: string): string {
  const absolute = resolve(workspaceRoot, projectRoot, path);
  const inside = relative(workspaceRoot, absolute);
  return inside.startsWith('..') || isAbsolute(inside) ? absolute : inside;
}

/**
 * Adds content hashes of the bases that no node of this batch builds. Nx has
 * no dependency output for them, and no file either when git ignores the `.sif`.
 */
function hashForeignBases(nodes: InferredNode[], buildTargetName: string): void {
  const builtImages = new Set(nodes.map((node) => node.imagePath).filter((path): path is string => path !== undefined));

  for (const node of nodes) {
    const build = node.project.targets?.[buildTargetName];
    const foreign = node.localImages.filter((image) => !builtImages.has(image));
    if (!build || foreign.length === 0) continue;
    build.inputs = [...(build.inputs ?? []), ...foreign.map((image) => fileHashInput(image))];
  }
}

/**
 * Adds content hashes of the files that symlinks in a build's inputs point to.
 * Nx 24.0.7 hashes a symlink without reading its target, so an edit of the
 * target alone would otherwise replay a stale image from the cache.
 */
function hashSymlinkTargets(nodes: InferredNode[], buildTargetName: string, workspaceRoot: string): void {
  for (const node of nodes) {
    const build = node.project.targets?.[buildTargetName];
    if (!build || !node.linkSearchRoots) continue;

    // Symlinked folders are rejected by the build, with their `%files` line.
    const links = findSymlinks(node.linkSearchRoots, workspaceRoot).filter((link) => link.target !== 'folder');
    if (links.length === 0) continue;
    build.inputs = [...(build.inputs ?? []), ...fileHashInputs(links.map((link) => link.path))];
  }
}

/** Returns the cached result when neither the manifest nor its definition file changed. */
function cachedNode(cache: InferenceCache<InferredNode>, manifestPath: string, manifestHash: string, workspaceRoot: string): InferredNode | undefined {
  const cached = cache.get(manifestPath);
  if (!cached || cached.manifestHash !== manifestHash) return undefined;
  if (cached.defFile && hashText(readIfPresent(join(workspaceRoot, cached.defFile))) !== cached.defHash) return undefined;
  return cached;
}

function duplicateNameError(name: string, first: string, second: string): NxPeppyError {
  return new NxPeppyError({
    file: second,
    field: 'manifest.name',
    message: `the node name "${name}" is also used by ${first}; Nx project names must be unique`,
    fix: `rename one of the two nodes in its ${MANIFEST_FILE}`,
  });
}

/**
 * Turns every `peppy.json5` into an Nx project with `build` and `serve`
 * targets. This function only sets up the batch; the inference itself is in
 * `inferNode` and `nodeTargets`.
 */
export const createNodesV2: CreateNodesV2<NxPeppyPluginOptions> = [
  MANIFEST_GLOB,
  async (manifestPaths, rawOptions, context: CreateNodesContextV2) => {
    const options = normalizePluginOptions(rawOptions);
    const cacheKey = hashText(PLUGIN_VERSION, String(CACHE_FORMAT), JSON.stringify(options)).slice(0, 16);
    const cacheFile = join(workspaceDataFolder(context.workspaceRoot), `nx-peppy-${cacheKey}.json`);
    const cache = new InferenceCache<InferredNode>(cacheFile);

    const results: Array<readonly [string, CreateNodesResult]> = [];
    const inferred: InferredNode[] = [];
    const errors: Array<[string, Error]> = [];
    const pathsByName = new Map<string, string>();

    try {
      for (const manifestPath of [...manifestPaths].sort()) {
        try {
          const manifestText = readManifestText(join(context.workspaceRoot, manifestPath), manifestPath);
          const manifestHash = hashText(manifestText);
          let node = cachedNode(cache, manifestPath, manifestHash, context.workspaceRoot);
          if (!node) {
            node = inferNode(manifestPath, manifestText, manifestHash, options, context.workspaceRoot);
            cache.set(manifestPath, node);
          }

          const other = pathsByName.get(node.project.name);
          if (other) throw duplicateNameError(node.project.name, other, manifestPath);
          pathsByName.set(node.project.name, manifestPath);

          // A copy, so the batch-level inputs added below never reach the cache.
          const project = structuredClone(node.project);
          inferred.push({ ...node, project });
          results.push([manifestPath, { projects: { [project.root]: project } }] as const);
        } catch (error) {
          errors.push([manifestPath, error as Error]);
        }
      }
    } finally {
      cache.write();
    }

    hashForeignBases(inferred, options.buildTargetName);
    hashSymlinkTargets(inferred, options.buildTargetName, context.workspaceRoot);

    if (errors.length > 0) throw new AggregateCreateNodesError(errors, results);
    return results;
  },
];

export const createNodes = createNodesV2;
