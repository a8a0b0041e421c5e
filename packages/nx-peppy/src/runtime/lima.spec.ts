import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

import { NxPeppyError } from '../errors';
import { GUEST_CD_SCRIPT, limaShellArgs } from './lima-command';
import { invisiblePathProblems, limaSameMountPaths, resolveLimaHome } from './lima-mounts';
import { createRuntime } from './runtime';

describe('limaShellArgs', () => {
  it('exact argument vector', () => {
    expect(limaShellArgs(['apptainer', 'run', 'n.sif'], { instance: 'peppy', cwd: '/Users/ada/run' })).toEqual([
      'shell',
      'peppy',
      '--',
      'sh',
      '-c',
      'cd "$1" && shift && exec "$@"',
      'sh',
      '/Users/ada/run',
      'apptainer',
      'run',
      'n.sif',
    ]);
  });

  it('extra args after the instance, env after the folder', () => {
    const args = limaShellArgs(['apptainer', '--version'], {
      instance: 'lab',
      shellExtraArgs: ['--shell', '/bin/bash'],
      cwd: '/Users/ada',
      env: { APPTAINERENV_X: 'a,b', DROPPED: undefined },
    });

    expect(args).toEqual(['shell', 'lab', '--shell', '/bin/bash', '--', 'sh', '-c', GUEST_CD_SCRIPT, 'sh', '/Users/ada', 'env', 'APPTAINERENV_X=a,b', 'apptainer', '--version']);
  });
});

describe('Lima runtime with a stand-in limactl', () => {
  let bin: string;
  let home: string;
  let record: string;
  let savedPath: string | undefined;

  beforeEach(() => {
    bin = mkdtempSync(join(tmpdir(), 'nx-peppy-limactl-'));
    home = mkdtempSync(join(tmpdir(), 'nx-peppy-home-'));
    record = join(bin, 'argv.json');
    // Records its arguments, LIMA_HOME and working folder as JSON, then exits 3.
    writeFileSync(
      join(bin, 'limactl'),
      `#!/usr/bin/env node\nrequire('fs').writeFileSync(${JSON.stringify(record)}, JSON.stringify({ argv: process.argv.slice(2), limaHome: process.env.LIMA_HOME, cwd: process.cwd() }));\nprocess.exit(3);\n`,
    );
    chmodSync(join(bin, 'limactl'), 0o755);
    savedPath = process.env.PATH;
    process.env.PATH = `${bin}${delimiter}${savedPath ?? ''}`;
  });

  afterEach(() => {
    process.env.PATH = savedPath;
    rmSync(bin, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  function recorded(): { argv: string[]; limaHome: string; cwd: string } {
    return JSON.parse(readFileSync(record, 'utf8'));
  }

  it('spawns limactl with the exact argument vector', async () => {
    const runtime = createRuntime({ runtime: 'lima', homeDir: home, env: {}, limaShellExtraArgs: ['--tty=false'] });
    const work = join(home, 'work');
    mkdirSync(work);

    const result = await runtime.apptainer(['run', '--cleanenv', join(home, 'n.sif')], { cwd: work, env: { APPTAINERENV_A: 'x y' } });

    expect(result.exitCode).toBe(3);
    expect(recorded().argv).toEqual([
      'shell',
      'peppy',
      '--tty=false',
      '--',
      'sh',
      '-c',
      'cd "$1" && shift && exec "$@"',
      'sh',
      work,
      'env',
      'APPTAINERENV_A=x y',
      'apptainer',
      'run',
      '--cleanenv',
      join(home, 'n.sif'),
    ]);
  });

  it('instance, apptainer path and LIMA_HOME', async () => {
    mkdirSync(join(home, '.peppy', 'lima-data', 'lab'), { recursive: true });
    const runtime = createRuntime({ runtime: 'lima', limaInstance: 'lab', apptainerPath: '/tmp/peppy/apptainer/bin/apptainer', homeDir: home, env: {} });

    await runtime.apptainer(['--version'], { cwd: home });

    expect(recorded().argv.slice(0, 2)).toEqual(['shell', 'lab']);
    expect(recorded().argv.slice(-2)).toEqual(['/tmp/peppy/apptainer/bin/apptainer', '--version']);
    expect(recorded().limaHome).toBe(join(home, '.peppy', 'lima-data'));
  });

  it('working folder outside home fails before limactl runs', async () => {
    const runtime = createRuntime({ runtime: 'lima', homeDir: home, env: {} });

    await expect(runtime.apptainer(['--version'], { cwd: '/opt/elsewhere' })).rejects.toThrow(NxPeppyError);
    await expect(runtime.apptainer(['--version'], { cwd: '/opt/elsewhere' })).rejects.toThrow(/working folder \/opt\/elsewhere is outside your home folder/);
  });

  it('folders mounted in lima.yaml count as visible', () => {
    mkdirSync(join(home, '.lima', 'peppy'), { recursive: true });
    writeFileSync(join(home, '.lima', 'peppy', 'lima.yaml'), 'mounts:\n- location: "/srv/robots"\n  writable: true\n');
    const runtime = createRuntime({ runtime: 'lima', homeDir: home, env: {} });

    expect(runtime.invisiblePaths([{ path: '/srv/robots/a.sif', role: 'image' }])).toEqual([]);
    expect(runtime.invisiblePaths([{ path: '/srv/other', role: 'image' }])).toHaveLength(1);
  });

  it('invocation describes the process without spawning', () => {
    const runtime = createRuntime({ runtime: 'lima', homeDir: home, env: { LIMA_HOME: '/x' } });

    expect(runtime.invocation(['--version'], { cwd: home })).toEqual({
      file: 'limactl',
      args: ['shell', 'peppy', '--', 'sh', '-c', GUEST_CD_SCRIPT, 'sh', home, 'apptainer', '--version'],
      env: undefined,
      cwd: home,
    });
  });
});

describe('resolveLimaHome', () => {
  it('LIMA_HOME wins', () => {
    expect(resolveLimaHome({ LIMA_HOME: '/l' }, '/Users/ada', 'peppy', () => true)).toBe('/l');
  });

  it("PeppyOS's lima-data when it holds the instance", () => {
    expect(resolveLimaHome({}, '/Users/ada', 'peppy', (path) => path === '/Users/ada/.peppy/lima-data/peppy')).toBe('/Users/ada/.peppy/lima-data');
  });

  it("Lima's default otherwise", () => {
    expect(resolveLimaHome({}, '/Users/ada', 'peppy', () => false)).toBe('/Users/ada/.lima');
  });
});

describe('limaSameMountPaths', () => {
  it('locations mounted at the same path', () => {
    const yaml = [
      'cpus: 4',
      'mounts:',
      '- location: "~"',
      '  writable: true',
      "- location: '/Volumes/data' # robot logs",
      '  writable: true',
      '- location: /opt/elsewhere',
      '  mountPoint: /mnt/elsewhere',
      '- location: "{{.Home}}/src"',
      'networks: []',
      '- location: /not/a/mount',
    ].join('\n');

    expect(limaSameMountPaths(yaml, '/Users/ada')).toEqual(['/Users/ada', '/Volumes/data', '/Users/ada/src']);
  });

  it('no mounts section', () => {
    expect(limaSameMountPaths('cpus: 2\n', '/Users/ada')).toEqual([]);
  });
});

describe('invisiblePathProblems', () => {
  it('paths under a visible folder pass', () => {
    expect(invisiblePathProblems([{ path: '/Users/ada/ws/a.sif', role: 'image' }], ['/Users/ada'], 'peppy', '/Users/ada/.lima')).toEqual([]);
  });

  it('a sibling with the same prefix is not inside', () => {
    expect(invisiblePathProblems([{ path: '/Users/adam/x', role: 'image' }], ['/Users/ada'], 'peppy', '/Users/ada/.lima')).toHaveLength(1);
  });

  it('outside home: message names the path and the lima.yaml fix', () => {
    expect(invisiblePathProblems([{ path: '/opt/ws/dist/a.sif', role: 'image' }], ['/Users/ada'], 'peppy', '/Users/ada/.lima')).toEqual([
      {
        file: 'Lima instance peppy',
        message: 'image /opt/ws/dist/a.sif is outside your home folder, so the Lima VM cannot see it',
        fix: 'add it to the mounts of /Users/ada/.lima/peppy/lima.yaml (mounts: [{location: "/opt/ws/dist/a.sif", writable: true}]) and restart the instance with `limactl stop peppy && limactl start peppy`, or move it under your home folder',
      },
    ]);
  });

  it('device paths cannot reach the VM', () => {
    const [problem] = invisiblePathProblems([{ path: '/dev/video0', role: 'mount source' }], ['/'], 'peppy', '/l');

    expect(problem.message).toBe('mount source /dev/video0 is a host device or system path, which cannot be passed into the Lima VM');
  });

  it('every path is checked', () => {
    expect(invisiblePathProblems([{ path: '/a', role: 'image' }, { path: '/b', role: 'runtime config' }], ['/Users/ada'], 'peppy', '/l')).toHaveLength(2);
  });
});
