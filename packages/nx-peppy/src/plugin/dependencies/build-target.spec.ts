import { buildArgsFromArguments, buildTargetSettings } from './build-target';

describe('buildTargetSettings', () => {
  it('reads outputPath, defFile, buildArgs and extraArgs', () => {
    const settings = buildTargetSettings(
      {
        root: 'nodes/app',
        targets: {
          build: {
            executor: 'nx-peppy:build',
            options: { outputPath: 'images/app.sif', defFile: 'gpu.def', buildArgs: { A: '1', B: 2 }, extraArgs: ['--notest', 3] },
          },
        },
      },
      'build',
    );

    expect(settings).toEqual({ outputPath: 'images/app.sif', defFile: 'gpu.def', buildArgs: { A: '1', B: '2' }, extraArgs: ['--notest'] });
  });

  it('resolves Nx tokens', () => {
    const settings = buildTargetSettings(
      { root: 'nodes/app', targets: { build: { options: { outputPath: '{workspaceRoot}/{projectRoot}/out.sif' } } } },
      'build',
    );

    expect(settings.outputPath).toBe('nodes/app/out.sif');
  });

  it('ignores a target with another executor', () => {
    const settings = buildTargetSettings(
      { root: 'nodes/app', targets: { build: { executor: 'nx:run-commands', options: { outputPath: 'x.sif' } } } },
      'build',
    );

    expect(settings).toEqual({ buildArgs: {}, extraArgs: [] });
  });

  it('returns defaults without a build target', () => {
    expect(buildTargetSettings({ root: 'nodes/app' }, 'build')).toEqual({ buildArgs: {}, extraArgs: [] });
  });
});

describe('buildArgsFromArguments', () => {
  it('reads both flag forms, and a later value wins', () => {
    const args = ['--notest', '--build-arg', 'A=1', '--build-arg=B=x=y', '--build-arg', 'A=2'];

    expect(buildArgsFromArguments(args)).toEqual({ A: '2', B: 'x=y' });
  });

  it('skips a flag without a NAME=value pair', () => {
    expect(buildArgsFromArguments(['--build-arg', '=1', '--build-arg'])).toEqual({});
  });
});
