import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

import { NxPeppyError, type Problem } from '../errors';
import { DEFAULT_LIMA_INSTANCE, limaShellArgs } from './lima-command';
import { invisiblePathProblems, limaSameMountPaths, resolveLimaHome, type HostPath } from './lima-mounts';
import { spawnCommand, type SpawnOptions, type SpawnResult } from './spawn';

export type RuntimeKind = 'native' | 'lima';

export interface RuntimeOptions {
  /** Apptainer executable; `apptainer` from PATH (of the Lima guest for `lima`) when unset. */
  apptainerPath?: string;
  /** Runtime kind: `native`, or `lima` for a Lima VM as PeppyOS uses on macOS. Default: `lima` on macOS. */
  runtime?: RuntimeKind;
  /** Lima instance; default `peppy`, the one PeppyOS creates. */
  limaInstance?: string;
  /** Arguments after `limactl shell INSTANCE`: the manifest's `lima_shell_extra_args`, then the executor's. */
  limaShellExtraArgs?: readonly string[];
  /** limactl executable; `limactl` from PATH when unset. */
  limactlPath?: string;
  /** Overrides for tests. */
  platform?: NodeJS.Platform;
  homeDir?: string;
  env?: NodeJS.ProcessEnv;
}

/** The process `apptainer()` starts, for logs and tests. */
export interface Invocation {
  file: string;
  args: string[];
  /** Extra variables for that process; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  cwd: string;
}

/** Runner of Apptainer commands, on this machine or inside a Lima VM. */
export interface ApptainerRuntime {
  readonly kind: RuntimeKind;
  readonly apptainerPath: string;
  /** The Lima instance, for the `lima` runtime. */
  readonly limaInstance?: string;
  /** Describes, without spawning, what `apptainer(args, options)` starts. */
  invocation(args: readonly string[], options: Pick<SpawnOptions, 'cwd' | 'env'>): Invocation;
  /** Lists the paths Apptainer cannot see; always empty for `native`. */
  invisiblePaths(paths: readonly HostPath[]): Problem[];
  apptainer(args: readonly string[], options: SpawnOptions): Promise<SpawnResult>;
}

const INSTALL_FIX =
  'install Apptainer 1.1 or newer (https://apptainer.org/docs/admin/main/installation.html), ' +
  'or set the executor option "apptainerPath" to its executable';

const LIMA_INSTALL_FIX =
  'install Lima 2.1 or newer (`brew install lima`) and create the instance, for example by running any `peppy node` command once, ' +
  'or set the executor option "runtime" to "native"';

/** Returns the home folder of the user running the task: `HOME`, as shells and PeppyOS read it, else the password database. */
export function homeDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return env.HOME || homedir();
}

/** Returns the runtime a platform uses when the option is not set, because PeppyOS runs Apptainer in Lima on macOS. */
export function defaultRuntimeKind(platform: NodeJS.Platform = process.platform): RuntimeKind {
  return platform === 'darwin' ? 'lima' : 'native';
}

/** Creates the runtime that every Apptainer command of the plugin goes through. */
export function createRuntime(options: RuntimeOptions = {}): ApptainerRuntime {
  const kind = options.runtime ?? defaultRuntimeKind(options.platform);
  return kind === 'lima' ? createLimaRuntime(options) : createNativeRuntime(options);
}

function createNativeRuntime(options: RuntimeOptions): ApptainerRuntime {
  const apptainerPath = options.apptainerPath || 'apptainer';
  return {
    kind: 'native',
    apptainerPath,
    invocation: (args, spawnOptions) => ({ file: apptainerPath, args: [...args], env: spawnOptions.env, cwd: spawnOptions.cwd }),
    invisiblePaths: () => [],
    apptainer: (args, spawnOptions) => spawnCommand(apptainerPath, args, { missingCommandFix: INSTALL_FIX, ...spawnOptions }),
  };
}

function createLimaRuntime(options: RuntimeOptions): ApptainerRuntime {
  const apptainerPath = options.apptainerPath || 'apptainer';
  const instance = options.limaInstance || DEFAULT_LIMA_INSTANCE;
  const limactl = options.limactlPath || 'limactl';
  const env = options.env ?? process.env;
  const homeDir = options.homeDir ?? homeDirectory(env);
  const limaHome = resolveLimaHome(env, homeDir, instance, existsSync);

  const visibleFolders = (): string[] => {
    let yaml = '';
    try {
      yaml = readFileSync(join(limaHome, instance, 'lima.yaml'), 'utf8');
    } catch {
      // No readable lima.yaml: only the home folder, which Lima mounts by default, counts.
    }
    return [homeDir, ...limaSameMountPaths(yaml, homeDir)];
  };
  const invisiblePaths = (paths: readonly HostPath[]) => invisiblePathProblems(paths, visibleFolders(), instance, limaHome);

  const invocation = (args: readonly string[], spawnOptions: Pick<SpawnOptions, 'cwd' | 'env'>): Invocation => ({
    file: limactl,
    args: limaShellArgs([apptainerPath, ...args], {
      instance,
      shellExtraArgs: options.limaShellExtraArgs,
      cwd: spawnOptions.cwd,
      env: spawnOptions.env,
    }),
    env: env.LIMA_HOME ? undefined : { LIMA_HOME: limaHome },
    // limactl itself needs an existing host folder; the guest enters `cwd` with its own `cd`.
    cwd: existsSync(spawnOptions.cwd) ? spawnOptions.cwd : homeDir,
  });

  return {
    kind: 'lima',
    apptainerPath,
    limaInstance: instance,
    invocation,
    invisiblePaths,
    apptainer: async (args, spawnOptions) => {
      const problems = invisiblePaths([{ path: spawnOptions.cwd, role: 'working folder' }]);
      if (problems.length > 0) throw new NxPeppyError(problems);

      const command = invocation(args, spawnOptions);
      // NOTE: stopping signals only the host's limactl process group, so the
      // guest's Apptainer may outlive it. PeppyOS also kills the guest
      // process group through a pgid file, which this runtime does not do.
      return spawnCommand(command.file, command.args, {
        ...spawnOptions,
        cwd: command.cwd,
        env: command.env,
        extendEnv: true,
        missingCommandFix: LIMA_INSTALL_FIX,
      });
    },
  };
}
