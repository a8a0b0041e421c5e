/**
 * The environment PeppyOS gives a process node: the caller's environment
 * after the `peppy` CLI and the daemon filter it (`commands/node/env.rs`,
 * `daemon-config-internal/src/env.rs`), then the declared variables.
 */

/** Variables the `peppy` CLI never forwards, because they change how programs load or shells behave. */
const FORBIDDEN = new Set([
  'LD_PRELOAD',
  'LD_LIBRARY_PATH',
  'LD_AUDIT',
  'LD_DEBUG',
  'DYLD_INSERT_LIBRARIES',
  'DYLD_LIBRARY_PATH',
  'DYLD_FRAMEWORK_PATH',
  'BASH_ENV',
  'ENV',
  'CDPATH',
  'IFS',
  'SHELLOPTS',
  'BASHOPTS',
  'PS4',
  'PROMPT_COMMAND',
  'GLOBIGNORE',
]);

/** Variables that describe the caller's session rather than the node's. */
const SESSION = new Set(['PWD', 'OLDPWD', 'TMPDIR', 'TEMP', 'TMP', 'PYTHONPATH', 'PYTHONHOME']);

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** PeppyOS forwards only values made of these characters; anything else (a space, a quote) is dropped. */
const VALUE = /^[A-Za-z0-9_\-./:,=@+%]*$/;

export interface FilteredEnvironment {
  variables: Record<string, string>;
  /** Names left out, for a verbose log line. */
  dropped: string[];
}

/** Filters the caller's environment the way PeppyOS does before a process node receives it. */
export function forwardedCallerEnvironment(env: NodeJS.ProcessEnv): FilteredEnvironment {
  const variables: Record<string, string> = {};
  const dropped: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (FORBIDDEN.has(name) || SESSION.has(name) || !NAME.test(name) || !VALUE.test(value)) {
      dropped.push(name);
      continue;
    }
    variables[name] = value;
  }
  return { variables, dropped };
}
