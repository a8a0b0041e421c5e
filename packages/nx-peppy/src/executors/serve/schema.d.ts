import type { RuntimeKind } from '../../runtime';

export interface ServeExecutorSchema {
  /** `NAME=VALUE` parameter values from `--param`, once or repeated. */
  param?: string | string[];
  /** Parameter values by dot path or as nested groups. */
  params?: Record<string, unknown>;
  /** JSON5 runtime config to pass as it is; by default one is generated. */
  runtimeConfig?: string;
  instanceId?: string;
  /** Variables for the node; nothing else of the host reaches a container. */
  env?: Record<string, string | number | boolean>;
  /** File of `KEY=value` lines, relative to the workspace root. */
  envFile?: string;
  /** Keep Apptainer's home and working-folder mounts. */
  hostMounts?: boolean;
  /** Seconds between forwarding a stop signal and killing the process group. */
  killTimeout?: number;
  /** Arguments for the runscript or the start command. */
  args?: string[];
  /** Image to run, relative to the workspace root; default: the build target's image. */
  imagePath?: string;
  messagingHost?: string;
  messagingPort?: number;
  /** Arguments added after the manifest's `apptainer_run_extra_args`. */
  extraArgs?: string[];
  apptainerPath?: string;
  runtime?: RuntimeKind;
  limaInstance?: string;
  /** Arguments added after the manifest's `lima_shell_extra_args`. */
  limaShellExtraArgs?: string[];
}
