import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { listFilesUnder, stageBuildContext } from './stage';

describe('stageBuildContext', () => {
  let workspace: string;
  let context: string;

  beforeEach(() => {
    workspace = mkdtempSync(join(tmpdir(), 'nx-peppy-ws-'));
    context = join(workspace, 'dist', 'context');
    mkdirSync(join(workspace, 'robots/arm/src'), { recursive: true });
    mkdirSync(join(workspace, 'shared'), { recursive: true });
    writeFileSync(join(workspace, 'robots/arm/src/main.py'), "print('arm')\n");
    writeFileSync(join(workspace, 'shared/calib.yaml'), 'gain: 1\n');
  });
  afterEach(() => rmSync(workspace, { recursive: true, force: true }));

  it('keeps workspace-relative paths', () => {
    const staged = stageBuildContext(['robots/arm/src/main.py', 'shared/calib.yaml'], workspace, context);

    expect(staged.files).toEqual(['robots/arm/src/main.py', 'shared/calib.yaml']);
    expect(readFileSync(join(context, 'shared/calib.yaml'), 'utf8')).toBe('gain: 1\n');
  });

  it('hard-links on one file system', () => {
    const staged = stageBuildContext(['robots/arm/src/main.py'], workspace, context);

    expect(staged.linked).toBe(1);
    expect(statSync(join(context, 'robots/arm/src/main.py')).ino).toBe(statSync(join(workspace, 'robots/arm/src/main.py')).ino);
  });

  it('dereferences an absolute symlink', () => {
    symlinkSync(join(workspace, 'shared/calib.yaml'), join(workspace, 'robots/arm/calib.yaml'));

    stageBuildContext(['robots/arm/calib.yaml'], workspace, context);

    const staged = join(context, 'robots/arm/calib.yaml');
    expect(lstatSync(staged).isSymbolicLink()).toBe(false);
    expect(readFileSync(staged, 'utf8')).toBe('gain: 1\n');
  });

  it('reports files deleted since the graph was made', () => {
    const staged = stageBuildContext(['robots/arm/gone.py', 'robots/arm/src/main.py'], workspace, context);

    expect(staged.missing).toEqual(['robots/arm/gone.py']);
    expect(staged.files).toEqual(['robots/arm/src/main.py']);
  });
});

describe('listFilesUnder', () => {
  let workspace: string;

  beforeEach(() => {
    workspace = mkdtempSync(join(tmpdir(), 'nx-peppy-list-'));
    mkdirSync(join(workspace, 'cache/peppygen'), { recursive: true });
    writeFileSync(join(workspace, 'cache/peppygen/lib.py'), '');
    mkdirSync(join(workspace, 'robots/arm/.peppy/libs'), { recursive: true });
    symlinkSync(join(workspace, 'cache/peppygen'), join(workspace, 'robots/arm/.peppy/libs/peppygen'));
  });
  afterEach(() => rmSync(workspace, { recursive: true, force: true }));

  it('follows symlinked folders', () => {
    expect(listFilesUnder(['robots/arm/.peppy/libs'], workspace)).toEqual(['robots/arm/.peppy/libs/peppygen/lib.py']);
  });

  it('stops at a symlink loop', () => {
    symlinkSync(join(workspace, 'cache'), join(workspace, 'cache/peppygen/loop'));

    const files = listFilesUnder(['cache'], workspace);

    expect(files).toContain('cache/peppygen/lib.py');
    expect(files.length).toBeLessThan(10);
  });

  it('lists a file path as it is', () => {
    expect(listFilesUnder(['cache/peppygen/lib.py'], workspace)).toEqual(['cache/peppygen/lib.py']);
  });
});
