import type { TargetConfiguration } from '@nx/devkit';

import { defaultImagePath } from '../image';
import { buildInputs, type BuildContextPlan } from '../inputs';
import type { NodeManifest } from '../manifest';
import type { NxPeppyPluginOptions } from './options';

const TECHNOLOGIES = ['apptainer'];

/**
 * Output of a container build, the path Nx caches and restores. It follows
 * the `outputPath` option, so a `project.json` that moves the image moves
 * what Nx caches with it.
 */
const IMAGE_OUTPUT = '{options.outputPath}';

function containerBuildTarget(projectRoot: string, manifest: NodeManifest, plan: BuildContextPlan, warnings: string[]): TargetConfiguration {
  return {
    executor: 'nx-peppy:build',
    cache: true,
    inputs: buildInputs(plan),
    outputs: [IMAGE_OUTPUT],
    ...(plan.localImages.length > 0 ? { dependsOn: ['^build'] } : {}),
    options: { outputPath: defaultImagePath(projectRoot, manifest) },
    metadata: {
      technologies: TECHNOLOGIES,
      description: `Builds the Apptainer image ${manifest.name}_${manifest.tag}.sif from the node's definition file`,
      ...(warnings.length > 0 ? { warnings } : {}),
      help: {
        command: 'apptainer build --help',
        example: { options: { buildArgs: { VERSION: '1.0' }, extraArgs: ['--notest'] } },
      },
    },
  };
}

function processBuildTarget(manifest: NodeManifest): TargetConfiguration {
  const command = manifest.execution.kind === 'process' ? manifest.execution.buildCommand : undefined;
  return {
    executor: 'nx-peppy:build',
    options: {},
    metadata: {
      technologies: manifest.language === 'rust' ? ['cargo'] : ['uv'],
      description: command ? `Runs the node's build command: ${command.join(' ')}` : 'The node declares no build command',
    },
  };
}

function serveTarget(manifest: NodeManifest, buildTargetName: string): TargetConfiguration {
  const container = manifest.execution.kind === 'container';
  return {
    executor: 'nx-peppy:serve',
    continuous: true,
    dependsOn: [buildTargetName],
    options: {},
    metadata: {
      technologies: container ? TECHNOLOGIES : [],
      description: container
        ? `Runs the image with apptainer run and PEPPY_RUNTIME_CONFIG, as peppy node start does`
        : `Runs the node's start command with PEPPY_RUNTIME_CONFIG, as peppy node start does`,
      help: container ? { command: 'apptainer run --help', example: { options: { args: ['--verbose'] } } } : undefined,
    },
  };
}

/** Facts inferred from a container node's definition file. */
export interface DefinitionFacts {
  plan: BuildContextPlan;
  /** Formatted warnings, shown in `nx show project`. */
  warnings: string[];
}

/** Infers the targets of one node; `definition` is set for container nodes. */
export function nodeTargets(projectRoot: string, manifest: NodeManifest, options: Required<NxPeppyPluginOptions>, definition?: DefinitionFacts) {
  const build =
    manifest.execution.kind === 'container' && definition
      ? containerBuildTarget(projectRoot, manifest, definition.plan, definition.warnings)
      : processBuildTarget(manifest);
  return {
    [options.buildTargetName]: build,
    [options.serveTargetName]: serveTarget(manifest, options.buildTargetName),
  };
}
