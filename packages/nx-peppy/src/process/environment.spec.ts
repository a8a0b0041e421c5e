import { forwardedCallerEnvironment } from './environment';

describe('forwardedCallerEnvironment', () => {
  it('keeps plain variables', () => {
    expect(forwardedCallerEnvironment({ PATH: '/usr/bin:/bin', HOME: '/home/r', RUST_LOG: 'info', LIST: 'a,b=c' }).variables).toEqual({
      PATH: '/usr/bin:/bin',
      HOME: '/home/r',
      RUST_LOG: 'info',
      LIST: 'a,b=c',
    });
  });

  it.each(['LD_PRELOAD', 'LD_LIBRARY_PATH', 'LD_AUDIT', 'DYLD_INSERT_LIBRARIES', 'BASH_ENV', 'ENV', 'IFS', 'PROMPT_COMMAND', 'PWD', 'OLDPWD', 'TMPDIR', 'TEMP', 'TMP', 'PYTHONPATH', 'PYTHONHOME'])(
    '%s is dropped',
    (name) => {
      const result = forwardedCallerEnvironment({ [name]: '/x' });

      expect(result.variables).toEqual({});
      expect(result.dropped).toEqual([name]);
    },
  );

  it('invalid names are dropped', () => {
    expect(forwardedCallerEnvironment({ 'BASH_FUNC_x%%': '() { :; }' }).dropped).toEqual(['BASH_FUNC_x%%']);
  });

  it.each(['a b', 'say "x"', "it's", 'a;b', '$HOME', 'x\ny'])('value %j is dropped', (value) => {
    expect(forwardedCallerEnvironment({ V: value }).variables).toEqual({});
  });

  it('undefined values are skipped', () => {
    expect(forwardedCallerEnvironment({ A: undefined })).toEqual({ variables: {}, dropped: [] });
  });
});
