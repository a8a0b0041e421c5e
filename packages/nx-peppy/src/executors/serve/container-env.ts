/**
 * Channels for declared variables into a container. `apptainer run --env`
 * parses its value as comma-separated `K=V` pairs, so only plain values use
 * it, and the rest go through a generated `--env-file`.
 */

/** Values `--env` passes unchanged: no comma, `=`, quote, backslash, space or `$`. */
const PLAIN_VALUE = /^[A-Za-z0-9_./:@+%-]*$/;

export interface ContainerEnvironment {
  /** Passed as `--env NAME=value`. */
  flags: Record<string, string>;
  /** Written to the `--env-file`; empty when no value needs it. */
  fileEntries: Record<string, string>;
  /** Some value contains `$` or a backquote, which Apptainer expands unless given `--no-eval`. */
  needsNoEval: boolean;
}

export function splitContainerEnvironment(variables: Record<string, string>): ContainerEnvironment {
  const result: ContainerEnvironment = { flags: {}, fileEntries: {}, needsNoEval: false };
  for (const [name, value] of Object.entries(variables)) {
    if (PLAIN_VALUE.test(value)) result.flags[name] = value;
    else result.fileEntries[name] = value;
    if (/[$`]/.test(value)) result.needsNoEval = true;
  }
  return result;
}

/**
 * Writes an env file for Apptainer 1.4, which reads it with a shell parser:
 * each value in single quotes, and each `'` as `'"'"'`. The usual `'\''`
 * arrives as `\'` (measured with Apptainer 1.4.5), so it is not used.
 */
export function formatApptainerEnvFile(entries: Record<string, string>): string {
  return Object.entries(entries)
    .map(([name, value]) => `${name}='${value.replace(/'/g, `'"'"'`)}'\n`)
    .join('');
}

/**
 * Host variables that would reach the container or change its mounts in
 * spite of `--cleanenv`: Apptainer copies `APPTAINERENV_X` into the
 * container as `X`, and `APPTAINER_BIND` adds binds.
 */
export function leakingHostVariables(env: NodeJS.ProcessEnv): string[] {
  return Object.keys(env).filter(
    (name) => /^(APPTAINERENV_|SINGULARITYENV_)/.test(name) || /^(APPTAINER|SINGULARITY)_(BIND|BINDPATH|MOUNT)$/.test(name),
  );
}
