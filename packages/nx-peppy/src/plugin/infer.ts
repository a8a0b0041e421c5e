import { dirname, isAbsolute, join, relative, resolve } from 'node:path';

import type { ProjectConfiguration } from '@nx/devkit';

import { parseDefinition } from '../definition';
import { formatProblem, NxPeppyError } from '../errors';
import { defaultImagePath } from '../image';
import { linkSearchRoots, NX_GLOB_SYNTAX, planBuildContext, type LinkSearchRoot } from '../inputs';
import { parseNodeManifest } from '../manifest';
import { hashText, readIfPresent } from './cache';
import type { NxPeppyPluginOptions } from './options';
import { nodeTargets, type DefinitionFacts } from './targets';

/** One node's inference result, as stored in the inference cache. */
export interface InferredNode {
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

/** Infers the Nx project of one node from its manifest and, for a container node, its definition file. */
export function inferNode(manifestPath: string, manifestText: string, manifestHash: string, options: Required<NxPeppyPluginOptions>, workspaceRoot: string): InferredNode {
  const projectRoot = dirname(manifestPath);
  if (NX_GLOB_SYNTAX.test(projectRoot)) {
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
