import { resolve } from 'node:path';

import type { CreateDependenciesContext } from '@nx/devkit';

import { defaultImagePath } from '../../image';
import { isContainerNode } from '../../manifest';
import { normalizePluginOptions, type NxPeppyPluginOptions } from '../options';
import { buildTargetSettings } from './build-target';
import { NodeManifests } from './node-manifests';
import { ProjectLookup } from './project-lookup';
import { WarningLog } from './warnings';
import { toWorkspacePath } from './workspace-paths';

/**
 * Collects the absolute image path of every container node, keyed by project
 * name: the build target's `outputPath` option when set, else the default
 * `dist/<project root>/<name>_<tag>.sif`.
 */
export function collectImageOutputs(
  context: Pick<CreateDependenciesContext, 'projects' | 'workspaceRoot'>,
  lookup: ProjectLookup,
  manifests: NodeManifests,
  buildTargetName: string,
): Map<string, string> {
  const outputs = new Map<string, string>();

  for (const [projectName, project] of Object.entries(context.projects)) {
    const root = lookup.rootOf(projectName) ?? project.root;
    const manifest = manifests.read(projectName, root);
    if (!manifest || !isContainerNode(manifest)) continue;

    const imagePath = buildTargetSettings(project, buildTargetName).outputPath ?? defaultImagePath(root, manifest);
    outputs.set(projectName, resolve(context.workspaceRoot, imagePath));
  }

  return outputs;
}

/**
 * Returns the image path of every container node, keyed by project name:
 * relative to the workspace root with `/` separators, or absolute when the
 * image is written outside the workspace. Invalid manifests are warned about
 * through Nx's logger and left out.
 */
export function imageOutputsByProject(
  context: Pick<CreateDependenciesContext, 'projects' | 'workspaceRoot' | 'fileMap'>,
  options?: NxPeppyPluginOptions,
): Map<string, string> {
  const lookup = new ProjectLookup(context.projects);
  const manifests = new NodeManifests(context.workspaceRoot, context.fileMap, new WarningLog());
  const outputs = collectImageOutputs(context, lookup, manifests, normalizePluginOptions(options).buildTargetName);

  const paths = new Map<string, string>();
  for (const [projectName, absolute] of outputs) {
    paths.set(projectName, toWorkspacePath(context.workspaceRoot, absolute) ?? absolute);
  }
  return paths;
}
