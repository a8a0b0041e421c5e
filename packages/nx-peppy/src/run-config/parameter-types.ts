/**
 * Primitive parameter types of a PeppyOS manifest and the checks PeppyOS's
 * config model (`peppy-config-model`, `common.rs`) applies to their values.
 */

export type PrimitiveType =
  | 'bool'
  | 'string'
  | 'bytes'
  | 'time'
  | 'u8'
  | 'u16'
  | 'u32'
  | 'u64'
  | 'i8'
  | 'i16'
  | 'i32'
  | 'i64'
  | 'f32'
  | 'f64';

const TYPE_TOKENS: Record<string, PrimitiveType> = {
  bool: 'bool',
  string: 'string',
  str: 'string',
  bytes: 'bytes',
  time: 'time',
  u8: 'u8',
  u16: 'u16',
  u32: 'u32',
  u64: 'u64',
  i8: 'i8',
  i16: 'i16',
  i32: 'i32',
  i64: 'i64',
  f32: 'f32',
  float: 'f32',
  f64: 'f64',
  double: 'f64',
};

export const TYPE_TOKEN_NAMES = Object.keys(TYPE_TOKENS);

/** Maps a type token, including the aliases `str`, `float` and `double`, to its type. */
export function parseTypeToken(token: string): PrimitiveType | undefined {
  return Object.hasOwn(TYPE_TOKENS, token) ? TYPE_TOKENS[token] : undefined;
}

/** Inclusive integer ranges, as bigint so that u64 and i64 limits are exact. */
export const INTEGER_RANGES: Partial<Record<PrimitiveType, readonly [bigint, bigint]>> = {
  u8: [0n, 255n],
  u16: [0n, 65_535n],
  u32: [0n, 4_294_967_295n],
  u64: [0n, 18_446_744_073_709_551_615n],
  i8: [-128n, 127n],
  i16: [-32_768n, 32_767n],
  i32: [-2_147_483_648n, 2_147_483_647n],
  i64: [-9_223_372_036_854_775_808n, 9_223_372_036_854_775_807n],
};

/** Largest finite f32. */
export const F32_MAX = 3.4028234663852886e38;

/** Integers beyond ±2^24 lose precision in an f32, so PeppyOS rejects them for f32 parameters. */
export const F32_LOSSLESS_INTEGER = 2n ** 24n;

/** A parameter value: JSON, with integers that a JavaScript number cannot hold exactly kept as bigint. */
export type ParameterValue = null | boolean | string | number | bigint | ParameterValue[] | { [key: string]: ParameterValue };

/**
 * Returns why a value does not fit a type, or undefined when it fits.
 * `writtenAsFloat` marks a command-line number written with a fraction or an
 * exponent, which integer types reject even when it is whole (`60.0`).
 */
export function primitiveMismatch(type: PrimitiveType, value: unknown, writtenAsFloat = false): string | undefined {
  switch (type) {
    case 'bool':
      return typeof value === 'boolean' ? undefined : `expected bool (true or false), got ${describeValue(value)}`;
    case 'string':
      return typeof value === 'string' ? undefined : `expected string, got ${describeValue(value)}`;
    case 'bytes':
      return bytesMismatch(value);
    case 'time':
      return integerOf(value, writtenAsFloat) === undefined ? `expected time (an integer), got ${describeValue(value)}` : undefined;
    case 'f32':
      return f32Mismatch(value, writtenAsFloat);
    case 'f64':
      return isFiniteNumber(value) ? undefined : `expected f64 (a finite number), got ${describeValue(value)}`;
    default:
      return integerMismatch(type, value, writtenAsFloat);
  }
}

function isFiniteNumber(value: unknown): boolean {
  return (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'bigint';
}

function integerOf(value: unknown, writtenAsFloat: boolean): bigint | undefined {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value) && !writtenAsFloat) return BigInt(value);
  return undefined;
}

function integerMismatch(type: PrimitiveType, value: unknown, writtenAsFloat: boolean): string | undefined {
  const range = INTEGER_RANGES[type];
  if (!range) return `unsupported type ${type}`;
  const integer = integerOf(value, writtenAsFloat);
  if (integer === undefined) return `expected ${type} (an integer), got ${describeValue(value)}`;
  const [min, max] = range;
  if (integer < min || integer > max) return `${integer} is out of range for ${type} [${min}, ${max}]`;
  return undefined;
}

function f32Mismatch(value: unknown, writtenAsFloat: boolean): string | undefined {
  if (!isFiniteNumber(value)) return `expected f32 (a finite number), got ${describeValue(value)}`;
  const integer = integerOf(value, writtenAsFloat);
  if (integer !== undefined) {
    const magnitude = integer < 0n ? -integer : integer;
    return magnitude > F32_LOSSLESS_INTEGER ? `integer ${integer} is outside the range f32 stores exactly (±2^24)` : undefined;
  }
  return Math.abs(value as number) > F32_MAX ? `${String(value)} is out of range for f32` : undefined;
}

function bytesMismatch(value: unknown): string | undefined {
  if (typeof value === 'string') return undefined;
  if (!Array.isArray(value)) return `expected bytes (a string or an array of u8), got ${describeValue(value)}`;
  const bad = value.findIndex((item) => integerMismatch('u8', item, false) !== undefined);
  return bad === -1 ? undefined : `expected bytes, but item [${bad}] is not a u8: ${describeValue(value[bad])}`;
}

/** Describes a value for messages: its JSON form, cut at 60 characters. */
export function describeValue(value: unknown): string {
  let text: string;
  if (typeof value === 'bigint') text = value.toString();
  else if (value === undefined) text = 'nothing';
  else text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
