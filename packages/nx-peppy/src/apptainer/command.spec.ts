import { buildCommand, findFatalLine, inspectLabelsCommand, runCommand, versionCommand } from './command';

describe('buildCommand', () => {
  it('minimal', () => {
    expect(buildCommand({ output: 'out.sif', defFile: 'apptainer.def', fakeroot: false })).toEqual([
      'build',
      '--force',
      'out.sif',
      'apptainer.def',
    ]);
  });

  it('fakeroot before --force', () => {
    expect(buildCommand({ output: 'out.sif', defFile: 'apptainer.def', fakeroot: true })).toEqual([
      'build',
      '--fakeroot',
      '--force',
      'out.sif',
      'apptainer.def',
    ]);
  });

  it('every option in order', () => {
    const argv = buildCommand({
      output: '/ws/dist/nodes/a/.a_v1.sif.tmp-1-ab.sif',
      defFile: '/ws/nodes/a/apptainer.def',
      fakeroot: true,
      buildArgs: { VERSION: '1.0', BASE: 'ubuntu:24.04' },
      buildArgFile: '/ws/build-args.env',
      extraArgs: ['--notest', '--fix-perms'],
    });

    expect(argv).toEqual([
      'build',
      '--fakeroot',
      '--force',
      '--build-arg',
      'VERSION=1.0',
      '--build-arg',
      'BASE=ubuntu:24.04',
      '--build-arg-file',
      '/ws/build-args.env',
      '--notest',
      '--fix-perms',
      '/ws/dist/nodes/a/.a_v1.sif.tmp-1-ab.sif',
      '/ws/nodes/a/apptainer.def',
    ]);
  });

  it('build arg values kept whole', () => {
    const argv = buildCommand({ output: 'o.sif', defFile: 'd.def', fakeroot: false, buildArgs: { LIST: 'a,b c=d' } });

    expect(argv).toEqual(['build', '--force', '--build-arg', 'LIST=a,b c=d', 'o.sif', 'd.def']);
  });

  it('empty build args and extra args add nothing', () => {
    const argv = buildCommand({ output: 'o.sif', defFile: 'd.def', fakeroot: false, buildArgs: {}, extraArgs: [] });

    expect(argv).toEqual(['build', '--force', 'o.sif', 'd.def']);
  });

  it('output and definition file are the last two arguments', () => {
    const argv = buildCommand({ output: 'o.sif', defFile: 'd.def', fakeroot: false, extraArgs: ['--section', 'post'] });

    expect(argv.slice(-2)).toEqual(['o.sif', 'd.def']);
  });
});

describe('runCommand', () => {
  it('minimal', () => {
    expect(runCommand({ image: 'node.sif' })).toEqual(['run', '--cleanenv', 'node.sif']);
  });

  it('every option in order', () => {
    const argv = runCommand({
      image: '/ws/dist/a/a_v1.sif',
      runtimeConfigFile: '/tmp/nx-peppy-run-x/runtime_config.json5',
      env: { RUST_LOG: 'info', MUJOCO_GL: 'egl' },
      binds: ['/tmp/out:/tmp/out:rw', '/dev/video2'],
      extraArgs: ['--nv'],
      args: ['--verbose', 'x'],
    });

    expect(argv).toEqual([
      'run',
      '--cleanenv',
      '--env',
      'RUST_LOG=info',
      '--env',
      'MUJOCO_GL=egl',
      '--env',
      'PEPPY_RUNTIME_CONFIG=/tmp/nx-peppy-run-x/runtime_config.json5',
      '--bind',
      '/tmp/nx-peppy-run-x/runtime_config.json5',
      '--bind',
      '/tmp/out:/tmp/out:rw',
      '--bind',
      '/dev/video2',
      '--nv',
      '/ws/dist/a/a_v1.sif',
      '--verbose',
      'x',
    ]);
  });

  it('env file right after --cleanenv', () => {
    const argv = runCommand({ image: 'n.sif', envFile: '/tmp/env', env: { A: '1' } });

    expect(argv).toEqual(['run', '--cleanenv', '--env-file', '/tmp/env', '--env', 'A=1', 'n.sif']);
  });

  it('runtime config: env and bind of the same path', () => {
    const argv = runCommand({ image: 'n.sif', runtimeConfigFile: '/tmp/r/config.json5' });

    expect(argv).toEqual(['run', '--cleanenv', '--env', 'PEPPY_RUNTIME_CONFIG=/tmp/r/config.json5', '--bind', '/tmp/r/config.json5', 'n.sif']);
  });

  it('runtime config before the other binds', () => {
    const argv = runCommand({ image: 'n.sif', runtimeConfigFile: '/tmp/r.json5', binds: ['/data'] });

    expect(argv.indexOf('/tmp/r.json5')).toBeLessThan(argv.indexOf('/data'));
  });

  it('runscript arguments after the image', () => {
    const argv = runCommand({ image: 'n.sif', extraArgs: ['--nv'], args: ['--nv'] });

    expect(argv).toEqual(['run', '--cleanenv', '--nv', 'n.sif', '--nv']);
  });

  it('empty lists add nothing', () => {
    expect(runCommand({ image: 'n.sif', env: {}, binds: [], extraArgs: [], args: [] })).toEqual(['run', '--cleanenv', 'n.sif']);
  });
});

describe('other commands', () => {
  it('inspectLabelsCommand', () => {
    expect(inspectLabelsCommand('n.sif')).toEqual(['inspect', '--labels', 'n.sif']);
  });

  it('versionCommand', () => {
    expect(versionCommand()).toEqual(['--version']);
  });
});

describe('findFatalLine', () => {
  it('no FATAL line', () => {
    expect(findFatalLine(['INFO:    Starting build...', 'ERROR: something'])).toBeUndefined();
  });

  it('empty output', () => {
    expect(findFatalLine([])).toBeUndefined();
  });

  it('single FATAL line', () => {
    const output = ['INFO:    Starting build...', 'FATAL:   While performing build: conveyor failed to get: no such image', 'exit status 255'];

    expect(findFatalLine(output)).toBe('FATAL:   While performing build: conveyor failed to get: no such image');
  });

  it('last FATAL line wins', () => {
    expect(findFatalLine(['FATAL: first', 'INFO: between', 'FATAL: second'])).toBe('FATAL: second');
  });

  it('leading and trailing space trimmed', () => {
    expect(findFatalLine(['   FATAL:  could not open image  \r'])).toBe('FATAL:  could not open image');
  });

  it('FATAL in the middle of a line is not a match', () => {
    expect(findFatalLine(['+ echo FATAL: from the %post script'])).toBeUndefined();
  });

  it('lowercase fatal is not a match', () => {
    expect(findFatalLine(['fatal: not a git repository'])).toBeUndefined();
  });
});
