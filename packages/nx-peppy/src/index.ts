export { createNodes, createNodesV2 } from './plugin/create-nodes';
export type { NxPeppyPluginOptions } from './plugin/options';
export type { NodeManifest } from './manifest';
export { createDependencies } from './plugin/dependencies';
