import type { ProjectConfiguration } from '@nx/devkit';

/** The executor of the build target that the plugin infers for every node. */
export const BUILD_EXECUTOR = 'nx-peppy:build';

/** Options of a node's build target that decide which definition file it builds and where the image goes. */
export interface BuildTargetSettings {
  /** Image path relative to the workspace root, or absolute. */
  outputPath?: string;
  /** Definition file relative to the node folder. */
  defFile?: string;
  buildArgs: Record<string, string>;
  extraArgs: string[];
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function stringRecord(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const entries = Object.entries(value)
    .map(([name, item]): [string, unknown] => [name, typeof item === 'number' || typeof item === 'boolean' ? String(item) : item])
    .filter((pair): pair is [string, string] => typeof pair[1] === 'string');
  return Object.fromEntries(entries);
}

/**
 * Replaces the Nx tokens that an option can hold. Nx resolves them while it
 * reads the project configuration, so this only matters for a configuration
 * that did not pass through Nx.
 */
function resolveTokens(value: string, projectRoot: string): string {
  return value.replace(/^\{workspaceRoot\}\/?/, '').replace(/\{projectRoot\}/g, projectRoot);
}

/**
 * Reads the default options of a node's build target. Returns empty settings
 * when the target is missing or runs another executor, since the plugin's
 * defaults apply then. Options of named configurations are not read.
 */
export function buildTargetSettings(project: ProjectConfiguration, buildTargetName: string): BuildTargetSettings {
  const target = project.targets?.[buildTargetName];
  if (!target || (target.executor !== undefined && target.executor !== BUILD_EXECUTOR)) {
    return { buildArgs: {}, extraArgs: [] };
  }

  const options: Record<string, unknown> = target.options ?? {};
  const outputPath = nonEmptyString(options.outputPath);
  const defFile = nonEmptyString(options.defFile);
  const extraArgs = Array.isArray(options.extraArgs) ? options.extraArgs.filter((arg): arg is string => typeof arg === 'string') : [];

  return {
    outputPath: outputPath === undefined ? undefined : resolveTokens(outputPath, project.root),
    defFile: defFile === undefined ? undefined : resolveTokens(defFile, project.root),
    buildArgs: stringRecord(options.buildArgs),
    extraArgs,
  };
}

/**
 * Reads `--build-arg NAME=value` and `--build-arg=NAME=value` from an
 * `apptainer build` argument list. A later value of a name wins, as in
 * Apptainer.
 */
export function buildArgsFromArguments(args: readonly string[]): Record<string, string> {
  const values: Record<string, string> = {};

  for (let index = 0; index < args.length; index++) {
    let pair: string | undefined;
    if (args[index] === '--build-arg') {
      pair = args[index + 1];
      index++;
    } else if (args[index].startsWith('--build-arg=')) {
      pair = args[index].slice('--build-arg='.length);
    }

    const equals = pair?.indexOf('=') ?? -1;
    if (pair === undefined || equals <= 0) continue;
    values[pair.slice(0, equals)] = pair.slice(equals + 1);
  }

  return values;
}
