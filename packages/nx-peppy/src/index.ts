export { createNodes, createNodesV2 } from './plugin/create-nodes';
export type { NxPeppyPluginOptions } from './plugin/options';
export type { NodeManifest } from './manifest';
// The file, not the module index, so that loading the plugin loads no dependency scanner.
export { createDependencies } from './plugin/dependencies/create-dependencies';
