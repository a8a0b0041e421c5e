/** The Lima instance PeppyOS creates and uses. */
export const DEFAULT_LIMA_INSTANCE = 'peppy';

/**
 * Enters the working folder inside the guest, then runs the command. The
 * `cd` is explicit and fails loudly: `limactl shell` would otherwise try the
 * host's working folder and fall back to the home folder without a word.
 */
export const GUEST_CD_SCRIPT = 'cd "$1" && shift && exec "$@"';

export interface LimaCommandOptions {
  instance: string;
  /** The manifest's `lima_shell_extra_args`, then the executor's `limaShellExtraArgs`. */
  shellExtraArgs?: readonly string[];
  /** Working folder inside the guest; Lima mounts host folders at the same path. */
  cwd: string;
  /** Variables for the command; host variables do not cross `limactl shell`, so they ride `env K=V`. */
  env?: Record<string, string | undefined>;
}

/**
 * Builds the `limactl` arguments that run `command` inside the instance:
 * `shell INSTANCE [extra args] -- sh -c SCRIPT sh DIR [env K=V ...] command...`.
 */
export function limaShellArgs(command: readonly string[], options: LimaCommandOptions): string[] {
  const assignments = Object.entries(options.env ?? {})
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => `${name}=${value}`);

  return [
    'shell',
    options.instance,
    ...(options.shellExtraArgs ?? []),
    '--',
    'sh',
    '-c',
    GUEST_CD_SCRIPT,
    'sh',
    options.cwd,
    ...(assignments.length > 0 ? ['env', ...assignments] : []),
    ...command,
  ];
}
