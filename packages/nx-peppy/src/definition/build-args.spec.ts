import { NxPeppyError } from '../errors';
import { assertNoErrors, parseBuildArgFile, parseDefinition } from './index';

describe('parseBuildArgFile', () => {
  it('reads KEY=value lines', () => {
    const values = parseBuildArgFile('VER = 2\r\n\r\nURL=http://example.com/?a=b\nVER=3\nnot a pair\n=x\n', 'args.env');

    expect(values).toEqual({ VER: '3', URL: 'http://example.com/?a=b' });
  });

  it('rejects a comment line with =', () => {
    let thrown: unknown;
    try {
      parseBuildArgFile('A=1\n# B=2\n', 'build.args');
    } catch (error) {
      thrown = error;
    }

    expect(thrown).toBeInstanceOf(NxPeppyError);
    const problems = (thrown as NxPeppyError).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0].file).toBe('build.args');
    expect(problems[0].line).toBe(2);
    expect(problems[0].message).toContain('build argument name "# B" is invalid');
  });
});

describe('assertNoErrors', () => {
  it('throws the error diagnostics', () => {
    const definition = parseDefinition('Bootstrap: Docker\nFrom: alpine\n', { file: 'nodes/arm/apptainer.def', buildArgs: { X: '1' } });

    let thrown: unknown;
    try {
      assertNoErrors(definition);
    } catch (error) {
      thrown = error;
    }

    expect(thrown).toBeInstanceOf(NxPeppyError);
    const problems = (thrown as NxPeppyError).problems;
    expect(problems.map((problem) => [problem.line, problem.message.slice(0, 30)])).toEqual([
      [1, 'invalid bootstrap agent "Docke'],
      [undefined, 'build argument "X" from --buil'],
    ]);
    expect((thrown as Error).message).toContain('nodes/arm/apptainer.def:1: invalid bootstrap agent "Docker"');
    expect((thrown as Error).message).not.toMatch(/\n\s+at /);
  });

  it('passes warnings', () => {
    const definition = parseDefinition('Bootstrap: docker\nFrom: alpine\n', { file: 'apptainer.def' });

    expect(definition.diagnostics.map((diagnostic) => diagnostic.code)).toEqual(['unpinned-base']);
    expect(() => assertNoErrors(definition)).not.toThrow();
  });
});
