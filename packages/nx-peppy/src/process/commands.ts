import { NxPeppyError } from '../errors';

/** A program and its arguments, run without a shell. */
export interface CommandInvocation {
  file: string;
  args: string[];
}

/** Origin of a command, for messages. */
export interface CommandSource {
  file: string;
  field: string;
}

/**
 * Replaces each `${NAME}` with the value of NAME. References to unset
 * variables, `$NAME` without braces and an unclosed `${` stay as written,
 * as in PeppyOS's `expand_env_vars`.
 */
export function expandVariables(text: string, env: Record<string, string | undefined>): string {
  return text.replace(/\$\{([^}]*)\}/g, (reference, name: string) => {
    const value = Object.hasOwn(env, name) ? env[name] : undefined;
    return value ?? reference;
  });
}

/**
 * Turns a process node's `build_cmd` into the process PeppyOS starts
 * (`run_build_cmd` in `node_stack/build_steps.rs`). One element runs as
 * `sh -c "<element>"`, so the shell expands variables at run time. Two or
 * more run as an argument array with `${NAME}` expanded from `env`, because
 * no shell expands them.
 */
export function processBuildInvocation(
  command: readonly string[],
  env: Record<string, string | undefined>,
  source: CommandSource = { file: 'peppy.json5', field: 'execution.build_cmd' },
): CommandInvocation {
  if (command.length === 0) {
    throw new NxPeppyError({ ...source, message: 'the build command is empty', fix: 'remove the field, or write the command as ["program", "argument", ...]' });
  }
  if (command.length === 1) return { file: 'sh', args: ['-c', command[0]] };

  const [file, ...args] = command.map((part) => expandVariables(part, env));
  return { file, args };
}

/** Turns a process node's `run_cmd` into the process to start: an argument array, as written. */
export function processRunInvocation(command: readonly string[], extraArgs: readonly string[] = []): CommandInvocation {
  const [file, ...args] = command;
  return { file, args: [...args, ...extraArgs] };
}
