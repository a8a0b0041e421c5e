import { appendFileSync, existsSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

import { apptainer } from '../support/apptainer';
import { buildBusyboxBase, TestWorkspace } from '../support/workspace';

const IMAGES = {
  arm: 'dist/robots/arm/arm_v1.sif',
  sim: 'dist/robots/sim/sim_v1.sif',
  wheels: 'dist/robots/wheels/wheels_v1.sif',
};

describe('build context', () => {
  const workspace = new TestWorkspace('nx-peppy-context-');
  const base = workspace.path('images', 'busybox.sif');

  function setBuildArgs(node: string, buildArgs: Record<string, string>): void {
    workspace.write(`robots/${node}/project.json`, JSON.stringify({ targets: { build: { options: { buildArgs } } } }, null, 2));
  }

  function build(project: string, ...args: string[]) {
    return workspace.nx(['build', project, '--output-style=static', ...args]);
  }

  /** Files Nx hashes for a build target, as `nx show target inputs` lists them. */
  function hashedFiles(project: string): string[] {
    const result = workspace.nx(['show', 'target', 'inputs', `${project}:build`, '--json']);
    if (result.status !== 0) throw new Error(result.output);
    const inputs = JSON.parse(result.output.slice(result.output.indexOf('{'))) as { files: string[] };
    return [...inputs.files].sort();
  }

  /** Files the build staged, from the `--verbose` log of an uncached build. */
  function stagedFiles(project: string): string[] {
    const result = build(project, '--verbose', '--skip-nx-cache');
    if (result.status !== 0) throw new Error(result.output);
    const lines = result.output.slice(result.output.indexOf('Staged files:')).split('\n').slice(1);
    const end = lines.findIndex((line) => !line.startsWith('  '));
    return lines
      .slice(0, end === -1 ? undefined : end)
      .map((line) => line.trim())
      .sort();
  }

  function inImage(image: string, script: string): string {
    return apptainer(['exec', workspace.path(image), 'sh', '-c', script], workspace.root).trim();
  }

  beforeAll(() => {
    workspace.copyFixture('build-context').installWithNxAdd();
    buildBusyboxBase(base);

    writeFileSync(workspace.path('robots/arm/debug.log'), 'git ignores this file\n');
    symlinkSync('../../outside/target.txt', workspace.path('robots/arm/link.txt'));
    setBuildArgs('arm', { BASE: base, GREETING: 'hello' });
    for (const node of ['sim', 'wheels', 'broken']) setBuildArgs(node, { BASE: base });
    workspace.commitAll();
  });

  afterAll(() => workspace.remove());

  it('build runs from the node folder', () => {
    const result = build('arm');
    expect(result.status).toBe(0);
    expect(inImage(IMAGES.arm, 'cat /opt/app/main.py')).toBe("print('arm')");
    expect(hashedFiles('arm')).toContain('robots/arm/src/main.py');
  });

  it('git-ignored file is neither copied nor hashed', () => {
    expect(inImage(IMAGES.arm, 'ls -a /opt/arm')).not.toContain('debug.log');
    expect(hashedFiles('arm')).not.toContain('robots/arm/debug.log');
  });

  it('symlink to an outside file arrives as a file', () => {
    expect(inImage(IMAGES.arm, 'test -L /opt/arm/link.txt && echo link || echo file')).toBe('file');
    expect(inImage(IMAGES.arm, 'cat /opt/arm/link.txt')).toBe('target from outside');
  });

  it('excluded folders stay out of the image', () => {
    workspace.write('robots/arm/node_modules/pkg/index.js', 'module.exports = 1;\n');
    workspace.write('robots/arm/__pycache__/main.cpython-311.pyc', 'bytecode');
    const result = build('arm');
    expect(result.status).toBe(0);
    expect(inImage(IMAGES.arm, 'ls -a /opt/arm')).not.toMatch(/node_modules|__pycache__/);
  });

  it('edited outside source rebuilds', () => {
    appendFileSync(workspace.path('shared/calib.yaml'), 'offset: 2\n');
    const result = build('arm');
    expect(result.status).toBe(0);
    expect(result.output).not.toMatch(/local cache/);
    expect(inImage(IMAGES.arm, 'cat /opt/shared/calib.yaml')).toContain('offset: 2');
  });

  it('changed build argument rebuilds', () => {
    setBuildArgs('arm', { BASE: base, GREETING: 'bonjour' });
    const result = build('arm');
    expect(result.status).toBe(0);
    expect(result.output).not.toMatch(/local cache/);
    expect(inImage(IMAGES.arm, 'cat /opt/greeting')).toBe('bonjour');
  });

  it('unlisted file edit is a cache hit', () => {
    expect(build('sim').status).toBe(0);
    appendFileSync(workspace.path('robots/sim/notes.md'), 'More notes.\n');

    const result = build('sim');
    expect(result.status).toBe(0);
    expect(result.output).toMatch(/local cache/);
  });

  it('listed folder edit rebuilds', () => {
    appendFileSync(workspace.path('robots/sim/robots/openarm/model.yaml'), 'joints: 7\n');
    const result = build('sim');
    expect(result.status).toBe(0);
    expect(result.output).not.toMatch(/local cache/);
  });

  it('globs cover wheels and dotfiles', () => {
    const hashed = hashedFiles('wheels');
    expect(hashed).toEqual(
      expect.arrayContaining([
        'robots/wheels/dist/a-1.0-py3-none-any.whl',
        'robots/wheels/dist/b-2.0-py3-none-any.whl',
        'robots/wheels/config/.env',
        'robots/wheels/config/.settings',
      ]),
    );
    expect(hashed).not.toContain('robots/wheels/dist/readme.txt');
  });

  it('glob matches to a file destination warn', () => {
    const result = build('wheels');
    expect(result.status).toBe(0);
    expect(result.output).toMatch(/robots\/wheels\/apptainer.def:7: the %files pattern "config\/\*\.txt" matches 2 entries copied to "\/opt\/data"/);
    expect(inImage(IMAGES.wheels, 'ls /opt/wheels')).toBe('a-1.0-py3-none-any.whl\nb-2.0-py3-none-any.whl');
  });

  it('glob with no match fails before Apptainer', () => {
    const result = build('broken');
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/robots\/broken\/apptainer.def:5: the %files pattern "missing\/\*\.txt" matches no file/);
    expect(result.output).not.toContain('Starting build');
  });

  it.each(['arm', 'sim', 'wheels'])('%s stages exactly the hashed files', (project) => {
    expect(stagedFiles(project)).toEqual(hashedFiles(project));
  });

  it('second build in a terminal does not prompt', () => {
    appendFileSync(workspace.path('robots/sim/notes.md'), 'Terminal run.\n');
    const script = spawnSync('script', ['-qec', 'node_modules/.bin/nx build sim --skip-nx-cache --output-style=static', '/dev/null'], {
      cwd: workspace.root,
      env: workspace.env(),
      encoding: 'utf8',
      timeout: 120_000,
      input: '',
    });
    expect(script.status).toBe(0);
    expect(script.stdout).toContain('Wrote dist/robots/sim/sim_v1.sif');
    expect(script.stdout).not.toMatch(/overwrite/i);
  });

  it('parallel builds from one base succeed', () => {
    const result = workspace.nx(['run-many', '-t', 'build', '--projects=arm,sim,wheels', '--parallel=3', '--skip-nx-cache', '--output-style=static']);
    expect(result.status).toBe(0);
    for (const image of Object.values(IMAGES)) expect(existsSync(workspace.path(image))).toBe(true);
    expect(readdirSync(workspace.path('dist/robots/arm'))).toEqual(['arm_v1.sif']);
  });
});
