/**
 * Argument vectors for the Apptainer command line. Pure functions: only this
 * module contains Apptainer's flags, and nothing here spawns a process.
 */

export interface BuildCommandOptions {
  /** Image to write; the caller passes a temporary path and renames it later. */
  output: string;
  defFile: string;
  fakeroot: boolean;
  buildArgs?: Record<string, string>;
  buildArgFile?: string;
  /** The manifest's `apptainer_build_extra_args`, then the executor's `extraArgs`. */
  extraArgs?: string[];
}

/**
 * `apptainer build`. `--force` is always set: the output is a fresh temporary
 * path, and without it an interactive terminal would get an overwrite prompt.
 */
export function buildCommand(options: BuildCommandOptions): string[] {
  const argv = ['build'];
  if (options.fakeroot) argv.push('--fakeroot');
  argv.push('--force');

  for (const [name, value] of Object.entries(options.buildArgs ?? {})) {
    argv.push('--build-arg', `${name}=${value}`);
  }
  if (options.buildArgFile) argv.push('--build-arg-file', options.buildArgFile);

  argv.push(...(options.extraArgs ?? []));
  argv.push(options.output, options.defFile);
  return argv;
}

export interface RunCommandOptions {
  image: string;
  /** Host path of the runtime config, bound at the same path inside the container. */
  runtimeConfigFile?: string;
  /** Variables set inside the container after `--cleanenv`. */
  env?: Record<string, string>;
  /** File of `KEY=value` lines for `--env-file`, for values `--env` would split at commas. */
  envFile?: string;
  binds?: string[];
  /** The manifest's `apptainer_run_extra_args`, then the executor's `extraArgs`. */
  extraArgs?: string[];
  /** Arguments for the image's runscript. */
  args?: string[];
}

/** `apptainer run --cleanenv`: the container gets only the variables passed here. */
export function runCommand(options: RunCommandOptions): string[] {
  const argv = ['run', '--cleanenv'];

  if (options.envFile) argv.push('--env-file', options.envFile);
  for (const [name, value] of Object.entries(options.env ?? {})) {
    argv.push('--env', `${name}=${value}`);
  }
  if (options.runtimeConfigFile) {
    argv.push('--env', `PEPPY_RUNTIME_CONFIG=${options.runtimeConfigFile}`);
    argv.push('--bind', options.runtimeConfigFile);
  }
  for (const bind of options.binds ?? []) argv.push('--bind', bind);

  argv.push(...(options.extraArgs ?? []));
  argv.push(options.image, ...(options.args ?? []));
  return argv;
}

export function inspectLabelsCommand(image: string): string[] {
  return ['inspect', '--labels', image];
}

export function versionCommand(): string[] {
  return ['--version'];
}

/** Picks the `FATAL:` line Apptainer prints before it exits with status 255. */
export function findFatalLine(output: readonly string[]): string | undefined {
  for (let index = output.length - 1; index >= 0; index--) {
    if (/^\s*FATAL:/.test(output[index])) return output[index].trim();
  }
  return undefined;
}
