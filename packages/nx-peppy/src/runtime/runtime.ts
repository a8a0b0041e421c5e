import { spawnCommand, type SpawnOptions, type SpawnResult } from './spawn';

export interface RuntimeOptions {
  /** Apptainer executable; `apptainer` from PATH when unset. */
  apptainerPath?: string;
}

/** Where Apptainer commands run. Only the native runtime exists so far. */
export interface ApptainerRuntime {
  readonly kind: 'native';
  readonly apptainerPath: string;
  apptainer(args: readonly string[], options: SpawnOptions): Promise<SpawnResult>;
}

const INSTALL_FIX =
  'install Apptainer 1.1 or newer (https://apptainer.org/docs/admin/main/installation.html), ' +
  'or set the executor option "apptainerPath" to its executable';

// NOTE: macOS runs Apptainer inside a Lima VM; that runtime is not written yet,
// so on darwin the native runtime fails with "command not found".
export function createRuntime(options: RuntimeOptions = {}): ApptainerRuntime {
  const apptainerPath = options.apptainerPath || 'apptainer';
  return {
    kind: 'native',
    apptainerPath,
    apptainer: (args, spawnOptions) =>
      spawnCommand(apptainerPath, args, { missingCommandFix: INSTALL_FIX, ...spawnOptions }),
  };
}
