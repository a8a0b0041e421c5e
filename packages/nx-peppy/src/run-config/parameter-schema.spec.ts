import { join } from 'node:path';

import { MANIFEST_FILE, readNodeManifest } from '../manifest';
import { describeSpec, leafPaths, parseParameterSchema, specAtPath } from './parameter-schema';

const LOCATION = { file: 'peppy.json5', field: 'execution.parameters' };
const CORPUS = join(__dirname, '../../../../fixtures/corpus');

function problems(raw: Record<string, unknown>): string[] {
  return parseParameterSchema(raw, LOCATION).problems.map((problem) => `${problem.field}: ${problem.message}`);
}

describe('parseParameterSchema accepted forms', () => {
  it('shorthand, typed, array and both group forms', () => {
    const { root, problems: found } = parseParameterSchema(
      {
        a: 'u8',
        b: { $type: 'f64', $default: 1 },
        c: { $type: 'array', $items: 'string', $length: 2 },
        d: { x: 'bool' },
        e: { $type: 'object', y: 'i32' },
      },
      LOCATION,
    );

    expect(found).toEqual([]);
    expect(specAtPath(root, ['a'])).toEqual({ kind: 'primitive', type: 'u8' });
    expect(specAtPath(root, ['b'])).toEqual({ kind: 'primitive', type: 'f64', default: 1 });
    expect(specAtPath(root, ['c'])).toEqual({ kind: 'array', items: { kind: 'primitive', type: 'string' }, length: 2 });
    expect(specAtPath(root, ['d', 'x'])).toEqual({ kind: 'primitive', type: 'bool' });
    expect(specAtPath(root, ['e', 'y'])).toEqual({ kind: 'primitive', type: 'i32' });
  });

  it.each([
    ['str', 'string'],
    ['float', 'f32'],
    ['double', 'f64'],
  ])('alias %s', (alias, type) => {
    expect(specAtPath(parseParameterSchema({ p: alias }, LOCATION).root, ['p'])).toEqual({ kind: 'primitive', type });
  });

  it('leaf paths and type names', () => {
    const { root } = parseParameterSchema({ a: 'u8', g: { b: { $type: 'array', $items: 'u8', $length: 3 } } }, LOCATION);

    expect(leafPaths(root)).toEqual(['a', 'g.b']);
    expect(describeSpec(specAtPath(root, ['g', 'b'])!)).toBe('array of 3 u8');
  });

  it.each(['xr_commander', 'openarm_sim_mujoco', 'realsense_d4xx', 'zed_camera', 'uvc_camera_video_reconstruction_python'])('corpus %s parses cleanly', (folder) => {
    const manifest = readNodeManifest(join(CORPUS, 'node-v1', folder, MANIFEST_FILE));

    expect(parseParameterSchema(manifest.parameters, LOCATION).problems).toEqual([]);
  });
});

describe('parseParameterSchema problems', () => {
  it.each([
    ['unknown type token', { p: 'qubit' }, 'execution.parameters.p: unknown parameter type "qubit"'],
    ['unknown $type', { p: { $type: 'qubit' } }, 'execution.parameters.p.$type: unknown parameter type "qubit"'],
    ['$type not a string', { p: { $type: 5 } }, 'execution.parameters.p.$type: $type must be a string, got 5'],
    ['number instead of a type', { p: 5 }, 'execution.parameters.p: a parameter must be a type name or an object, got 5'],
    ['$default out of range', { p: { $type: 'u8', $default: 300 } }, 'execution.parameters.p.$default: invalid $default: 300 is out of range for u8 [0, 255]'],
    ['$default of the wrong type', { p: { $type: 'u16', $default: 'thirty' } }, 'execution.parameters.p.$default: invalid $default: expected u16 (an integer), got "thirty"'],
    ['negative unsigned $default', { p: { $type: 'u32', $default: -1 } }, 'execution.parameters.p.$default: invalid $default: -1 is out of range for u32 [0, 4294967295]'],
    ['$default on bytes', { p: { $type: 'bytes', $default: 'x' } }, 'execution.parameters.p.$default: $default is not supported for type bytes'],
    ['$default on time', { p: { $type: 'time', $default: 1 } }, 'execution.parameters.p.$default: $default is not supported for type time'],
    ['$optional', { p: { $type: 'string', $optional: true } }, 'execution.parameters.p.$optional: $optional is not supported on parameters'],
    ['unknown $ key', { p: { $type: 'string', $frob: 1 } }, 'execution.parameters.p.$frob: unknown schema key "$frob"'],
    ['field beside $type', { p: { $type: 'u16', extra: 'u8' } }, 'execution.parameters.p.extra: a parameter with $type cannot also have the field "extra"'],
    ['array without $items', { p: { $type: 'array' } }, 'execution.parameters.p: an array parameter needs $items'],
    ['array $default', { p: { $type: 'array', $items: 'u8', $default: [1] } }, 'execution.parameters.p.$default: $default is not supported on arrays'],
    ['array $length negative', { p: { $type: 'array', $items: 'u8', $length: -1 } }, 'execution.parameters.p.$length: $length must be a non-negative integer, got -1'],
    ['array item type unknown', { p: { $type: 'array', $items: 'qubit' } }, 'execution.parameters.p[]: unknown parameter type "qubit"'],
    ['$default on an object group', { p: { $type: 'object', $default: {}, x: 'u8' } }, 'execution.parameters.p.$default: $default is not supported on groups'],
    ['$default on a naked group', { p: { x: 'u8', $default: 1 } }, 'execution.parameters.p.$default: "$default" is not allowed on a parameter group'],
    ['dot in a name', { 'a.b': 'u8' }, 'execution.parameters.a.b: parameter name "a.b" contains ".", which separates group levels'],
    ['nested problem path', { video: { size: { w: 'u99' } } }, 'execution.parameters.video.size.w: unknown parameter type "u99"'],
  ])('%s', (_label, raw, expected) => {
    expect(problems(raw)).toEqual([expected]);
  });

  it('every problem is collected', () => {
    expect(problems({ a: 'x', b: { $type: 'u8', $default: 999 }, c: { d: 'y' } })).toHaveLength(3);
  });

  it('a broken entry is marked invalid, not dropped', () => {
    expect(specAtPath(parseParameterSchema({ p: 'qubit' }, LOCATION).root, ['p'])).toEqual({ kind: 'invalid' });
  });
});
