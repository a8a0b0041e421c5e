import type { Problem } from '../errors';
import type { ParameterSchema } from '../manifest';
import { describeValue, parseTypeToken, primitiveMismatch, TYPE_TOKEN_NAMES, type ParameterValue, type PrimitiveType } from './parameter-types';

export interface PrimitiveSpec {
  kind: 'primitive';
  type: PrimitiveType;
  /** Present only when the manifest gives `$default`. */
  default?: ParameterValue;
}

export interface ArraySpec {
  kind: 'array';
  items: ParameterSpec;
  length?: number;
}

export interface GroupSpec {
  kind: 'group';
  fields: Map<string, ParameterSpec>;
}

/**
 * An entry the manifest declares wrongly. Its problem is already reported,
 * so values for it are accepted as they are and it is never "missing".
 */
export interface InvalidSpec {
  kind: 'invalid';
}

export type ParameterSpec = PrimitiveSpec | ArraySpec | GroupSpec | InvalidSpec;

/** Location of the schema, for messages: the manifest and the field path of `parameters`. */
export interface SchemaLocation {
  file: string;
  field: string;
}

export interface ParsedParameterSchema {
  root: GroupSpec;
  problems: Problem[];
}

const TYPE_FIX = `use one of ${TYPE_TOKEN_NAMES.join(', ')}, "array" with $items, or a group object`;

/**
 * Reads a manifest's `parameters` the way PeppyOS's config model does: a type
 * token, `{$type, $default}`, `{$type: "array", $items, $length?}`, or a group
 * (a naked object or `{$type: "object", ...}`). Every problem is collected.
 */
export function parseParameterSchema(raw: ParameterSchema, location: SchemaLocation): ParsedParameterSchema {
  const problems: Problem[] = [];
  const root = parseGroupFields(Object.entries(raw), '', location, problems);
  return { root, problems };
}

function join(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

function report(problems: Problem[], location: SchemaLocation, path: string, message: string, fix: string): InvalidSpec {
  problems.push({ file: location.file, field: join(location.field, path), message, fix });
  return { kind: 'invalid' };
}

function parseSpec(raw: unknown, path: string, location: SchemaLocation, problems: Problem[]): ParameterSpec {
  if (typeof raw === 'string') {
    const type = parseTypeToken(raw);
    if (!type) return report(problems, location, path, `unknown parameter type "${raw}"`, TYPE_FIX);
    return { kind: 'primitive', type };
  }

  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return report(problems, location, path, `a parameter must be a type name or an object, got ${describeValue(raw)}`, TYPE_FIX);
  }

  const entry = raw as Record<string, unknown>;
  if (!('$type' in entry)) return parseNakedGroup(entry, path, location, problems);

  const declared = entry.$type;
  if (typeof declared !== 'string') {
    return report(problems, location, `${join(path, '$type')}`, `$type must be a string, got ${describeValue(declared)}`, TYPE_FIX);
  }
  if (declared === 'array') return parseArray(entry, path, location, problems);
  if (declared === 'object') return parseExplicitGroup(entry, path, location, problems);
  return parsePrimitiveObject(entry, declared, path, location, problems);
}

function parsePrimitiveObject(
  entry: Record<string, unknown>,
  declared: string,
  path: string,
  location: SchemaLocation,
  problems: Problem[],
): ParameterSpec {
  const type = parseTypeToken(declared);
  if (!type) return report(problems, location, join(path, '$type'), `unknown parameter type "${declared}"`, TYPE_FIX);

  let valid = true;
  for (const key of Object.keys(entry)) {
    if (key === '$type' || key === '$default') continue;
    valid = false;
    if (key === '$optional') {
      report(problems, location, join(path, key), '$optional is not supported on parameters', 'remove it; give the parameter a $default to make it optional');
    } else if (key.startsWith('$')) {
      report(problems, location, join(path, key), `unknown schema key "${key}"`, 'remove it; a typed parameter takes only $type and $default');
    } else {
      report(
        problems,
        location,
        join(path, key),
        `a parameter with $type cannot also have the field "${key}"`,
        'move the fields into a group: an object without $type, or with $type "object"',
      );
    }
  }

  if (!('$default' in entry)) return valid ? { kind: 'primitive', type } : { kind: 'invalid' };

  if (type === 'bytes' || type === 'time') {
    return report(problems, location, join(path, '$default'), `$default is not supported for type ${type}`, 'remove $default; the value must be given at run time');
  }
  const mismatch = primitiveMismatch(type, entry.$default);
  if (mismatch) return report(problems, location, join(path, '$default'), `invalid $default: ${mismatch}`, `write a $default of type ${type}`);
  return valid ? { kind: 'primitive', type, default: entry.$default as ParameterValue } : { kind: 'invalid' };
}

function parseArray(entry: Record<string, unknown>, path: string, location: SchemaLocation, problems: Problem[]): ParameterSpec {
  let valid = true;
  for (const key of Object.keys(entry)) {
    if (key === '$type' || key === '$items' || key === '$length') continue;
    valid = false;
    const message = key === '$default' ? '$default is not supported on arrays' : `unknown key "${key}" on an array parameter`;
    report(problems, location, join(path, key), message, 'an array parameter takes only $type, $items and $length');
  }

  let length: number | undefined;
  if ('$length' in entry) {
    const raw = entry.$length;
    if (typeof raw === 'number' && Number.isInteger(raw) && raw >= 0) {
      length = raw;
    } else {
      valid = false;
      report(problems, location, join(path, '$length'), `$length must be a non-negative integer, got ${describeValue(raw)}`, 'write the array length as a whole number');
    }
  }

  if (!('$items' in entry)) {
    return report(problems, location, path, 'an array parameter needs $items', 'add $items with the type of the array items, for example $items: "f64"');
  }
  const items = parseSpec(entry.$items, `${path}[]`, location, problems);
  if (!valid || items.kind === 'invalid') return { kind: 'invalid' };
  return length === undefined ? { kind: 'array', items } : { kind: 'array', items, length };
}

function parseExplicitGroup(entry: Record<string, unknown>, path: string, location: SchemaLocation, problems: Problem[]): GroupSpec {
  const fields = Object.entries(entry).filter(([key]) => {
    if (key === '$type') return false;
    if (!key.startsWith('$')) return true;
    const message = key === '$default' ? '$default is not supported on groups' : `unknown schema key "${key}" on a group`;
    report(problems, location, join(path, key), message, 'give $default to the fields of the group instead');
    return false;
  });
  return parseGroupFields(fields, path, location, problems);
}

function parseNakedGroup(entry: Record<string, unknown>, path: string, location: SchemaLocation, problems: Problem[]): GroupSpec {
  const fields = Object.entries(entry).filter(([key]) => {
    if (!key.startsWith('$')) return true;
    report(
      problems,
      location,
      join(path, key),
      `"${key}" is not allowed on a parameter group`,
      key === '$default' ? 'add $type to make it a typed parameter, or give $default to the fields of the group' : `remove "${key}"`,
    );
    return false;
  });
  return parseGroupFields(fields, path, location, problems);
}

function parseGroupFields(entries: [string, unknown][], path: string, location: SchemaLocation, problems: Problem[]): GroupSpec {
  const fields = new Map<string, ParameterSpec>();
  for (const [name, raw] of entries) {
    if (name.includes('.')) {
      report(problems, location, join(path, name), `parameter name "${name}" contains ".", which separates group levels`, 'nest the parameter in a group instead');
      fields.set(name, { kind: 'invalid' });
      continue;
    }
    fields.set(name, parseSpec(raw, join(path, name), location, problems));
  }
  return { kind: 'group', fields };
}

/** Finds the spec at a dot path, or undefined when a segment is not declared. */
export function specAtPath(root: GroupSpec, path: readonly string[]): ParameterSpec | undefined {
  let current: ParameterSpec = root;
  for (const segment of path) {
    if (current.kind === 'invalid') return current;
    if (current.kind !== 'group') return undefined;
    const next = current.fields.get(segment);
    if (!next) return undefined;
    current = next;
  }
  return current;
}

/** Lists the dot paths of every declared value (primitives and arrays), for "known parameters" hints. */
export function leafPaths(group: GroupSpec, prefix = ''): string[] {
  const paths: string[] = [];
  for (const [name, spec] of group.fields) {
    const path = join(prefix, name);
    if (spec.kind === 'group') paths.push(...leafPaths(spec, path));
    else paths.push(path);
  }
  return paths;
}

/** Describes the type of a spec as a manifest would write it, for messages. */
export function describeSpec(spec: ParameterSpec): string {
  switch (spec.kind) {
    case 'primitive':
      return spec.type;
    case 'array':
      return spec.length === undefined ? `array of ${describeSpec(spec.items)}` : `array of ${spec.length} ${describeSpec(spec.items)}`;
    case 'group':
      return 'group';
    default:
      return 'invalid declaration';
  }
}
