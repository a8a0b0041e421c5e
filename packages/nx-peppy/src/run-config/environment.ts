import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import type { Problem } from '../errors';
import { isValidVariableName, parseEnvFile } from './env-file';

/**
 * Names a node may not receive from the `env` or `envFile` options, and why.
 * PeppyOS strips the same names from the environment it forwards
 * (`peppy` CLI `commands/node/env.rs`, daemon `env.rs`), and Apptainer sets
 * HOME itself, so a node that needs them would not run under PeppyOS.
 */
const REJECTED_NAMES: Record<string, string> = {
  HOME: 'Apptainer sets HOME inside the container, and PeppyOS never forwards it',
  TMPDIR: 'a host temp folder does not exist inside the container',
  TEMP: 'a host temp folder does not exist inside the container',
  TMP: 'a host temp folder does not exist inside the container',
  PYTHONPATH: 'a host PYTHONPATH hides the packages of the image, so PeppyOS drops it',
  PYTHONHOME: 'a host PYTHONHOME breaks the Python of the image, so PeppyOS drops it',
  LD_PRELOAD: 'it loads host libraries into the node, so PeppyOS drops it',
  LD_LIBRARY_PATH: 'it makes the node load host libraries, so PeppyOS drops it',
  LD_AUDIT: 'it loads host libraries into the node, so PeppyOS drops it',
  LD_DEBUG: 'PeppyOS drops it',
  DYLD_INSERT_LIBRARIES: 'it loads host libraries into the node, so PeppyOS drops it',
  DYLD_LIBRARY_PATH: 'it makes the node load host libraries, so PeppyOS drops it',
  DYLD_FRAMEWORK_PATH: 'it makes the node load host frameworks, so PeppyOS drops it',
  BASH_ENV: 'it runs a host script in every shell of the node, so PeppyOS drops it',
  ENV: 'it runs a host script in every shell of the node, so PeppyOS drops it',
  CDPATH: 'it changes how shell scripts of the node resolve folders, so PeppyOS drops it',
  IFS: 'it changes how shell scripts of the node split words, so PeppyOS drops it',
  SHELLOPTS: 'it changes shell behaviour, so PeppyOS drops it',
  BASHOPTS: 'it changes shell behaviour, so PeppyOS drops it',
  PS4: 'it can run commands in traced shell scripts, so PeppyOS drops it',
  PROMPT_COMMAND: 'it runs a command in interactive shells, so PeppyOS drops it',
  GLOBIGNORE: 'it changes how shell scripts of the node expand globs, so PeppyOS drops it',
  PWD: 'the working folder sets it',
  OLDPWD: 'the shell sets it',
  PEPPY_RUNTIME_CONFIG: 'serve sets it to the runtime config it passes',
};

/** Returns why a variable may not be declared for a node, or undefined when it may. */
export function rejectedVariableReason(name: string): string | undefined {
  const upper = name.toUpperCase();
  return Object.hasOwn(REJECTED_NAMES, upper) ? REJECTED_NAMES[upper] : undefined;
}

export const REJECTED_VARIABLE_NAMES = Object.keys(REJECTED_NAMES);

export interface EnvironmentOptions {
  /** The `env` option. */
  env?: Record<string, unknown>;
  /** The `envFile` option, relative to the workspace root. */
  envFile?: string;
}

export interface DeclaredEnvironment {
  variables: Record<string, string>;
  problems: Problem[];
}

/**
 * Collects the variables a run declares: the `envFile` lines, then the `env`
 * map, which wins on a name given in both. A rejected or invalid name is an
 * error, not a silent drop, because a declared value is meant to arrive.
 */
export function declaredEnvironment(options: EnvironmentOptions, optionsFile: string, workspaceRoot: string): DeclaredEnvironment {
  const variables: Record<string, string> = {};
  const problems: Problem[] = [];

  if (options.envFile) {
    const path = resolve(workspaceRoot, options.envFile);
    let text: string | undefined;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
      problems.push({ file: optionsFile, field: 'envFile', message: `cannot read ${options.envFile}: ${reason}`, fix: 'point envFile at a file of KEY=value lines, relative to the workspace root' });
    }
    if (text !== undefined) {
      const parsed = parseEnvFile(text, options.envFile);
      problems.push(...parsed.problems);
      for (const [name, value] of Object.entries(parsed.variables)) {
        const reason = rejectedVariableReason(name);
        if (reason) problems.push({ ...rejectedProblem(options.envFile, undefined, name, reason), line: parsed.lines[name] });
        else variables[name] = value;
      }
    }
  }

  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (!isValidVariableName(name)) {
      problems.push({ file: optionsFile, field: `env.${name}`, message: `invalid variable name "${name}"`, fix: 'use letters, digits and _, not starting with a digit' });
      continue;
    }
    const reason = rejectedVariableReason(name);
    if (reason) {
      problems.push(rejectedProblem(optionsFile, `env.${name}`, name, reason));
      continue;
    }
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      problems.push({ file: optionsFile, field: `env.${name}`, message: `the value must be a string, got ${JSON.stringify(value)}`, fix: 'write the value as a string' });
      continue;
    }
    variables[name] = String(value);
  }

  return { variables, problems };
}

function rejectedProblem(file: string, field: string | undefined, name: string, reason: string): Problem {
  return { file, field, message: `${name} cannot be passed to a node: ${reason}`, fix: `remove ${name}; see docs/serve.md in the nx-peppy package for the variables a node receives` };
}
