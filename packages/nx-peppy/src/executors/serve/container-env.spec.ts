import { formatApptainerEnvFile, leakingHostVariables, splitContainerEnvironment } from './container-env';

describe('splitContainerEnvironment', () => {
  it('plain values go to --env', () => {
    expect(splitContainerEnvironment({ A: 'info', B: '/opt/x:/y', C: 'a-b_c.d@e+f%g', D: '' })).toEqual({
      flags: { A: 'info', B: '/opt/x:/y', C: 'a-b_c.d@e+f%g', D: '' },
      fileEntries: {},
      needsNoEval: false,
    });
  });

  it.each([
    ['comma', 'a,b'],
    ['equals', 'a=b'],
    ['space', 'a b'],
    ['double quote', 'say "hi"'],
    ['single quote', "it's"],
    ['backslash', 'a\\b'],
    ['newline', 'a\nb'],
  ])('value with a %s goes to the env file', (_label, value) => {
    expect(splitContainerEnvironment({ V: value }).fileEntries).toEqual({ V: value });
  });

  it.each(['$HOME', '`id`', '$(id)'])('value %s needs --no-eval', (value) => {
    expect(splitContainerEnvironment({ V: value }).needsNoEval).toBe(true);
  });
});

describe('formatApptainerEnvFile', () => {
  it('single quotes, with each quote written as a quoted quote', () => {
    expect(formatApptainerEnvFile({ A: 'a,b=c', B: "it's", C: 'x\ny', D: '$HOME' })).toBe(`A='a,b=c'\nB='it'"'"'s'\nC='x\ny'\nD='$HOME'\n`);
  });

  it('empty map gives an empty file', () => {
    expect(formatApptainerEnvFile({})).toBe('');
  });
});

describe('leakingHostVariables', () => {
  it('APPTAINERENV_, SINGULARITYENV_ and bind variables', () => {
    expect(
      leakingHostVariables({ APPTAINERENV_A: '1', SINGULARITYENV_B: '1', APPTAINER_BIND: '/x', SINGULARITY_BINDPATH: '/y', APPTAINER_CACHEDIR: '/c', PATH: '/bin' }),
    ).toEqual(['APPTAINERENV_A', 'SINGULARITYENV_B', 'APPTAINER_BIND', 'SINGULARITY_BINDPATH']);
  });
});
