import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parseEnvFile } from './env-file';
import { declaredEnvironment, REJECTED_VARIABLE_NAMES, rejectedVariableReason } from './environment';

describe('parseEnvFile', () => {
  it('KEY=value lines with comments, blanks, export and quotes', () => {
    const text = ['# robot settings', '', 'RUST_LOG=info', 'export MODE=sim', 'LIST="a,b,c"', "QUOTED='x y'", 'EQUALS=a=b', '  SPACED = v  ', 'EMPTY='].join('\n');

    expect(parseEnvFile(text, '.env').variables).toEqual({ RUST_LOG: 'info', MODE: 'sim', LIST: 'a,b,c', QUOTED: 'x y', EQUALS: 'a=b', SPACED: 'v', EMPTY: '' });
  });

  it('CRLF lines', () => {
    expect(parseEnvFile('A=1\r\nB=2\r\n', '.env').variables).toEqual({ A: '1', B: '2' });
  });

  it('no expansion and no escapes', () => {
    expect(parseEnvFile('A=$HOME\\n', '.env').variables).toEqual({ A: '$HOME\\n' });
  });

  it('line numbers of variables', () => {
    expect(parseEnvFile('# c\nA=1\n\nB=2', '.env').lines).toEqual({ A: 2, B: 4 });
  });

  it('line without = is reported with its line', () => {
    expect(parseEnvFile('A=1\nnot a pair', '.env').problems).toEqual([
      { file: '.env', line: 2, message: 'expected KEY=value, got "not a pair"', fix: 'write one KEY=value per line; start comments with #' },
    ]);
  });

  it('invalid name is reported', () => {
    expect(parseEnvFile('1A=1', '.env').problems[0].message).toBe('invalid variable name "1A"');
  });
});

describe('declaredEnvironment', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'nx-peppy-env-'));
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('env option values become strings', () => {
    expect(declaredEnvironment({ env: { A: 'x', N: 5, B: true } }, 'cam:serve options', root)).toEqual({ variables: { A: 'x', N: '5', B: 'true' }, problems: [] });
  });

  it('env file read relative to the workspace root, env option wins', () => {
    writeFileSync(join(root, 'node.env'), 'A=from-file\nB=2\n');

    expect(declaredEnvironment({ envFile: 'node.env', env: { A: 'from-option' } }, 'o', root).variables).toEqual({ A: 'from-option', B: '2' });
  });

  it('missing env file', () => {
    expect(declaredEnvironment({ envFile: 'missing.env' }, 'cam:serve options', root).problems).toEqual([
      {
        file: 'cam:serve options',
        field: 'envFile',
        message: 'cannot read missing.env: file not found',
        fix: 'point envFile at a file of KEY=value lines, relative to the workspace root',
      },
    ]);
  });

  it.each(['HOME', 'TMPDIR', 'PYTHONPATH', 'PYTHONHOME', 'LD_PRELOAD', 'LD_LIBRARY_PATH', 'home', 'PEPPY_RUNTIME_CONFIG'])('%s in env is rejected', (name) => {
    const result = declaredEnvironment({ env: { [name]: '/x', OK: '1' } }, 'cam:serve options', root);

    expect(result.variables).toEqual({ OK: '1' });
    expect(result.problems).toEqual([
      expect.objectContaining({ file: 'cam:serve options', field: `env.${name}`, message: expect.stringContaining(`${name} cannot be passed to a node`) }),
    ]);
  });

  it('rejected name in the env file names its line', () => {
    writeFileSync(join(root, 'node.env'), 'A=1\nPYTHONPATH=/opt/lib\n');

    expect(declaredEnvironment({ envFile: 'node.env' }, 'o', root).problems).toEqual([expect.objectContaining({ file: 'node.env', line: 2 })]);
  });

  it('invalid name in env', () => {
    expect(declaredEnvironment({ env: { 'BASH_FUNC_x%%': '() {}' } }, 'o', root).problems[0].message).toBe('invalid variable name "BASH_FUNC_x%%"');
  });

  it('object value in env', () => {
    expect(declaredEnvironment({ env: { A: { b: 1 } } }, 'o', root).problems[0].message).toBe('the value must be a string, got {"b":1}');
  });

  it('every problem is collected', () => {
    expect(declaredEnvironment({ env: { HOME: '/h', TMPDIR: '/t', '9X': 'y' } }, 'o', root).problems).toHaveLength(3);
  });

  it('rejected names carry a reason', () => {
    for (const name of REJECTED_VARIABLE_NAMES) expect(rejectedVariableReason(name)).toEqual(expect.any(String));
    expect(rejectedVariableReason('PATH')).toBeUndefined();
  });
});
