import type { Problem } from '../errors';
import type { NodeManifest } from '../manifest';
import { describeSpec, leafPaths, parseParameterSchema, specAtPath, type GroupSpec, type ParameterSpec } from './parameter-schema';
import { describeValue, type ParameterValue } from './parameter-types';
import { checkValue, convertCommandLineValue, defaultValue, type MissingValue, type ValueMismatch } from './parameter-values';

/** Parameter values given for one run, on top of the manifest's `$default`s. */
export interface ParameterOverrides {
  /** `--param name.path=value`, once or repeated; the values are text. */
  commandLine?: string | readonly string[];
  /** The `params` option: dot paths or nested groups mapped to values. */
  options?: Record<string, unknown>;
}

export interface ResolvedParameters {
  /** `node_instance.arguments`: every declared value, with defaults filled in. */
  arguments: Record<string, ParameterValue>;
  schema: GroupSpec;
  /** Every problem found, for one error listing them all. */
  problems: Problem[];
}

/** Origin of the overrides, for messages. */
export interface OverrideSource {
  /** The label of the executor options, such as `my_node:serve options`. */
  optionsFile: string;
}

interface Override {
  path: string[];
  value: unknown;
  /** The option it came from: `param` (text) or `params`. */
  option: 'param' | 'params';
}

/** Returns the field path of the manifest's `parameters`, which node/v1 moved into `execution`. */
export function parametersField(manifest: NodeManifest): string {
  return manifest.format === 'node/v1' ? 'execution.parameters' : 'parameters';
}

/**
 * Computes `node_instance.arguments`: the manifest's `$default`s, then the
 * `params` option, then `--param` (the last value for a path wins). Checks
 * names, types and ranges, and lists every required value still missing.
 */
export function resolveParameters(manifest: NodeManifest, overrides: ParameterOverrides, source: OverrideSource): ResolvedParameters {
  const field = parametersField(manifest);
  const { root, problems } = parseParameterSchema(manifest.parameters, { file: manifest.file, field });

  const list = [...optionOverrides(overrides.options ?? {}, root), ...commandLineOverrides(overrides.commandLine, source, problems)];
  const values: Record<string, ParameterValue> = {};
  const earlyMissing: MissingValue[] = [];

  for (const override of list) {
    applyOverride(override, root, values, earlyMissing, source, problems, manifest.file);
  }

  // Fields missing inside array items cannot be set later; fields missing in
  // groups are found again by fillDefaults, after every override is applied.
  const missing = earlyMissing.filter((entry) => entry.path.includes('['));
  fillDefaults(values, root, '', missing);
  for (const entry of missing) {
    problems.push({
      file: manifest.file,
      field: `${field}.${entry.path}`,
      message: `required parameter "${entry.path}" (${entry.type}) has no value: it has no $default and none was given`,
      fix: `pass it with --param ${entry.path}=<${entry.type}>, or give it a $default in the manifest`,
    });
  }

  return { arguments: values, schema: root, problems };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Flattens the `params` option: `{video: {frame_rate: 60}}` and `{"video.frame_rate": 60}` are the same. */
function optionOverrides(options: Record<string, unknown>, root: GroupSpec, prefix: string[] = []): Override[] {
  const list: Override[] = [];
  for (const [key, value] of Object.entries(options)) {
    const path = [...prefix, ...key.split('.')];
    const spec = specAtPath(root, path);
    if (spec?.kind === 'group' && isPlainObject(value)) {
      list.push(...optionOverrides(value, root, path));
    } else {
      list.push({ path, value, option: 'params' });
    }
  }
  return list;
}

function commandLineOverrides(raw: string | readonly string[] | undefined, source: OverrideSource, problems: Problem[]): Override[] {
  let entries: readonly string[] = [];
  if (typeof raw === 'string') entries = [raw];
  else if (raw !== undefined) entries = raw;
  const list: Override[] = [];
  for (const entry of entries) {
    const separator = entry.indexOf('=');
    if (separator <= 0) {
      problems.push({
        file: source.optionsFile,
        field: 'param',
        message: `invalid --param "${entry}": expected NAME=VALUE`,
        fix: 'write it as --param name=value, with a dot path for grouped parameters: --param video.frame_rate=60',
      });
      continue;
    }
    list.push({ path: entry.slice(0, separator).trim().split('.'), value: entry.slice(separator + 1), option: 'param' });
  }
  return list;
}

function knownNamesFix(root: GroupSpec, manifestFile: string): string {
  const names = leafPaths(root);
  if (names.length === 0) return `${manifestFile} declares no parameters; remove the value`;
  const listed = names.length > 25 ? [...names.slice(0, 25), `and ${names.length - 25} more`] : names;
  return `use a declared parameter: ${listed.join(', ')}`;
}

function applyOverride(
  override: Override,
  root: GroupSpec,
  values: Record<string, ParameterValue>,
  missing: MissingValue[],
  source: OverrideSource,
  problems: Problem[],
  manifestFile: string,
): void {
  const name = override.path.join('.');
  const spec = specAtPath(root, override.path);
  if (!spec) {
    problems.push({
      file: source.optionsFile,
      field: `${override.option} ${name}`,
      message: `unknown parameter "${name}": ${manifestFile} does not declare it`,
      fix: knownNamesFix(root, manifestFile),
    });
    return;
  }

  const { value, writtenAsFloat } = convertOverride(override, spec);
  const mismatches: ValueMismatch[] = [];
  const checked = checkValue(value, spec, name, mismatches, missing, writtenAsFloat);
  for (const mismatch of mismatches) {
    problems.push({
      file: source.optionsFile,
      field: `${override.option} ${name}`,
      message: `invalid value ${describeValue(override.value)} for "${mismatch.path}": ${mismatch.message}`,
      fix: `pass a value of type ${describeSpec(spec)}${spec.kind === 'array' || spec.kind === 'group' ? ' written as JSON' : ''}`,
    });
  }
  setValueAt(values, override.path, checked);
}

/** Text values are converted per type, whether they come from `--param` or from the `params` map. */
function convertOverride(override: Override, spec: ParameterSpec): { value: ParameterValue; writtenAsFloat: boolean } {
  if (typeof override.value === 'string') return convertCommandLineValue(override.value, spec);
  return { value: override.value as ParameterValue, writtenAsFloat: false };
}

function setValueAt(values: Record<string, ParameterValue>, path: readonly string[], value: ParameterValue): void {
  let node: Record<string, ParameterValue> = values;
  for (const segment of path.slice(0, -1)) {
    const next = node[segment];
    if (!isPlainObject(next)) node[segment] = {};
    node = node[segment] as Record<string, ParameterValue>;
  }
  node[path[path.length - 1]] = value;
}


/** Adds the defaults of every declared value that no override set, recursing into groups given in part. */
function fillDefaults(values: Record<string, ParameterValue>, group: GroupSpec, prefix: string, missing: MissingValue[]): void {
  for (const [name, spec] of group.fields) {
    const path = prefix ? `${prefix}.${name}` : name;
    const present = values[name];
    if (present === undefined) {
      const filled = defaultValue(spec, path, missing);
      if (filled !== undefined) values[name] = filled;
    } else if (spec.kind === 'group' && isPlainObject(present)) {
      fillDefaults(present as Record<string, ParameterValue>, spec, path, missing);
    }
  }
}
