import { logger, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';

import { captureProblemsAsync, expectProblem, type ExpectedProblem } from '../../__fixtures__/hardening/problem-rows';
import { nodeGenerator } from './generator';
import type { NodeGeneratorSchema } from './schema';

const SOURCE = 'nx g nx-peppy:node';
const NAME_FIX = 'start the name with a letter and use only letters, digits, "_" and "-", for example "my_node"';
const HEADER_RULE = 'it must be one non-empty line without "#"';

type Row = [label: string, schema: NodeGeneratorSchema, expected: Omit<ExpectedProblem, 'file'> & { file?: string }];

/** Generator options that must be rejected before any file is written. */
const ROWS: Row[] = [
  ['name with a semicolon', { name: 'cam;rm -rf ~' }, { field: 'name', message: 'invalid node name "cam;rm -rf ~"', fix: NAME_FIX }],
  ['name with a command substitution', { name: '$(touch /tmp/pwned)' }, { field: 'name', message: 'invalid node name "$(touch /tmp/pwned)"', fix: NAME_FIX }],
  ['name with backticks', { name: '`id`' }, { field: 'name', message: 'invalid node name "`id`"', fix: NAME_FIX }],
  ['name with a space', { name: 'my node' }, { field: 'name', message: 'invalid node name "my node"', fix: NAME_FIX }],
  ['name with a line break', { name: 'cam\nevil' }, { field: 'name', message: 'invalid node name "cam\nevil"', fix: NAME_FIX }],
  ['name with quotes', { name: `ca"m'` }, { field: 'name', message: 'invalid node name', fix: NAME_FIX }],
  ['name with a path', { name: '../cam' }, { field: 'name', message: 'invalid node name "../cam"', fix: NAME_FIX }],
  ['name starting with a digit', { name: '1cam' }, { field: 'name', message: 'invalid node name "1cam"', fix: NAME_FIX }],
  ['empty name', { name: '' }, { field: 'name', message: 'invalid node name ""', fix: NAME_FIX }],
  ['hyphen in a uv node name', { name: 'my-cam', toolchain: 'uv' }, { field: 'name', message: 'a Python module name cannot contain "-"', fix: 'use "my_cam" instead' }],
  ['node/v1 tag with a dot', { name: 'cam', format: 'node/v1', tag: '1.0' }, { field: 'tag', message: 'invalid tag "1.0" for the node/v1 format', fix: 'current PeppyOS rejects dots' }],
  ['tag with a path', { name: 'cam', format: 'node/v1', tag: 'v1/../../x' }, { field: 'tag', message: 'invalid tag "v1/../../x"', fix: 'for example "v1"' }],
  ['legacy tag with a slash', { name: 'cam', tag: '0.1/x' }, { field: 'tag', message: 'invalid tag "0.1/x" for the schema_version-1 format', fix: 'for example "0.1.0"' }],
  ['base image with a line break', { name: 'cam', container: true, baseImage: 'ubuntu\n%post\n    rm -rf /' }, { field: 'baseImage', message: HEADER_RULE, fix: 'use an image reference' }],
  ['base image with a comment', { name: 'cam', container: true, baseImage: 'ubuntu # latest' }, { field: 'baseImage', message: HEADER_RULE, fix: 'use an image reference' }],
  ['base image with a carriage return', { name: 'cam', container: true, baseImage: 'ubuntu:24.04\r' }, { field: 'baseImage', message: HEADER_RULE, fix: 'use an image reference' }],
  ['empty base image', { name: 'cam', container: true, baseImage: ' ' }, { field: 'baseImage', message: HEADER_RULE, fix: 'use an image reference' }],
  ['bootstrap with a line break', { name: 'cam', container: true, bootstrap: 'docker\nFrom: evil' }, { field: 'bootstrap', message: HEADER_RULE, fix: 'use an agent such as docker' }],
  // The generator writes the folder as given; Nx's tree writes a path that
  // leaves the workspace root outside it when the changes are flushed.
  ['folder above the workspace', { name: 'cam', directory: '../evil' }, { field: 'directory', message: /directory|outside the workspace/, fix: /folder|directory/ }],
  ['folder that climbs out', { name: 'cam', directory: 'nodes/../../evil' }, { field: 'directory', message: /directory|outside the workspace/, fix: /folder|directory/ }],
  ['absolute folder', { name: 'cam', directory: '/tmp/evil' }, { field: 'directory', message: /directory|outside the workspace|absolute/, fix: /folder|directory/ }],
];

describe('node generator with bad options', () => {
  let tree: Tree;

  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace({ formatter: 'none' });
    jest.spyOn(logger, 'info').mockImplementation(() => undefined);
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  it.each(ROWS)('%s', async (_label, schema, expected) => {
    const before = tree.listChanges().length;

    const error = await captureProblemsAsync(() => nodeGenerator(tree, { skipFormat: true, ...schema }));

    expectProblem(error.problems, { file: SOURCE, ...expected });
    expect(tree.listChanges().length).toBe(before);
  });

  it('folder with shell characters is written literally', async () => {
    await nodeGenerator(tree, { name: 'cam', directory: 'nodes/a;$(id) `x` b', skipFormat: true });

    expect(tree.exists('nodes/a;$(id) `x` b/peppy.json5')).toBe(true);
  });

  it('existing non-empty folder is kept', async () => {
    tree.write('nodes/cam/notes.md', 'keep');

    const error = await captureProblemsAsync(() => nodeGenerator(tree, { name: 'cam', directory: 'nodes/cam', skipFormat: true }));

    expectProblem(error.problems, { file: 'nodes/cam', message: 'the folder already exists and is not empty', fix: 'choose another --directory' });
    expect(tree.read('nodes/cam/notes.md', 'utf-8')).toBe('keep');
  });

  it('existing file in place of the folder is kept', async () => {
    tree.write('nodes/cam', 'a file');

    const error = await captureProblemsAsync(() => nodeGenerator(tree, { name: 'cam', directory: 'nodes/cam', skipFormat: true }));

    expectProblem(error.problems, { file: 'nodes/cam', message: 'the folder already exists', fix: 'remove the folder first' });
    expect(tree.read('nodes/cam', 'utf-8')).toBe('a file');
  });
});
