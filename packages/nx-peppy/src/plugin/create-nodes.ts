import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import {
  AggregateCreateNodesError,
  type CreateNodesContextV2,
  type CreateNodesResult,
  type CreateNodesV2,
  type ProjectConfiguration,
} from '@nx/devkit';

import { parseDefinition } from '../definition';
import { formatProblem, NxPeppyError } from '../errors';
import { planBuildContext } from '../inputs';
import { MANIFEST_FILE, parseNodeManifest, readManifestText } from '../manifest';
import { hashText, InferenceCache, workspaceDataFolder } from './cache';
import { normalizePluginOptions, type NxPeppyPluginOptions } from './options';
import { nodeTargets, type DefinitionFacts } from './targets';

export const MANIFEST_GLOB = `**/${MANIFEST_FILE}`;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const PLUGIN_VERSION = (require('../../package.json') as { version: string }).version;

interface InferredNode {
  manifestHash: string;
  /** Workspace-relative definition file whose content the result depends on. */
  defFile?: string;
  defHash?: string;
  project: ProjectConfiguration & { name: string };
}

function readIfPresent(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

function inferNode(manifestPath: string, manifestText: string, manifestHash: string, options: Required<NxPeppyPluginOptions>, workspaceRoot: string): InferredNode {
  const projectRoot = dirname(manifestPath);
  const manifest = parseNodeManifest(manifestText, manifestPath);

  const defFile = manifest.execution.kind === 'container' ? join(projectRoot, manifest.execution.defFile) : undefined;
  const defText = defFile ? readIfPresent(join(workspaceRoot, defFile)) : undefined;

  return {
    manifestHash,
    defFile,
    defHash: defFile ? hashText(defText) : undefined,
    project: {
      name: manifest.name,
      root: projectRoot,
      projectType: 'application',
      tags: [`peppy:${manifest.execution.kind}`, `peppy:${manifest.language}`],
      targets: nodeTargets(projectRoot, manifest, options, defFile ? definitionFacts(projectRoot, defFile, defText, workspaceRoot) : undefined),
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
    const cacheFile = join(workspaceDataFolder(context.workspaceRoot), `nx-peppy-${hashText(PLUGIN_VERSION, JSON.stringify(options)).slice(0, 16)}.json`);
    const cache = new InferenceCache<InferredNode>(cacheFile);

    const results: Array<readonly [string, CreateNodesResult]> = [];
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

          results.push([manifestPath, { projects: { [node.project.root]: node.project } }] as const);
        } catch (error) {
          errors.push([manifestPath, error as Error]);
        }
      }
    } finally {
      cache.write();
    }

    if (errors.length > 0) throw new AggregateCreateNodesError(errors, results);
    return results;
  },
];

export const createNodes = createNodesV2;
