export interface ServeExecutorSchema {
  /** JSON5 runtime config to pass as it is; by default one is generated. */
  runtimeConfig?: string;
  /** Arguments for the runscript or the start command. */
  args?: string[];
  /** Image to run, relative to the workspace root; default: the build target's image. */
  imagePath?: string;
  messagingHost?: string;
  messagingPort?: number;
  /** Arguments added after the manifest's `apptainer_run_extra_args`. */
  extraArgs?: string[];
  apptainerPath?: string;
}
