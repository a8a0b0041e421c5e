import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expectProblem, type ExpectedProblem } from '../__fixtures__/hardening/problem-rows';
import type { NodeManifest } from '../manifest';
import { declaredEnvironment, parseParameterSchema, resolveMountPaths, resolveParameters, type MountContext } from './index';

const MANIFEST = 'nodes/cam/peppy.json5';
const MOUNTS = 'execution.container.mount_paths';
const OPTIONS = 'cam:serve options';
const BLOCKED = /top-level system folders .* cannot be mount sources/;

function mountContext(parameters: MountContext['parameters'] = { dir: '/data', count: 3, group: { a: 'x' } }): MountContext {
  const { root } = parseParameterSchema({ dir: 'string', count: 'u16', group: { a: 'string' } }, { file: MANIFEST, field: 'execution.parameters' });
  return { file: MANIFEST, field: MOUNTS, schema: root, parameters, homeDir: '/home/robot', pathExists: existsSync };
}

type MountRow = [label: string, entry: string, expected: Pick<ExpectedProblem, 'message' | 'fix'>];

/** `mount_paths` entries `peppy node run` rejects, each with the problem serve must report before Apptainer starts. */
const MOUNT_ROWS: MountRow[] = [
  ['root folder', '/', { message: BLOCKED, fix: 'mount a subfolder instead' }],
  ['/etc', '/etc', { message: BLOCKED, fix: 'for example /etc/my_app' }],
  ['/etc with a trailing slash', '/etc/', { message: BLOCKED, fix: 'for example /etc/my_app' }],
  ['/etc with a double slash', '//etc', { message: BLOCKED, fix: 'for example /etc/my_app' }],
  ['/etc reached through ..', '/tmp/../etc', { message: BLOCKED, fix: 'mount a subfolder instead' }],
  ['macOS /private/etc', '/private/etc', { message: BLOCKED, fix: 'mount a subfolder instead' }],
  ['relative source', 'data/logs', { message: 'the host path must be absolute or start with ~/', fix: 'write an absolute host path' }],
  ['~user source', '~other/data', { message: '~user is not supported', fix: 'write the absolute path, or ~/' }],
  ['empty source', ':/data', { message: 'the host path is empty', fix: 'write host[:container[:ro|rw]]' }],
  ['three separators', '/a:/b:ro:extra', { message: 'more than two ":" separators', fix: 'write host[:container[:ro|rw]]' }],
  ['unknown option', '/data:/data:rwx', { message: 'invalid mount option "rwx"', fix: 'use ro or rw as the third part' }],
  ['relative container path', '/data:data', { message: 'invalid container path "data"', fix: 'start the container path with /' }],
  ['comma in the path', '/data,/etc:/x', { message: 'contains ",", which Apptainer reads as a separator', fix: 'use paths without commas' }],
  ['undeclared parameter', '${parameters:missing}:/x', { message: 'the parameter is not declared', fix: 'declare "missing" as a string parameter' }],
  ['number parameter', '${parameters:count}:/x', { message: 'must be of type string, found u16', fix: 'make "count" a string parameter' }],
  ['group parameter', '${parameters:group}:/x', { message: 'must be of type string, found group', fix: 'make "group" a string parameter' }],
];

describe('bad mount paths', () => {
  it.each(MOUNT_ROWS)('%s', (_label, entry, expected) => {
    const plan = resolveMountPaths([entry], mountContext());

    expect(plan.binds).toEqual([]);
    expectProblem(plan.problems, { file: MANIFEST, field: `${MOUNTS}[0]`, ...expected });
  });

  it('parameter value with ":" is rejected', () => {
    const plan = resolveMountPaths(['${parameters:dir}:/data'], mountContext({ dir: '/data:/etc', count: 3, group: { a: 'x' } }));

    expect(plan.binds).toEqual([]);
    expectProblem(plan.problems, { file: MANIFEST, field: `${MOUNTS}[0]`, message: 'parameter "dir" = "/data:/etc" contains ":"', fix: 'pass a path without ":"' });
  });

  it('parameter value reaching /etc through .. is rejected', () => {
    const plan = resolveMountPaths(['${parameters:dir}:/data'], mountContext({ dir: '/srv/../etc', count: 3, group: { a: 'x' } }));

    expect(plan.binds).toEqual([]);
    expectProblem(plan.problems, { file: MANIFEST, field: `${MOUNTS}[0]`, message: BLOCKED, fix: 'mount a subfolder instead' });
  });

  it('shell characters in a source stay literal', () => {
    const plan = resolveMountPaths(['/srv/a b;$(touch x) `id`\'":/data'], mountContext());

    expect(plan.problems).toEqual([]);
    expect(plan.binds).toEqual(['/srv/a b;$(touch x) `id`\'":/data']);
  });

  it('line break in a parameter value stays literal', () => {
    const plan = resolveMountPaths(['${parameters:dir}:/data'], mountContext({ dir: '/srv/one\ntwo', count: 3, group: { a: 'x' } }));

    expect(plan.problems).toEqual([]);
    expect(plan.binds).toEqual(['/srv/one\ntwo:/data']);
  });

  describe('symlinked sources', () => {
    let folder: string;

    beforeEach(() => {
      folder = mkdtempSync(join(tmpdir(), 'nx-peppy-mount-links-'));
    });

    afterEach(() => {
      rmSync(folder, { recursive: true, force: true });
    });

    // The blocked-folder check compares the written path; a symlink to /etc
    // would bind the host's /etc all the same.
    it('symlink to /etc is rejected', () => {
      symlinkSync('/etc', join(folder, 'etc-link'));

      const plan = resolveMountPaths([`${join(folder, 'etc-link')}:/host-etc`], mountContext());

      expect(plan.binds).toEqual([]);
      expectProblem(plan.problems, { file: MANIFEST, field: `${MOUNTS}[0]`, message: /\/etc/, fix: /subfolder|symlink/ });
    });

    it('symlink to a subfolder is accepted', () => {
      mkdirSync(join(folder, 'data'));
      symlinkSync(join(folder, 'data'), join(folder, 'data-link'));

      const plan = resolveMountPaths([`${join(folder, 'data-link')}:/data`], mountContext());

      expect(plan.problems).toEqual([]);
      expect(plan.binds).toHaveLength(1);
    });
  });
});

type EnvRow = [label: string, env: Record<string, unknown>, expected: Omit<ExpectedProblem, 'file'>];

const ENV_ROWS: EnvRow[] = [
  ['name with a hyphen', { 'A-B': '1' }, { field: 'env.A-B', message: 'invalid variable name "A-B"', fix: 'use letters, digits and _' }],
  ['name starting with a digit', { '1A': '1' }, { field: 'env.1A', message: 'invalid variable name "1A"', fix: 'not starting with a digit' }],
  ['name with a space', { 'A B': '1' }, { field: 'env.A B', message: 'invalid variable name "A B"', fix: 'use letters, digits and _' }],
  ['name with a command substitution', { '$(id)': '1' }, { field: 'env.$(id)', message: 'invalid variable name "$(id)"', fix: 'use letters, digits and _' }],
  ['HOME', { HOME: '/root' }, { field: 'env.HOME', message: 'HOME cannot be passed to a node', fix: 'remove HOME' }],
  ['LD_PRELOAD in lower case', { ld_preload: '/evil.so' }, { field: 'env.ld_preload', message: 'ld_preload cannot be passed to a node', fix: 'remove ld_preload' }],
  ['BASH_ENV', { BASH_ENV: '/evil.sh' }, { field: 'env.BASH_ENV', message: 'BASH_ENV cannot be passed to a node', fix: 'remove BASH_ENV' }],
  ['PEPPY_RUNTIME_CONFIG', { PEPPY_RUNTIME_CONFIG: '/x' }, { field: 'env.PEPPY_RUNTIME_CONFIG', message: 'serve sets it', fix: 'remove PEPPY_RUNTIME_CONFIG' }],
  ['object value', { OBJ: { a: 1 } }, { field: 'env.OBJ', message: 'the value must be a string, got {"a":1}', fix: 'write the value as a string' }],
];

describe('bad environment options', () => {
  it.each(ENV_ROWS)('%s', (_label, env, expected) => {
    const declared = declaredEnvironment({ env }, OPTIONS, tmpdir());

    expect(declared.variables).toEqual({});
    expectProblem(declared.problems, { file: OPTIONS, ...expected });
  });

  it('values with shell syntax are kept as written', () => {
    const value = 'a;b $(touch x) `id` "q" \'s\'\nnext line';

    const declared = declaredEnvironment({ env: { VALUE: value } }, OPTIONS, tmpdir());

    expect(declared.problems).toEqual([]);
    expect(declared.variables).toEqual({ VALUE: value });
  });

  describe('env file', () => {
    let folder: string;

    beforeEach(() => {
      folder = mkdtempSync(join(tmpdir(), 'nx-peppy-env-file-'));
    });

    afterEach(() => {
      rmSync(folder, { recursive: true, force: true });
    });

    it.each<[string, string, Omit<ExpectedProblem, 'file'>]>([
      ['line without "="', 'GOOD=1\nnoequals\n', { line: 2, message: 'expected KEY=value, got "noequals"', fix: 'write one KEY=value per line' }],
      ['invalid name', 'GOOD=1\n\n1BAD=2\n', { line: 3, message: 'invalid variable name "1BAD"', fix: 'not starting with a digit' }],
      ['rejected name', '# loader\nLD_PRELOAD=/evil.so\n', { line: 2, message: 'LD_PRELOAD cannot be passed to a node', fix: 'remove LD_PRELOAD' }],
    ])('%s', (_label, text, expected) => {
      writeFileSync(join(folder, 'node.env'), text);

      const declared = declaredEnvironment({ envFile: 'node.env' }, OPTIONS, folder);

      expectProblem(declared.problems, { file: 'node.env', ...expected });
    });

    it('missing file names the option', () => {
      const declared = declaredEnvironment({ envFile: 'missing.env' }, OPTIONS, folder);

      expectProblem(declared.problems, { file: OPTIONS, field: 'envFile', message: 'cannot read missing.env: file not found', fix: 'point envFile at a file of KEY=value lines' });
    });
  });
});

function manifestWithParameters(): NodeManifest {
  return {
    file: MANIFEST,
    format: 'node/v1',
    name: 'cam',
    tag: 'v1',
    language: 'python',
    labels: [],
    parameters: { dir: { $type: 'string', $default: '/data' }, rate: { $type: 'u16', $default: 30 }, group: { a: { $type: 'string', $default: 'x' } } },
    execution: { kind: 'container', defFile: 'apptainer.def', mountPaths: [], buildExtraArgs: [], runExtraArgs: [], limaShellExtraArgs: [] },
  };
}

describe('bad --param values', () => {
  it.each<[string, string, Omit<ExpectedProblem, 'file'>]>([
    ['no "="', 'novalue', { field: 'param', message: 'invalid --param "novalue": expected NAME=VALUE', fix: 'write it as --param name=value' }],
    ['empty name', '=value', { field: 'param', message: 'invalid --param "=value": expected NAME=VALUE', fix: 'write it as --param name=value' }],
    ['text for a number', 'rate=fast', { field: 'param rate', message: 'expected u16 (an integer), got "fast"', fix: 'pass a value of type u16' }],
    ['number out of range', 'rate=70000', { field: 'param rate', message: '70000 is out of range for u16', fix: 'pass a value of type u16' }],
    ['unknown parameter', 'exposure=3', { field: 'param exposure', message: 'unknown parameter "exposure"', fix: 'use a declared parameter: dir, rate, group.a' }],
    ['text for a group', 'group=x', { field: 'param group', message: 'expected a group (a JSON object), got "x"', fix: 'written as JSON' }],
  ])('%s', (_label, entry, expected) => {
    const resolved = resolveParameters(manifestWithParameters(), { commandLine: [entry] }, { optionsFile: OPTIONS });

    expectProblem(resolved.problems, { file: OPTIONS, ...expected });
  });

  it('shell syntax in a string value is kept as written', () => {
    const value = '$(touch /tmp/pwned);`id` "q" \'s\'\nline';

    const resolved = resolveParameters(manifestWithParameters(), { commandLine: [`dir=${value}`] }, { optionsFile: OPTIONS });

    expect(resolved.problems).toEqual([]);
    expect(resolved.arguments.dir).toBe(value);
  });
});
