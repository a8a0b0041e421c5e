import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { captureProblems, expectProblem, type ExpectedProblem } from '../__fixtures__/hardening/problem-rows';
import { defaultImagePath, isInside, resolveImagePath } from './index';

const SOURCE = 'cam:build options';
const FOLDER_FIX = 'set "outputPath" to a file path';

describe('bad outputPath values', () => {
  let parent: string;
  let workspace: string;

  beforeEach(() => {
    parent = mkdtempSync(join(tmpdir(), 'nx-peppy-image-paths-'));
    workspace = join(parent, 'workspace');
    mkdirSync(join(workspace, 'dist', 'images'), { recursive: true });
    mkdirSync(join(workspace, 'nodes', 'cam'), { recursive: true });
    writeFileSync(join(workspace, 'dist', 'images', 'keep.txt'), 'keep');
    writeFileSync(join(workspace, 'nodes', 'cam', 'peppy.json5'), '{}');
    writeFileSync(join(workspace, 'package.json'), '{}');
  });

  afterEach(() => {
    rmSync(parent, { recursive: true, force: true });
  });

  it.each<[string, string, Pick<ExpectedProblem, 'message' | 'fix'>]>([
    ['empty', '', { message: 'invalid image path "": it names a folder, not a file', fix: FOLDER_FIX }],
    ['spaces', '   ', { message: 'it names a folder, not a file', fix: FOLDER_FIX }],
    ['a dot', '.', { message: 'invalid image path ".": it names a folder, not a file', fix: FOLDER_FIX }],
    ['a dot and a slash', './', { message: 'it names a folder, not a file', fix: FOLDER_FIX }],
    ['a trailing slash', 'dist/images/', { message: 'it names a folder, not a file', fix: FOLDER_FIX }],
    ['an existing folder', 'dist/images', { message: 'a folder with that name exists', fix: 'choose a file path for the image' }],
    ['the parent folder', '..', { message: 'a folder with that name exists', fix: 'choose a file path for the image' }],
    ['the file system root', '/', { message: /folder/, fix: /file path/ }],
    ['a folder reached through ..', 'nodes/cam/../../dist/images', { message: 'a folder with that name exists', fix: 'choose a file path for the image' }],
    // `apptainer build` replaces the output, and the rename that publishes
    // the image would replace these files with an image.
    ['the node manifest', 'nodes/cam/peppy.json5', { message: /outputPath|image/, fix: /\.sif/ }],
    ['package.json', 'package.json', { message: /outputPath|image/, fix: /\.sif/ }],
    ['a NUL character', 'dist/a\u0000b.sif', { message: /NUL|character/, fix: /outputPath|path/ }],
  ])('%s is rejected', (_label, outputPath, expected) => {
    const error = captureProblems(() => resolveImagePath(outputPath, workspace, SOURCE));

    expectProblem(error.problems, { file: SOURCE, field: 'outputPath', ...expected });
    expect(readFileSync(join(workspace, 'dist', 'images', 'keep.txt'), 'utf8')).toBe('keep');
  });

  it.each([
    ['a parent path', '../outside.sif'],
    ['a path through a symlinked folder', 'linked/cam.sif'],
  ])('%s outside the workspace is rejected', (_label, outputPath) => {
    mkdirSync(join(parent, 'elsewhere'));
    symlinkSync(join(parent, 'elsewhere'), join(workspace, 'linked'));

    const error = captureProblems(() => resolveImagePath(outputPath, workspace, SOURCE));

    expectProblem(error.problems, { file: SOURCE, field: 'outputPath', message: /outside the workspace/, fix: /workspace/ });
  });

  it('shell characters in a file name are kept', () => {
    expect(resolveImagePath('dist/a;$(id) `x` b.sif', workspace, SOURCE)).toBe(join(workspace, 'dist/a;$(id) `x` b.sif'));
  });
});

describe('default image path of a hostile tag', () => {
  // The tag comes from the manifest. PeppyOS checks it before it makes the
  // file name `<name>_<tag>.sif`, so that no tag can leave the output folder.
  it.each([
    ['a parent path', '../../../../tmp/evil'],
    ['a slash', 'v1/evil'],
    ['an absolute path', '/etc/evil'],
  ])('%s stays inside dist/<root>', (_label, tag) => {
    const image = defaultImagePath('nodes/cam', { name: 'cam', tag });

    expect(isInside('dist/nodes/cam', image)).toBe(true);
  });
});
