import { NxPeppyError } from '../errors';
import type { NodeManifest, ParameterSchema } from '../manifest';
import { resolveParameters, type ParameterOverrides } from './parameters';

const SOURCE = { optionsFile: 'cam:serve options' };

function manifest(parameters: ParameterSchema, format: NodeManifest['format'] = 'node/v1'): NodeManifest {
  return {
    file: 'nodes/cam/peppy.json5',
    format,
    name: 'cam',
    tag: 'v1',
    language: 'rust',
    labels: [],
    parameters,
    execution: { kind: 'container', defFile: 'apptainer.def', mountPaths: [], buildExtraArgs: [], runExtraArgs: [], limaShellExtraArgs: [] },
  };
}

function resolve(parameters: ParameterSchema, overrides: ParameterOverrides = {}) {
  return resolveParameters(manifest(parameters), overrides, SOURCE);
}

function messages(parameters: ParameterSchema, overrides: ParameterOverrides = {}): string[] {
  return resolve(parameters, overrides).problems.map((problem) => `${problem.field}: ${problem.message}`);
}

function cli(...values: string[]): ParameterOverrides {
  return { commandLine: values };
}

describe('resolveParameters defaults', () => {
  it('manifest defaults fill the arguments', () => {
    const result = resolve({ rate: { $type: 'u16', $default: 30 }, name: { $type: 'string', $default: 'cam0' }, on: { $type: 'bool', $default: false } });

    expect(result.problems).toEqual([]);
    expect(result.arguments).toEqual({ rate: 30, name: 'cam0', on: false });
  });

  it('nested group defaults keep the structure', () => {
    const result = resolve({ video: { frame_rate: { $type: 'u16', $default: 30 }, size: { width: { $type: 'u32', $default: 640 } } } });

    expect(result.arguments).toEqual({ video: { frame_rate: 30, size: { width: 640 } } });
  });

  it('group written with $type object', () => {
    const result = resolve({ limits: { $type: 'object', speed: { $type: 'f64', $default: 0.5 } } });

    expect(result.problems).toEqual([]);
    expect(result.arguments).toEqual({ limits: { speed: 0.5 } });
  });

  it('empty schema gives empty arguments', () => {
    expect(resolve({})).toEqual(expect.objectContaining({ arguments: {}, problems: [] }));
  });
});

describe('resolveParameters command-line values', () => {
  it.each([
    ['bool true', { p: 'bool' }, 'p=true', true],
    ['bool false', { p: 'bool' }, 'p=false', false],
    ['string kept as text', { p: 'string' }, 'p=007', '007'],
    ['str alias', { p: 'str' }, 'p=a b', 'a b'],
    ['string with = in the value', { p: 'string' }, 'p=a=b', 'a=b'],
    ['empty string', { p: 'string' }, 'p=', ''],
    ['bytes as text', { p: 'bytes' }, 'p=abc', 'abc'],
    ['time as integer', { p: 'time' }, 'p=1700000000000', 1_700_000_000_000],
    ['u8 max', { p: 'u8' }, 'p=255', 255],
    ['u16', { p: 'u16' }, 'p=60', 60],
    ['u32 max', { p: 'u32' }, 'p=4294967295', 4_294_967_295],
    ['u64 max stays exact', { p: 'u64' }, 'p=18446744073709551615', 18_446_744_073_709_551_615n],
    ['i8 min', { p: 'i8' }, 'p=-128', -128],
    ['i16', { p: 'i16' }, 'p=-300', -300],
    ['i32 min', { p: 'i32' }, 'p=-2147483648', -2_147_483_648],
    ['i64 min stays exact', { p: 'i64' }, 'p=-9223372036854775808', -9_223_372_036_854_775_808n],
    ['f32 fraction', { p: 'f32' }, 'p=0.25', 0.25],
    ['float alias', { p: 'float' }, 'p=1.5', 1.5],
    ['f32 whole integer', { p: 'f32' }, 'p=16777216', 16_777_216],
    ['f64 exponent', { p: 'f64' }, 'p=1e-3', 0.001],
    ['double alias', { p: 'double' }, 'p=-2.5', -2.5],
    ['f64 integer', { p: 'f64' }, 'p=3', 3],
    ['array of u8 as JSON', { p: { $type: 'array', $items: 'u8' } }, 'p=[1,2,3]', [1, 2, 3]],
    ['array of strings as JSON5', { p: { $type: 'array', $items: 'string' } }, "p=['a','b']", ['a', 'b']],
    ['array with $length', { p: { $type: 'array', $items: 'f64', $length: 2 } }, 'p=[0.5, 1]', [0.5, 1]],
    ['group as JSON', { p: { a: 'u8', b: 'string' } }, 'p={"a": 1, "b": "x"}', { a: 1, b: 'x' }],
  ])('%s', (_label, schema, value, expected) => {
    const result = resolve(schema as ParameterSchema, cli(value));

    expect(result.problems).toEqual([]);
    expect(result.arguments.p).toEqual(expected);
  });

  it('nested value by dot path', () => {
    const result = resolve({ video: { frame_rate: { $type: 'u16', $default: 30 }, encoding: { $type: 'string', $default: 'rgb8' } } }, cli('video.frame_rate=60'));

    expect(result.arguments).toEqual({ video: { frame_rate: 60, encoding: 'rgb8' } });
  });

  it('repeated flag: last value wins', () => {
    expect(resolve({ p: 'u8' }, cli('p=1', 'p=2')).arguments.p).toBe(2);
  });

  it('single flag given as a string', () => {
    expect(resolve({ p: 'u8' }, { commandLine: 'p=7' }).arguments.p).toBe(7);
  });

  it('array items of a group get the group defaults', () => {
    const schema = { points: { $type: 'array', $items: { x: 'f64', label: { $type: 'string', $default: 'p' } } } };

    const result = resolve(schema, cli('points=[{"x": 1}]'));

    expect(result.problems).toEqual([]);
    expect(result.arguments.points).toEqual([{ x: 1, label: 'p' }]);
  });
});

describe('resolveParameters params option', () => {
  it('dot path keys', () => {
    const result = resolve({ video: { frame_rate: 'u16' } }, { options: { 'video.frame_rate': 60 } });

    expect(result.arguments).toEqual({ video: { frame_rate: 60 } });
  });

  it('nested objects', () => {
    const result = resolve({ video: { frame_rate: 'u16', enc: { $type: 'string', $default: 'x' } } }, { options: { video: { frame_rate: 25 } } });

    expect(result.arguments).toEqual({ video: { frame_rate: 25, enc: 'x' } });
  });

  it('text values are converted per type', () => {
    expect(resolve({ rate: 'u16' }, { options: { rate: '60' } }).arguments.rate).toBe(60);
  });

  it('command line wins over params', () => {
    expect(resolve({ rate: 'u16' }, { options: { rate: 30 }, commandLine: ['rate=60'] }).arguments.rate).toBe(60);
  });

  it('typed JSON value of the wrong type is an error', () => {
    expect(messages({ on: 'bool' }, { options: { on: 1 } })).toEqual(['params on: invalid value 1 for "on": expected bool (true or false), got 1']);
  });
});

describe('resolveParameters type and range errors', () => {
  it.each([
    ['u8 256', 'u8', '256', '256 is out of range for u8 [0, 255]'],
    ['u8 negative', 'u8', '-1', '-1 is out of range for u8 [0, 255]'],
    ['u16 65536', 'u16', '65536', '65536 is out of range for u16 [0, 65535]'],
    ['u32 4294967296', 'u32', '4294967296', '4294967296 is out of range for u32 [0, 4294967295]'],
    ['u64 2^64', 'u64', '18446744073709551616', '18446744073709551616 is out of range for u64 [0, 18446744073709551615]'],
    ['i8 -129', 'i8', '-129', '-129 is out of range for i8 [-128, 127]'],
    ['i8 128', 'i8', '128', '128 is out of range for i8 [-128, 127]'],
    ['i16 32768', 'i16', '32768', '32768 is out of range for i16 [-32768, 32767]'],
    ['i32 2^31', 'i32', '2147483648', '2147483648 is out of range for i32 [-2147483648, 2147483647]'],
    ['i64 2^63', 'i64', '9223372036854775808', '9223372036854775808 is out of range for i64 [-9223372036854775808, 9223372036854775807]'],
    ['integer written as float', 'u16', '60.0', 'expected u16 (an integer), got 60'],
    ['integer from text', 'u16', 'sixty', 'expected u16 (an integer), got "sixty"'],
    ['bool from text', 'bool', 'yes', 'expected bool (true or false), got "yes"'],
    ['bool is case-sensitive', 'bool', 'True', 'expected bool (true or false), got "True"'],
    ['f32 beyond its range', 'f32', '1e39', '1e+39 is out of range for f32'],
    ['f32 integer beyond 2^24', 'f32', '16777217', 'integer 16777217 is outside the range f32 stores exactly (±2^24)'],
    ['f64 not a number', 'f64', 'nan', 'expected f64 (a finite number), got "nan"'],
    ['f64 infinity text', 'f64', 'inf', 'expected f64 (a finite number), got "inf"'],
    ['time must be an integer', 'time', '1.5', 'expected time (an integer), got 1.5'],
  ])('%s', (_label, type, value, expected) => {
    expect(messages({ p: type }, cli(`p=${value}`))).toEqual([`param p: invalid value "${value}" for "p": ${expected}`]);
  });

  it('array that is not JSON', () => {
    expect(messages({ p: { $type: 'array', $items: 'u8' } }, cli('p=1,2'))).toEqual(['param p: invalid value "1,2" for "p": expected array of u8 (a JSON array), got "1,2"']);
  });

  it('array of wrong length', () => {
    expect(messages({ p: { $type: 'array', $items: 'u8', $length: 3 } }, cli('p=[1,2]'))).toEqual([
      'param p: invalid value "[1,2]" for "p": expected an array of length 3, got length 2',
    ]);
  });

  it('array item out of range names the item', () => {
    expect(messages({ p: { $type: 'array', $items: 'u8' } }, cli('p=[1,300]'))).toEqual([
      'param p: invalid value "[1,300]" for "p[1]": 300 is out of range for u8 [0, 255]',
    ]);
  });

  it('bytes array item out of range', () => {
    expect(messages({ p: 'bytes' }, { options: { p: [1, 256] } })).toEqual(['params p: invalid value [1,256] for "p": expected bytes, but item [1] is not a u8: 256']);
  });

  it('group given a plain value', () => {
    expect(messages({ video: { rate: 'u8' } }, cli('video=5'))).toEqual(['param video: invalid value "5" for "video": expected a group (a JSON object), got 5']);
  });

  it('unknown field inside a group value', () => {
    expect(messages({ video: { rate: 'u8' } }, cli('video={"rate": 1, "fps": 2}'))).toEqual([
      'param video: invalid value "{\\"rate\\": 1, \\"fps\\": 2}" for "video.fps": unknown field: the manifest does not declare it',
    ]);
  });

  it('flag without =', () => {
    expect(messages({ p: 'u8' }, cli('p'))).toEqual(['param: invalid --param "p": expected NAME=VALUE', 'execution.parameters.p: required parameter "p" (u8) has no value: it has no $default and none was given']);
  });
});

describe('resolveParameters names', () => {
  it('unknown name', () => {
    const result = resolve({ rate: { $type: 'u16', $default: 1 } }, cli('fps=60'));

    expect(result.problems).toEqual([
      {
        file: 'cam:serve options',
        field: 'param fps',
        message: 'unknown parameter "fps": nodes/cam/peppy.json5 does not declare it',
        fix: 'use a declared parameter: rate',
      },
    ]);
  });

  it('unknown nested name lists the dot paths', () => {
    const result = resolve({ video: { frame_rate: { $type: 'u16', $default: 1 }, size: { w: { $type: 'u8', $default: 1 } } } }, cli('video.fps=60'));

    expect(result.problems[0].fix).toBe('use a declared parameter: video.frame_rate, video.size.w');
  });

  it('dot path through a primitive is unknown', () => {
    expect(messages({ rate: { $type: 'u16', $default: 1 } }, cli('rate.x=1'))).toEqual(['param rate.x: unknown parameter "rate.x": nodes/cam/peppy.json5 does not declare it']);
  });

  it('manifest without parameters', () => {
    expect(resolve({}, cli('x=1')).problems[0].fix).toBe('nodes/cam/peppy.json5 declares no parameters; remove the value');
  });
});

describe('resolveParameters required values', () => {
  it('missing required values, each named with its type', () => {
    const result = resolve({ device: 'string', video: { rate: 'u32', enc: { $type: 'string', $default: 'x' } }, list: { $type: 'array', $items: 'u8' } });

    expect(result.problems).toEqual([
      {
        file: 'nodes/cam/peppy.json5',
        field: 'execution.parameters.device',
        message: 'required parameter "device" (string) has no value: it has no $default and none was given',
        fix: 'pass it with --param device=<string>, or give it a $default in the manifest',
      },
      expect.objectContaining({ field: 'execution.parameters.video.rate' }),
      expect.objectContaining({ field: 'execution.parameters.list', message: 'required parameter "list" (array of u8) has no value: it has no $default and none was given' }),
    ]);
  });

  it('legacy manifest names the top-level parameters field', () => {
    const result = resolveParameters(manifest({ device: 'string' }, 'schema_version-1'), {}, SOURCE);

    expect(result.problems[0].field).toBe('parameters.device');
  });

  it('required value given on the command line', () => {
    expect(resolve({ device: 'string' }, cli('device=/dev/video0'))).toEqual(expect.objectContaining({ problems: [], arguments: { device: '/dev/video0' } }));
  });

  it('group value given as JSON, then a missing field by dot path', () => {
    const result = resolve({ video: { rate: 'u8', enc: 'string' } }, cli('video={"rate": 1}', 'video.enc=x'));

    expect(result.problems).toEqual([]);
    expect(result.arguments).toEqual({ video: { rate: 1, enc: 'x' } });
  });

  it('group value given as JSON still lacks a field', () => {
    expect(messages({ video: { rate: 'u8', enc: 'string' } }, cli('video={"rate": 1}'))).toEqual([
      'execution.parameters.video.enc: required parameter "video.enc" (string) has no value: it has no $default and none was given',
    ]);
  });
});

describe('resolveParameters lists every problem at once', () => {
  const schema = {
    device: 'string',
    video: { frame_rate: { $type: 'u16', $default: 30 }, depth: 'u8' },
    gain: { $type: 'i8', $default: 0 },
    broken: { $type: 'u8', $default: 300 },
  };
  const result = resolve(schema, cli('video.frame_rate=abc', 'gain=-129', 'exposure=10'));

  it('one problem per cause', () => {
    expect(result.problems.map((problem) => problem.field)).toEqual([
      'execution.parameters.broken.$default',
      'param video.frame_rate',
      'param gain',
      'param exposure',
      'execution.parameters.device',
      'execution.parameters.video.depth',
    ]);
  });

  it('one error message names them all', () => {
    const text = new NxPeppyError(result.problems).message;

    for (const expected of ['broken', 'video.frame_rate', '-129', 'exposure', 'device', 'video.depth']) expect(text).toContain(expected);
  });
});
