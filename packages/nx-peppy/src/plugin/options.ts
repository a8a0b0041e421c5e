/** Options of the inference plugin, set in `nx.json` under `plugins`. */
export interface NxPeppyPluginOptions {
  /** Name of the target that builds a node. Default: `build`. */
  buildTargetName?: string;
  /** Name of the target that runs a node. Default: `serve`. */
  serveTargetName?: string;
}

export function normalizePluginOptions(options: NxPeppyPluginOptions | undefined): Required<NxPeppyPluginOptions> {
  return {
    buildTargetName: options?.buildTargetName ?? 'build',
    serveTargetName: options?.serveTargetName ?? 'serve',
  };
}
