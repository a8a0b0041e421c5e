import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { NxPeppyError } from '../errors';
import { defaultImagePath, isInside, resolveImagePath } from './paths';

/** Runs `resolveImagePath` and returns the NxPeppyError raised. Fails the test when nothing or another error is raised. */
function resolveFailure(outputPath: string, workspaceRoot: string, source?: string): NxPeppyError {
  try {
    resolveImagePath(outputPath, workspaceRoot, source);
  } catch (error) {
    if (error instanceof NxPeppyError) return error;
    throw error;
  }
  throw new Error(`resolveImagePath accepted "${outputPath}"`);
}

describe('defaultImagePath', () => {
  it('dist/<root>/<name>_<tag>.sif', () => {
    expect(defaultImagePath('nodes/my_node', { name: 'my_node', tag: 'v1' })).toBe('dist/nodes/my_node/my_node_v1.sif');
  });

  it('legacy tag with dots', () => {
    expect(defaultImagePath('uvc_camera', { name: 'uvc_camera', tag: '0.1.0' })).toBe('dist/uvc_camera/uvc_camera_0.1.0.sif');
  });

  it('project at the workspace root', () => {
    expect(defaultImagePath('.', { name: 'root_node', tag: 'v1' })).toBe('dist/root_node_v1.sif');
  });

  it('never inside the node folder', () => {
    expect(isInside('nodes/my_node', defaultImagePath('nodes/my_node', { name: 'my_node', tag: 'v1' }))).toBe(false);
  });
});

describe('isInside', () => {
  it.each([
    ['/ws/nodes', '/ws/nodes', true],
    ['/ws/nodes', '/ws/nodes/a/b.sif', true],
    ['/ws/nodes', '/ws/nodes/../dist/a.sif', false],
    ['/ws/nodes', '/ws/nodes-other/a.sif', false],
    ['/ws/nodes', '/ws', false],
    ['/ws/nodes', '/elsewhere/a.sif', false],
    ['nodes/a', 'nodes/a/src', true],
    ['nodes/a', 'dist/nodes/a', false],
  ])('isInside(%s, %s) is %s', (parent, child, expected) => {
    expect(isInside(parent, child)).toBe(expected);
  });

  // relative() returns "..b.sif" here, which is a name inside the parent, not a step up.
  it('child name starting with two dots', () => {
    expect(isInside('/ws/nodes', '/ws/nodes/..b.sif')).toBe(true);
  });
});

describe('resolveImagePath', () => {
  let workspace: string;

  beforeEach(() => {
    workspace = mkdtempSync(join(tmpdir(), 'nx-peppy-paths-'));
  });

  afterEach(() => {
    rmSync(workspace, { recursive: true, force: true });
  });

  it('relative path resolved against the workspace root', () => {
    expect(resolveImagePath('dist/nodes/a/a_v1.sif', workspace)).toBe(join(workspace, 'dist/nodes/a/a_v1.sif'));
  });

  it('absolute path in the workspace kept', () => {
    const absolute = join(workspace, 'images', 'a.sif');

    expect(resolveImagePath(absolute, workspace)).toBe(absolute);
  });

  it('surrounding spaces trimmed', () => {
    expect(resolveImagePath('  out/a.sif ', workspace)).toBe(join(workspace, 'out/a.sif'));
  });

  it('existing file accepted', () => {
    writeFileSync(join(workspace, 'old.sif'), '');

    expect(resolveImagePath('old.sif', workspace)).toBe(join(workspace, 'old.sif'));
  });

  it.each([
    ['empty', ''],
    ['spaces only', '   '],
    ['a dot', '.'],
    ['a trailing slash', 'dist/images/'],
    ['a trailing slash after spaces are trimmed', 'dist/images/  '],
  ])('rejects %s', (_label, outputPath) => {
    const error = resolveFailure(outputPath, workspace);

    expect(error.problems).toEqual([
      {
        file: 'the build target options',
        field: 'outputPath',
        message: `invalid image path "${outputPath}": it names a folder, not a file`,
        fix: 'set "outputPath" to a file path such as "dist/nodes/my_node/my_node_v1.sif"',
      },
    ]);
    expect(error.message).toContain(`the build target options: outputPath: invalid image path "${outputPath}"`);
    expect(error.message).toContain('Fix: set "outputPath" to a file path');
  });

  it('rejects an existing folder', () => {
    mkdirSync(join(workspace, 'dist', 'images'), { recursive: true });

    const error = resolveFailure('dist/images', workspace);

    expect(error.problems).toEqual([
      {
        file: 'the build target options',
        field: 'outputPath',
        message: 'invalid image path "dist/images": a folder with that name exists',
        fix: 'choose a file path for the image, or move the folder away',
      },
    ]);
    expect(error.message).toBe(
      'the build target options: outputPath: invalid image path "dist/images": a folder with that name exists\n  Fix: choose a file path for the image, or move the folder away',
    );
  });

  it('rejects "..", the parent folder', () => {
    const error = resolveFailure('..', workspace);

    expect(error.problems[0]).toMatchObject({ field: 'outputPath', message: 'invalid image path "..": a folder with that name exists' });
    expect(error.message).toContain('Fix: choose a file path');
  });

  it('source names the target in messages', () => {
    const error = resolveFailure('', workspace, 'my_node:serve options');

    expect(error.problems[0].file).toBe('my_node:serve options');
    expect(error.message).toMatch(/^my_node:serve options: outputPath: /);
  });
});
