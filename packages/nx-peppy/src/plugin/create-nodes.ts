import { dirname, join } from 'node:path';

import { createNodesFromFiles, type CreateNodesContextV2, type CreateNodesV2 } from '@nx/devkit';

import { MANIFEST_FILE, readNodeManifest } from '../manifest';
import { normalizePluginOptions, type NxPeppyPluginOptions } from './options';
import { nodeTargets } from './targets';

export const MANIFEST_GLOB = `**/${MANIFEST_FILE}`;

function createNodesForManifest(manifestPath: string, options: NxPeppyPluginOptions | undefined, context: CreateNodesContextV2) {
  const projectRoot = dirname(manifestPath);
  const manifest = readNodeManifest(join(context.workspaceRoot, manifestPath), manifestPath);
  const targets = nodeTargets(projectRoot, manifest, normalizePluginOptions(options));

  return {
    projects: {
      [projectRoot]: {
        name: manifest.name,
        root: projectRoot,
        projectType: 'application' as const,
        tags: [`peppy:${manifest.execution.kind}`, `peppy:${manifest.language}`],
        targets,
      },
    },
  };
}

/** Turns every `peppy.json5` into an Nx project with `build` and `serve` targets. */
export const createNodesV2: CreateNodesV2<NxPeppyPluginOptions> = [
  MANIFEST_GLOB,
  (manifestPaths, options, context) => createNodesFromFiles(createNodesForManifest, manifestPaths, options ?? {}, context),
];

export const createNodes = createNodesV2;
