import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import JSON5 from 'json5';

import type { Problem } from '../../errors';
import {
  createRuntimeConfig,
  declaredEnvironment,
  parseParameterSchema,
  parametersField,
  resolveParameters,
  type GroupSpec,
  type ParameterValue,
  type RuntimeConfig,
} from '../../run-config';
import type { NodeContext } from '../node-context';
import type { ServeExecutorSchema } from './schema';

/** Everything a run needs besides the runtime, checked in one pass. */
export interface RunInputs {
  /** The generated runtime config; undefined when the user gives one. */
  config?: RuntimeConfig;
  /** The user's runtime config file (absolute), used as it is. */
  userConfigFile?: string;
  /** Parameter values, for `${parameters:...}` in mount paths. */
  arguments: Record<string, ParameterValue>;
  schema: GroupSpec;
  /** Declared variables (`envFile`, then `env`). */
  env: Record<string, string>;
  problems: Problem[];
}

export function optionsLabel(node: NodeContext): string {
  return `${node.projectName}:serve options`;
}

/**
 * Resolves parameters, the runtime config and the declared environment,
 * collecting every problem so the user sees them all at once.
 */
export function prepareRunInputs(node: NodeContext, options: ServeExecutorSchema, workspaceRoot: string, messagingHost: string): RunInputs {
  const label = optionsLabel(node);
  const declared = declaredEnvironment({ env: options.env, envFile: options.envFile }, label, workspaceRoot);

  if (options.runtimeConfig) {
    const user = readUserConfig(options, label, workspaceRoot);
    const { root, problems } = parseParameterSchema(node.manifest.parameters, { file: node.manifest.file, field: parametersField(node.manifest) });
    const conflicts: Problem[] =
      options.param !== undefined || options.params !== undefined
        ? [{ file: label, field: 'runtimeConfig', message: 'runtimeConfig cannot be combined with param or params, because the file is used as it is', fix: 'put the values into node_instance.arguments of the file, or drop runtimeConfig' }]
        : [];
    return {
      userConfigFile: user.file,
      arguments: user.arguments,
      schema: root,
      env: declared.variables,
      problems: [...user.problems, ...conflicts, ...problems, ...declared.problems],
    };
  }

  const parameters = resolveParameters(node.manifest, { commandLine: options.param, options: options.params }, { optionsFile: label });
  const config = createRuntimeConfig(node.manifest, {
    messagingHost,
    messagingPort: options.messagingPort,
    instanceId: options.instanceId,
    arguments: parameters.arguments,
  });
  return {
    config,
    arguments: parameters.arguments,
    schema: parameters.schema,
    env: declared.variables,
    problems: [...parameters.problems, ...declared.problems],
  };
}

function readUserConfig(options: ServeExecutorSchema, label: string, workspaceRoot: string) {
  const file = resolve(workspaceRoot, options.runtimeConfig as string);
  const problems: Problem[] = [];
  let args: Record<string, ParameterValue> = {};

  if (!existsSync(file)) {
    problems.push({
      file: label,
      field: 'runtimeConfig',
      message: `runtime config not found: ${options.runtimeConfig}`,
      fix: 'point "runtimeConfig" at an existing JSON5 file (relative to the workspace root), or remove it to use a generated one',
    });
    return { file, arguments: args, problems };
  }

  try {
    const parsed = JSON5.parse(readFileSync(file, 'utf8')) as { node_instance?: { arguments?: unknown } };
    const found = parsed?.node_instance?.arguments;
    if (found !== null && typeof found === 'object' && !Array.isArray(found)) args = found as Record<string, ParameterValue>;
  } catch (error) {
    problems.push({
      file: options.runtimeConfig as string,
      message: `invalid JSON5: ${(error as Error).message.replace(/^JSON5: /, '')}`,
      fix: 'correct the runtime config file; nx-peppy passes it to the node as it is',
    });
  }
  return { file, arguments: args, problems };
}
