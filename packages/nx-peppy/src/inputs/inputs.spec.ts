import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parseDefinition } from '../definition';
import { buildInputs, checkSources, fileHashInput, fileHashInputs, planBuildContext } from '.';

const WORKSPACE = '/ws';

function plan(definition: string, projectRoot = 'robots/arm') {
  const parsed = parseDefinition(definition, { file: `${projectRoot}/apptainer.def` });
  return { parsed, plan: planBuildContext(projectRoot, `${projectRoot}/apptainer.def`, parsed, WORKSPACE) };
}

const header = 'Bootstrap: localimage\nFrom: ../base.sif\n\n';

describe('buildInputs', () => {
  it('whole node folder minus excluded folders', () => {
    expect(buildInputs(plan(`${header}%files\n    . /opt/arm\n`).plan)).toEqual([
      '{projectRoot}/**/*',
      '{projectRoot}/apptainer.def',
      '!{projectRoot}/**/.git/**',
      '!{projectRoot}/**/.nx/**',
      '!{projectRoot}/**/.venv/**',
      '!{projectRoot}/**/__pycache__/**',
      '!{projectRoot}/**/dist/**',
      '!{projectRoot}/**/node_modules/**',
      '!{projectRoot}/**/target/**',
      { dependentTasksOutputFiles: '**/*.sif', transitive: false },
      { externalDependencies: ['nx-peppy'] },
    ]);
  });

  it('explicit list hashes only its paths', () => {
    const inputs = buildInputs(plan(`${header}%files\n    peppy.json5 /opt/x/peppy.json5\n    robots /opt/x/robots\n`).plan);
    expect(inputs).toContain('{projectRoot}/peppy.json5');
    expect(inputs).toContain('{projectRoot}/robots/**/*');
    expect(inputs).not.toContain('{projectRoot}/**/*');
  });

  it('source in the node folder (A3)', () => {
    const inputs = buildInputs(plan(`${header}%files\n    src/main.py /opt/app/main.py\n`).plan);
    expect(inputs).toContain('{projectRoot}/src/main.py');
  });

  it('source outside the node folder uses the workspace root', () => {
    const inputs = buildInputs(plan(`${header}%files\n    ../../shared/calib.yaml /opt/calib.yaml\n`).plan);
    expect(inputs).toContain('{workspaceRoot}/shared/calib.yaml');
  });

  it('globs keep their pattern (A4)', () => {
    const inputs = buildInputs(plan(`${header}%files\n    dist/*.whl /tmp/wheels/\n    config/.* /etc/app/\n`).plan);
    expect(inputs).toContain('{projectRoot}/dist/*.whl');
    expect(inputs).toContain('{projectRoot}/config/.*');
  });

  it('host section hashes the whole folder', () => {
    const inputs = buildInputs(plan('Bootstrap: scratch\n\n%setup\n    cp /bin/busybox "$APPTAINER_ROOTFS/"\n').plan);
    expect(inputs).toContain('{projectRoot}/**/*');
  });

  it('unresolved placeholder hashes the whole folder', () => {
    const inputs = buildInputs(plan(`${header}%files\n    {{ SRC }} /opt/src\n`).plan);
    expect(inputs).toContain('{projectRoot}/**/*');
  });

  it('no localimage, no dependency outputs', () => {
    const inputs = buildInputs(plan('Bootstrap: docker\nFrom: ubuntu:24.04@sha256:abc\n\n%files\n    a.txt /a.txt\n').plan);
    expect(inputs).not.toContainEqual({ dependentTasksOutputFiles: '**/*.sif', transitive: false });
  });
});

describe('planBuildContext', () => {
  it('relative source climbing out is an error', () => {
    const { plan: planned } = plan(`${header}%files\n    ../../../etc/passwd /etc/passwd\n`);
    expect(planned.sources[0].path).toBeUndefined();
    expect(planned.diagnostics[0]).toMatchObject({ severity: 'error', line: 5, code: 'relative-source-outside-workspace' });
    expect(planned.diagnostics[0].message).toContain('"../../../etc/passwd" climbs out of the workspace');
  });

  it('absolute source outside the workspace warns', () => {
    const { plan: planned } = plan(`${header}%files\n    /etc/passwd /etc/passwd\n`);
    expect(planned.sources[0].outsidePath).toBe('/etc/passwd');
    expect(planned.diagnostics[0]).toMatchObject({ severity: 'warning', line: 5, code: 'source-outside-workspace' });
  });

  it('records localimage bases', () => {
    expect(plan(`${header}%files\n    a /a\n`).plan.localImages).toEqual(['../base.sif']);
  });

  it('skips %files from a stage', () => {
    const text = 'Bootstrap: scratch\nStage: build\n\n%files\n    a.txt /a.txt\n\nBootstrap: scratch\n\n%files from build\n    /a.txt /b.txt\n';
    expect(plan(text).plan.sources.map((source) => source.source)).toEqual(['a.txt']);
  });
});

describe('checkSources', () => {
  const hashed = ['robots/arm/dist/a.whl', 'robots/arm/dist/b.whl', 'robots/arm/config/.env', 'robots/arm/data/one.txt', 'robots/arm/data/two.txt'];
  let workspace: string;

  beforeAll(() => {
    workspace = mkdtempSync(join(tmpdir(), 'nx-peppy-sources-'));
    mkdirSync(join(workspace, 'robots/arm/.peppy/libs'), { recursive: true });
    writeFileSync(join(workspace, 'robots/arm/.peppy/libs/lib.py'), '');
  });
  afterAll(() => rmSync(workspace, { recursive: true, force: true }));

  function check(files: string) {
    const { parsed, plan: planned } = plan(`${header}%files\n${files}`);
    const destinations = new Map(parsed.stages.flatMap((stage) => stage.files.map((entry) => [entry.line, entry.destination] as const)));
    return checkSources(planned, hashed, workspace, (line) => destinations.get(line));
  }

  it('glob with no match is an error (A4)', () => {
    const result = check('    missing/*.txt /opt/\n');
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({ file: 'robots/arm/apptainer.def', line: 5 });
    expect(result.errors[0].message).toContain('"missing/*.txt" matches no file');
    expect(result.errors[0].fix).toContain('create a matching file');
  });

  it('matches into a file destination warn (A5)', () => {
    const result = check('    data/*.txt /opt/data\n');
    expect(result.errors).toEqual([]);
    expect(result.warnings[0].message).toContain('matches 2 entries copied to "/opt/data"');
    expect(result.warnings[0].fix).toContain('"/opt/data/"');
  });

  it('matches into a folder destination are fine', () => {
    expect(check('    data/*.txt /opt/data/\n').warnings).toEqual([]);
  });

  it('star skips dotfiles, dot pattern matches them', () => {
    expect(check('    config/* /etc/app/\n').errors).toHaveLength(1);
    expect(check('    config/.* /etc/app/\n').errors).toEqual([]);
  });

  it('missing path is an error', () => {
    const result = check('    nothing.txt /opt/nothing.txt\n');
    expect(result.errors[0].message).toContain('"nothing.txt" does not exist');
  });

  it('git-ignored path is staged and warned about', () => {
    const result = check('    .peppy/libs /opt/libs\n');
    expect(result.errors).toEqual([]);
    expect(result.unhashed).toEqual(['robots/arm/.peppy/libs']);
    expect(result.warnings[0].message).toContain('ignored by git');
  });
});

describe('fileHashInputs', () => {
  let folder: string;

  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'nx-peppy-hash-'));
  });

  afterEach(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it('hashes a file by content', () => {
    writeFileSync(join(folder, "base's image.sif"), 'abc');
    const { runtime } = fileHashInput("base's image.sif");

    expect(execSync(runtime, { cwd: folder, encoding: 'utf8' }).trim()).toBe("base's image.sif ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it('reports a missing file instead of failing', () => {
    const { runtime } = fileHashInput('/nonexistent/base.sif');

    expect(execSync(runtime, { encoding: 'utf8' }).trim()).toBe('/nonexistent/base.sif unreadable ENOENT');
  });

  it('reads through a symlink', () => {
    writeFileSync(join(folder, 'target.txt'), 'first');
    symlinkSync(join(folder, 'target.txt'), join(folder, 'link.txt'));
    const [{ runtime }] = fileHashInputs(['link.txt']);
    const before = execSync(runtime, { cwd: folder, encoding: 'utf8' });

    writeFileSync(join(folder, 'target.txt'), 'second');
    const after = execSync(runtime, { cwd: folder, encoding: 'utf8' });

    expect(after).not.toBe(before);
  });

  it('keeps shell characters in paths literal', () => {
    const name = 'a $(touch pwned) `id`; "q" \'s\nline.txt';
    writeFileSync(join(folder, name), 'abc');
    const [{ runtime }] = fileHashInputs([name, 'plain.txt']);

    const output = execSync(runtime, { cwd: folder, encoding: 'utf8' });

    expect(output).toContain(`${name} ba7816bf`);
    expect(output).toContain('plain.txt unreadable ENOENT');
    expect(existsSync(join(folder, 'pwned'))).toBe(false);
  });

  it('splits long path lists over several commands', () => {
    const paths = Array.from({ length: 3000 }, (_, index) => `nodes/camera/calibration/link-${String(index).padStart(5, '0')}.yaml`);

    const inputs = fileHashInputs(paths);

    expect(inputs.length).toBeGreaterThan(1);
    for (const input of inputs) expect(input.runtime.length).toBeLessThan(40 * 1024);
    expect(inputs.map((input) => input.runtime.match(/link-\d+/g)?.length ?? 0).reduce((a, b) => a + b, 0)).toBe(3000);
  });

  it('hashes a folder by names and contents', () => {
    mkdirSync(join(folder, 'layout/blobs/sha256'), { recursive: true });
    writeFileSync(join(folder, 'layout/index.json'), '{}');
    writeFileSync(join(folder, 'layout/blobs/sha256/aa'), 'layer one');
    const { runtime } = fileHashInput('layout');
    const first = execSync(runtime, { cwd: folder, encoding: 'utf8' });

    writeFileSync(join(folder, 'layout/blobs/sha256/aa'), 'layer two');
    const edited = execSync(runtime, { cwd: folder, encoding: 'utf8' });
    rmSync(join(folder, 'layout/blobs/sha256/aa'));
    writeFileSync(join(folder, 'layout/blobs/sha256/bb'), 'layer two');
    const renamed = execSync(runtime, { cwd: folder, encoding: 'utf8' });

    expect(first).toMatch(/^layout [0-9a-f]{64}\n$/);
    expect(edited).not.toBe(first);
    expect(renamed).not.toBe(edited);
  });

  it('returns no input for no paths', () => {
    expect(fileHashInputs([])).toEqual([]);
  });
});
