export interface BuildExecutorSchema {
  /** Image path relative to the workspace root; default `dist/<project root>/<name>_<tag>.sif`. */
  outputPath?: string;
  /** Definition file relative to the node folder; overrides the manifest's `def_file`. */
  defFile?: string;
  /** Pass `--fakeroot` to `apptainer build`. */
  fakeroot?: boolean;
  /** Values for `{{ NAME }}` placeholders, passed as `--build-arg NAME=value`. */
  buildArgs?: Record<string, string | number | boolean>;
  /** Arguments added after the manifest's `apptainer_build_extra_args`. */
  extraArgs?: string[];
  /** Apptainer executable; `apptainer` from PATH when unset. */
  apptainerPath?: string;
  /** Where Apptainer runs: `native`, or `lima` (the default on macOS). */
  runtime?: 'native' | 'lima';
  /** Lima instance that runs Apptainer; default `peppy`. */
  limaInstance?: string;
  /** Arguments for `limactl shell`, added after the manifest's `lima_shell_extra_args`. */
  limaShellExtraArgs?: string[];
}
