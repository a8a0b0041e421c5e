import { NxPeppyError } from '../errors';
import { expandVariables, processBuildInvocation, processRunInvocation } from './commands';

describe('processBuildInvocation', () => {
  it('one element runs through sh -c, unexpanded', () => {
    expect(processBuildInvocation(['cargo build --release && cp ${OUT} /tmp'], { OUT: 'x' })).toEqual({
      file: 'sh',
      args: ['-c', 'cargo build --release && cp ${OUT} /tmp'],
    });
  });

  it('several elements run as an argument array', () => {
    expect(processBuildInvocation(['cargo', 'build', '--release'], {})).toEqual({ file: 'cargo', args: ['build', '--release'] });
  });

  it('${VAR} expanded in every element, program included', () => {
    expect(processBuildInvocation(['${TOOLS}/uv', 'sync', '--target=${HOME}/x', 'a${A}b${A}'], { TOOLS: '/opt/bin', HOME: '/home/r', A: '-' })).toEqual({
      file: '/opt/bin/uv',
      args: ['sync', '--target=/home/r/x', 'a-b-'],
    });
  });

  it('values with spaces stay one argument', () => {
    expect(processBuildInvocation(['echo', '${MSG}'], { MSG: 'a b; rm -rf /' })).toEqual({ file: 'echo', args: ['a b; rm -rf /'] });
  });

  it('empty command is an error naming the field', () => {
    expect(() => processBuildInvocation([], {}, { file: 'nodes/a/peppy.json5', field: 'execution.build_cmd' })).toThrow(NxPeppyError);
    expect(() => processBuildInvocation([], {}, { file: 'nodes/a/peppy.json5', field: 'execution.build_cmd' })).toThrow(
      'nodes/a/peppy.json5: execution.build_cmd: the build command is empty',
    );
  });
});

describe('expandVariables', () => {
  it.each([
    ['unset variable stays', '${NOPE}/x', '${NOPE}/x'],
    ['$VAR without braces stays', '$HOME/x', '$HOME/x'],
    ['unclosed ${ stays', 'a${HOME', 'a${HOME'],
    ['empty value', '[${EMPTY}]', '[]'],
    ['adjacent references', '${A}${A}', '11'],
    ['not recursive', '${REF}', '${A}'],
  ])('%s', (_label, text, expected) => {
    expect(expandVariables(text, { HOME: '/h', EMPTY: '', A: '1', REF: '${A}' })).toBe(expected);
  });

  it('inherited object properties are not variables', () => {
    expect(expandVariables('${constructor}', {})).toBe('${constructor}');
  });
});

describe('processRunInvocation', () => {
  it('start command plus extra arguments', () => {
    expect(processRunInvocation(['./.venv/bin/python', '-m', 'cam'], ['--verbose'])).toEqual({ file: './.venv/bin/python', args: ['-m', 'cam', '--verbose'] });
  });

  it('no expansion in the start command', () => {
    expect(processRunInvocation(['./bin/${NAME}'])).toEqual({ file: './bin/${NAME}', args: [] });
  });
});
