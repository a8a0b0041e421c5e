import { isAbsolute, join } from 'node:path';

import { AggregateCreateNodesError, type CreateNodesContextV2, type CreateNodesResult, type CreateNodesV2 } from '@nx/devkit';

import { NxPeppyError } from '../errors';
import { fileHashInput, fileHashInputs, findSymlinks, NX_GLOB_SYNTAX } from '../inputs';
// The file, not the module index, so that a warm graph loads no manifest parser.
import { MANIFEST_FILE, readManifestText } from '../manifest/read';
import { hashText, InferenceCache, readIfPresent, workspaceDataFolder } from './cache';
import type { InferredNode } from './infer';
import { normalizePluginOptions, type NxPeppyPluginOptions } from './options';

export const MANIFEST_GLOB = `**/${MANIFEST_FILE}`;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const PLUGIN_VERSION = (require('../../package.json') as { version: string }).version;
/** Bump when `InferredNode` changes shape, so old cache files are not read. */
const CACHE_FORMAT = 3;

/**
 * Returns input patterns for workspace paths that a build reads, file or
 * folder. `nx affected` matches changed files against input patterns only, so
 * without them it would miss edits of these paths. Paths outside the
 * workspace and paths with glob syntax give none.
 */
function workspacePatterns(paths: readonly string[]): string[] {
  const usable = paths.filter((path) => !isAbsolute(path) && !NX_GLOB_SYNTAX.test(path));
  return usable.flatMap((path) => [`{workspaceRoot}/${path}`, `{workspaceRoot}/${path}/**/*`]);
}

/**
 * Adds the bases that no node of this batch builds. Nx has no dependency
 * output for them, and no file either when git ignores the base, so a
 * runtime input hashes their content.
 */
function addForeignBases(nodes: InferredNode[], buildTargetName: string): void {
  const builtImages = new Set(nodes.map((node) => node.imagePath).filter((path): path is string => path !== undefined));

  for (const node of nodes) {
    const build = node.project.targets?.[buildTargetName];
    const foreign = node.localImages.filter((image) => !builtImages.has(image));
    if (!build || foreign.length === 0) continue;
    build.inputs = [...(build.inputs ?? []), ...workspacePatterns(foreign), ...foreign.map((image) => fileHashInput(image))];
  }
}

/**
 * Adds the files that symlinks in a build's inputs point to. Nx 24.0.7
 * hashes a symlink without reading its target, so an edit of the target
 * alone would otherwise replay a stale image from the cache. A runtime input
 * hashes every target's content. A target inside the workspace is also an
 * input pattern, because `nx affected` matches changed files against input
 * patterns only and would otherwise leave the node out.
 */
function addSymlinkTargets(nodes: InferredNode[], buildTargetName: string, workspaceRoot: string): void {
  for (const node of nodes) {
    const build = node.project.targets?.[buildTargetName];
    if (!build || !node.linkSearchRoots) continue;

    // Symlinked folders are rejected by the build, with their `%files` line.
    const links = findSymlinks(node.linkSearchRoots, workspaceRoot).filter((link) => link.target !== 'folder');
    if (links.length === 0) continue;

    // NOTE: a target whose path contains glob syntax is hashed, but `nx affected` does not see its edits.
    const targets = links.map((link) => link.resolved).filter((path): path is string => path !== undefined);
    build.inputs = [...(build.inputs ?? []), ...new Set(workspacePatterns(targets)), ...fileHashInputs(links.map((link) => link.path))];
  }
}

/**
 * Loads the inference on the first manifest missing from the cache. The
 * parsers behind it (zod, json5, the definition-file parser) cost about 80 ms
 * to load, which a warm graph never needs.
 */
function loadInference(): typeof import('./infer') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./infer') as typeof import('./infer');
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
            node = loadInference().inferNode(manifestPath, manifestText, manifestHash, options, context.workspaceRoot);
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

    addForeignBases(inferred, options.buildTargetName);
    addSymlinkTargets(inferred, options.buildTargetName, context.workspaceRoot);

    if (errors.length > 0) throw new AggregateCreateNodesError(errors, results);
    return results;
  },
];

export const createNodes = createNodesV2;
