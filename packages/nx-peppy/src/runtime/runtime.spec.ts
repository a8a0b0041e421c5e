import { createRuntime, defaultRuntimeKind } from './runtime';

describe('createRuntime', () => {
  it('native by default on Linux', () => {
    expect(createRuntime({ platform: 'linux' }).kind).toBe('native');
  });

  it('lima by default on macOS', () => {
    expect(createRuntime({ platform: 'darwin', homeDir: '/Users/ada', env: {} }).kind).toBe('lima');
  });

  it('runtime option wins over the platform', () => {
    expect(createRuntime({ platform: 'darwin', runtime: 'native' }).kind).toBe('native');
    expect(createRuntime({ platform: 'linux', runtime: 'lima', homeDir: '/home/ada', env: {} }).kind).toBe('lima');
  });

  it('native invocation is apptainer itself', () => {
    const runtime = createRuntime({ runtime: 'native', apptainerPath: '/opt/apptainer/bin/apptainer' });

    expect(runtime.invocation(['run', 'n.sif'], { cwd: '/work', env: { A: '1' } })).toEqual({
      file: '/opt/apptainer/bin/apptainer',
      args: ['run', 'n.sif'],
      env: { A: '1' },
      cwd: '/work',
    });
  });

  it('native runtime sees every path', () => {
    expect(createRuntime({ runtime: 'native' }).invisiblePaths([{ path: '/opt/x', role: 'image' }])).toEqual([]);
  });

  it('defaultRuntimeKind', () => {
    expect(defaultRuntimeKind('darwin')).toBe('lima');
    expect(defaultRuntimeKind('linux')).toBe('native');
  });
});
