import JSON5 from 'json5';

import { describeSpec, type ParameterSpec } from './parameter-schema';
import { describeValue, primitiveMismatch, type ParameterValue } from './parameter-types';

/** A value that does not fit its declaration, with the dot path of the part that is wrong. */
export interface ValueMismatch {
  path: string;
  message: string;
}

/** A missing required value: its dot path and its declared type. */
export interface MissingValue {
  path: string;
  type: string;
}

export interface ConvertedValue {
  value: ParameterValue;
  /** The text had a fraction or an exponent, so it is a float even when whole. */
  writtenAsFloat: boolean;
}

const INTEGER_TEXT = /^[+-]?\d+$/;
const FLOAT_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function numberFromText(text: string): ConvertedValue | undefined {
  const trimmed = text.trim();
  if (INTEGER_TEXT.test(trimmed)) {
    const integer = BigInt(trimmed);
    const fitsNumber = integer >= BigInt(Number.MIN_SAFE_INTEGER) && integer <= BigInt(Number.MAX_SAFE_INTEGER);
    return { value: fitsNumber ? Number(integer) : integer, writtenAsFloat: false };
  }
  if (FLOAT_TEXT.test(trimmed)) return { value: Number(trimmed), writtenAsFloat: true };
  return undefined;
}

/**
 * Converts a command-line value (always a string) to the declared type:
 * `true`/`false` for bool, decimal text for numbers, JSON5 for arrays and
 * groups. Strings and bytes keep the text as it is. Returns the text itself
 * when it does not convert, so that the type check reports the mismatch.
 */
export function convertCommandLineValue(text: string, spec: ParameterSpec): ConvertedValue {
  const unchanged = { value: text, writtenAsFloat: false };
  if (spec.kind === 'invalid') return unchanged;

  if (spec.kind === 'array' || spec.kind === 'group') {
    try {
      return { value: JSON5.parse(text) as ParameterValue, writtenAsFloat: false };
    } catch {
      return unchanged;
    }
  }

  switch (spec.type) {
    case 'string':
    case 'bytes':
      return unchanged;
    case 'bool':
      if (text === 'true') return { value: true, writtenAsFloat: false };
      if (text === 'false') return { value: false, writtenAsFloat: false };
      return unchanged;
    default:
      return numberFromText(text) ?? unchanged;
  }
}

function isPlainObject(value: unknown): value is Record<string, ParameterValue> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function childPath(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

/**
 * Checks a value against its declaration and fills missing group fields from
 * their `$default`, as PeppyOS does for a partly given group. Every mismatch
 * and every missing required field is collected; the returned value is the
 * one to write into the runtime config.
 */
export function checkValue(
  value: ParameterValue,
  spec: ParameterSpec,
  path: string,
  mismatches: ValueMismatch[],
  missing: MissingValue[],
  writtenAsFloat = false,
): ParameterValue {
  switch (spec.kind) {
    case 'invalid':
      return value;

    case 'primitive': {
      const mismatch = primitiveMismatch(spec.type, value, writtenAsFloat);
      if (mismatch) mismatches.push({ path, message: mismatch });
      return value;
    }

    case 'array': {
      if (!Array.isArray(value)) {
        mismatches.push({ path, message: `expected ${describeSpec(spec)} (a JSON array), got ${describeValue(value)}` });
        return value;
      }
      if (spec.length !== undefined && value.length !== spec.length) {
        mismatches.push({ path, message: `expected an array of length ${spec.length}, got length ${value.length}` });
      }
      return value.map((item, index) => checkValue(item, spec.items, `${path}[${index}]`, mismatches, missing));
    }

    case 'group': {
      if (!isPlainObject(value)) {
        mismatches.push({ path, message: `expected a group (a JSON object), got ${describeValue(value)}` });
        return value;
      }
      const result: Record<string, ParameterValue> = {};
      for (const [name, child] of Object.entries(value)) {
        const childSpec = spec.fields.get(name);
        if (!childSpec) {
          mismatches.push({ path: childPath(path, name), message: 'unknown field: the manifest does not declare it' });
          continue;
        }
        result[name] = checkValue(child, childSpec, childPath(path, name), mismatches, missing);
      }
      for (const [name, childSpec] of spec.fields) {
        if (name in result || name in value) continue;
        const filled = defaultValue(childSpec, childPath(path, name), missing);
        if (filled !== undefined) result[name] = filled;
      }
      return result;
    }
  }
}

/**
 * Builds the value a declaration defaults to: `$default` for a primitive, a
 * group of its fields' defaults for a group. Arrays never have a default.
 * Each required value without a default is added to `missing`, and the
 * result is then undefined.
 */
export function defaultValue(spec: ParameterSpec, path: string, missing: MissingValue[]): ParameterValue | undefined {
  switch (spec.kind) {
    case 'invalid':
      return undefined;
    case 'primitive':
      if (spec.default !== undefined) return spec.default;
      missing.push({ path, type: spec.type });
      return undefined;
    case 'array':
      missing.push({ path, type: describeSpec(spec) });
      return undefined;
    case 'group': {
      const result: Record<string, ParameterValue> = {};
      let complete = true;
      for (const [name, childSpec] of spec.fields) {
        const child = defaultValue(childSpec, childPath(path, name), missing);
        if (child === undefined) {
          if (childSpec.kind !== 'invalid') complete = false;
        } else {
          result[name] = child;
        }
      }
      return complete ? result : undefined;
    }
  }
}
