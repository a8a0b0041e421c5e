import { logger, readNxJson, updateNxJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';

import { NxPeppyError } from '../../errors';
import { parseNodeManifest, type NodeManifest } from '../../manifest';
import { nodeGenerator } from './generator';
import type { NodeGeneratorSchema, Toolchain } from './schema';

type Format = NonNullable<NodeGeneratorSchema['format']>;

function emptyWorkspace(): Tree {
  return createTreeWithEmptyWorkspace({ formatter: 'none' });
}

/** Lists all files under `folder`, relative to it and sorted. */
function filesUnder(tree: Tree, folder: string): string[] {
  const found: string[] = [];
  const visit = (relative: string) => {
    const path = relative === '' ? folder : `${folder}/${relative}`;
    if (tree.isFile(path)) {
      found.push(relative);
      return;
    }
    for (const child of tree.children(path)) visit(relative === '' ? child : `${relative}/${child}`);
  };
  visit('');
  return found.sort();
}

function read(tree: Tree, path: string): string {
  const text = tree.read(path, 'utf-8');
  if (text === null) throw new Error(`${path} was not written`);
  return text;
}

function readManifest(tree: Tree, folder: string): NodeManifest {
  const file = `${folder}/peppy.json5`;
  return parseNodeManifest(read(tree, file), file);
}

/** Runs the generator and returns the NxPeppyError raised. Fails the test when nothing or another error is raised. */
async function generatorFailure(tree: Tree, schema: NodeGeneratorSchema): Promise<NxPeppyError> {
  try {
    await nodeGenerator(tree, schema);
  } catch (error) {
    if (error instanceof NxPeppyError) return error;
    throw error;
  }
  throw new Error(`nodeGenerator accepted ${JSON.stringify(schema)}`);
}

beforeEach(() => {
  jest.spyOn(logger, 'info').mockImplementation(() => undefined);
});

afterEach(() => {
  jest.restoreAllMocks();
});

const UV_FILES = ['.gitignore', 'peppy.json5', 'pyproject.toml', 'src/my_node/__init__.py', 'src/my_node/__main__.py'];
const CARGO_FILES = ['.gitignore', 'Cargo.toml', 'peppy.json5', 'src/main.rs'];

const COMMANDS: Record<Toolchain, { build: string[]; run: string[]; language: string }> = {
  uv: { build: ['uv', 'sync', '--no-editable'], run: ['./.venv/bin/python', '-m', 'my_node'], language: 'python' },
  cargo: { build: ['cargo', 'build', '--release'], run: ['./target/release/my_node'], language: 'rust' },
};

const DEFAULT_TAGS: Record<Format, string> = { 'schema_version-1': '0.1.0', 'node/v1': 'v1' };

const combinations: { toolchain: Toolchain; container: boolean; format: Format }[] = [];
for (const toolchain of ['uv', 'cargo'] as const) {
  for (const container of [false, true]) {
    for (const format of ['schema_version-1', 'node/v1'] as const) combinations.push({ toolchain, container, format });
  }
}

describe('nodeGenerator toolchain × kind × format', () => {
  it.each(combinations)('$toolchain, container $container, $format: files written', async ({ toolchain, container, format }) => {
    const tree = emptyWorkspace();
    await nodeGenerator(tree, { name: 'my_node', toolchain, container, format });

    const expected = [...(toolchain === 'uv' ? UV_FILES : CARGO_FILES), ...(container ? ['apptainer.def'] : [])].sort();
    expect(filesUnder(tree, 'my_node')).toEqual(expected);
  });

  it.each(combinations)('$toolchain, container $container, $format: manifest', async ({ toolchain, container, format }) => {
    const tree = emptyWorkspace();
    await nodeGenerator(tree, { name: 'my_node', toolchain, container, format });

    const manifest = readManifest(tree, 'my_node');
    expect(manifest.format).toBe(format);
    expect(manifest.name).toBe('my_node');
    expect(manifest.tag).toBe(DEFAULT_TAGS[format]);
    expect(manifest.language).toBe(COMMANDS[toolchain].language);
    if (container) {
      expect(manifest.execution).toEqual({
        kind: 'container',
        defFile: 'apptainer.def',
        mountPaths: [],
        buildExtraArgs: [],
        runExtraArgs: [],
        limaShellExtraArgs: [],
      });
    } else {
      expect(manifest.execution).toEqual({ kind: 'process', buildCommand: COMMANDS[toolchain].build, runCommand: COMMANDS[toolchain].run });
    }
  });
});

describe('nodeGenerator manifest text', () => {
  it('schema_version 1 uses process.add_cmd and start_cmd', async () => {
    const tree = emptyWorkspace();
    await nodeGenerator(tree, { name: 'my_node' });
    const text = read(tree, 'my_node/peppy.json5');

    expect(text).toContain('schema_version: 1');
    expect(text).toContain('add_cmd: ["uv", "sync", "--no-editable"]');
    expect(text).toContain('start_cmd: ["./.venv/bin/python", "-m", "my_node"]');
  });

  it('node/v1 uses execution.build_cmd and run_cmd', async () => {
    const tree = emptyWorkspace();
    await nodeGenerator(tree, { name: 'my_node', toolchain: 'cargo', format: 'node/v1' });
    const text = read(tree, 'my_node/peppy.json5');

    expect(text).toContain('peppy_schema: "node/v1"');
    expect(text).toContain('build_cmd: ["cargo", "build", "--release"]');
    expect(text).toContain('run_cmd: ["./target/release/my_node"]');
  });

  it('container manifest has no commands', async () => {
    const tree = emptyWorkspace();
    await nodeGenerator(tree, { name: 'my_node', container: true, format: 'node/v1' });
    const text = read(tree, 'my_node/peppy.json5');

    expect(text).toContain('def_file: "apptainer.def"');
    expect(text).not.toContain('_cmd');
  });

  it.each(['schema_version-1', 'node/v1'] as const)('--tag sets the tag (%s)', async (format) => {
    const tree = emptyWorkspace();
    await nodeGenerator(tree, { name: 'my_node', format, tag: 'beta2' });

    expect(readManifest(tree, 'my_node').tag).toBe('beta2');
  });
});

describe('nodeGenerator tags', () => {
  it('schema_version 1 accepts a dotted tag', async () => {
    const tree = emptyWorkspace();
    await nodeGenerator(tree, { name: 'my_node', tag: '1.2.3' });

    expect(readManifest(tree, 'my_node').tag).toBe('1.2.3');
  });

  // Current PeppyOS rejects node/v1 tags outside ^[A-Za-z][A-Za-z0-9_-]*$ at build time
  // (fixtures/corpus/README.md), so the generator must not write one.
  it('node/v1 rejects a dotted tag', async () => {
    const tree = emptyWorkspace();
    const error = await generatorFailure(tree, { name: 'my_node', format: 'node/v1', tag: '0.1.0' });

    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatchObject({ file: 'nx g nx-peppy:node', field: 'tag' });
    expect(error.problems[0].message).toContain('"0.1.0"');
    expect(error.problems[0].fix.length).toBeGreaterThan(0);
    expect(tree.exists('my_node')).toBe(false);
  });
});

describe('nodeGenerator uv skeleton', () => {
  let tree: Tree;

  beforeEach(async () => {
    tree = emptyWorkspace();
    await nodeGenerator(tree, { name: 'my_node' });
  });

  it('.gitignore', () => {
    const lines = read(tree, 'my_node/.gitignore').split('\n');

    expect(lines).toContain('.venv/');
    expect(lines).toContain('__pycache__/');
    expect(lines).toContain('*.sif');
    expect(lines).not.toContain('target/');
  });

  it('pyproject.toml', () => {
    const text = read(tree, 'my_node/pyproject.toml');

    expect(text).toContain('name = "my_node"');
    expect(text).toContain('my_node = "my_node.__main__:main"');
    expect(text).toContain('packages = ["src/my_node"]');
  });

  it('__init__.py', () => {
    expect(read(tree, 'my_node/src/my_node/__init__.py')).toContain('The PeppyOS node my_node');
  });

  it('__main__.py reads PEPPY_RUNTIME_CONFIG', () => {
    const text = read(tree, 'my_node/src/my_node/__main__.py');

    expect(text).toContain('os.environ.get("PEPPY_RUNTIME_CONFIG")');
    expect(text).toContain('logging.getLogger("my_node")');
    expect(text).toContain('def main() -> int:');
    expect(text).not.toContain('<%');
  });
});

describe('nodeGenerator cargo skeleton', () => {
  let tree: Tree;

  beforeEach(async () => {
    tree = emptyWorkspace();
    await nodeGenerator(tree, { name: 'my_node', toolchain: 'cargo' });
  });

  it('.gitignore', () => {
    const lines = read(tree, 'my_node/.gitignore').split('\n');

    expect(lines).toContain('target/');
    expect(lines).toContain('*.sif');
    expect(lines).not.toContain('.venv/');
  });

  it('Cargo.toml', () => {
    const text = read(tree, 'my_node/Cargo.toml');

    expect(text).toContain('[package]');
    expect(text).toContain('name = "my_node"');
    expect(text).toContain('edition = "2021"');
  });

  it('src/main.rs reads PEPPY_RUNTIME_CONFIG', () => {
    const text = read(tree, 'my_node/src/main.rs');

    expect(text).toContain('fn main() -> ExitCode');
    expect(text).toContain('env::var_os("PEPPY_RUNTIME_CONFIG")');
    expect(text).toContain('my_node started');
    expect(text).not.toContain('<%');
  });
});

describe('nodeGenerator definition file', () => {
  async function defFile(schema: Partial<NodeGeneratorSchema> = {}): Promise<string[]> {
    const tree = emptyWorkspace();
    await nodeGenerator(tree, { name: 'my_node', container: true, ...schema });
    return read(tree, 'my_node/apptainer.def').split('\n');
  }

  /** Lines of the `%name` section, up to the next section header. */
  function section(lines: string[], name: string): string[] {
    const start = lines.indexOf(`%${name}`);
    if (start < 0) throw new Error(`no %${name} section`);
    const rest = lines.slice(start + 1);
    const end = rest.findIndex((line) => line.startsWith('%'));
    return (end < 0 ? rest : rest.slice(0, end)).map((line) => line.trim()).filter((line) => line !== '');
  }

  it('header defaults', async () => {
    const lines = await defFile();

    expect(lines[0]).toBe('Bootstrap: docker');
    expect(lines[1]).toBe('From: ubuntu:24.04');
  });

  it('%labels Name and Version', async () => {
    const lines = await defFile();

    expect(section(lines, 'labels')).toEqual(['Name my_node', 'Version 0.1.0']);
  });

  it('%labels Version follows --tag', async () => {
    expect(section(await defFile({ tag: 'v7' }), 'labels')).toContain('Version v7');
  });

  it('%labels Version with node/v1 default tag', async () => {
    expect(section(await defFile({ format: 'node/v1' }), 'labels')).toContain('Version v1');
  });

  it('uv: %environment PATH', async () => {
    const environment = section(await defFile(), 'environment');

    expect(environment).toEqual(['export PATH="/opt/my_node/.venv/bin:/opt/uv/bin:$PATH"']);
  });

  it('cargo: %environment PATH', async () => {
    const environment = section(await defFile({ toolchain: 'cargo' }), 'environment');

    expect(environment).toEqual(['export PATH="/opt/cargo/bin:$PATH"']);
  });

  it.each(['uv', 'cargo'] as const)('%s: %%files copies the node folder', async (toolchain) => {
    expect(section(await defFile({ toolchain }), 'files')).toEqual(['. /opt/my_node']);
  });

  it('uv: %post runs uv sync', async () => {
    const post = section(await defFile(), 'post');

    expect(post[0]).toBe('set -eux');
    expect(post).toContain('cd /opt/my_node');
    expect(post).toContain('uv sync --no-editable');
    expect(post).not.toContain('cargo build --release');
  });

  it('cargo: %post runs cargo build', async () => {
    const post = section(await defFile({ toolchain: 'cargo' }), 'post');

    expect(post[0]).toBe('set -eux');
    expect(post).toContain('cd /opt/my_node');
    expect(post).toContain('cargo build --release');
    expect(post).not.toContain('uv sync --no-editable');
  });

  it('uv: %runscript', async () => {
    expect(section(await defFile(), 'runscript')).toEqual(['cd /opt/my_node', 'exec ./.venv/bin/python -m my_node "$@"']);
  });

  it('cargo: %runscript', async () => {
    expect(section(await defFile({ toolchain: 'cargo' }), 'runscript')).toEqual(['cd /opt/my_node', 'exec ./target/release/my_node "$@"']);
  });

  it('sections in order', async () => {
    const headers = (await defFile()).filter((line) => line.startsWith('%'));

    expect(headers).toEqual(['%labels', '%environment', '%files', '%post', '%runscript']);
  });

  it('no template markers left', async () => {
    expect((await defFile()).join('\n')).not.toMatch(/<%|%>/);
  });

  it('--baseImage changes From', async () => {
    const lines = await defFile({ baseImage: 'debian:12-slim' });

    expect(lines[0]).toBe('Bootstrap: docker');
    expect(lines[1]).toBe('From: debian:12-slim');
  });

  it('--bootstrap and --baseImage for a local image', async () => {
    const lines = await defFile({ bootstrap: 'localimage', baseImage: 'images/base.sif' });

    expect(lines[0]).toBe('Bootstrap: localimage');
    expect(lines[1]).toBe('From: images/base.sif');
  });
});

describe('nodeGenerator --directory', () => {
  it('writes into the folder given', async () => {
    const tree = emptyWorkspace();
    await nodeGenerator(tree, { name: 'my_node', directory: 'robots/arm/my_node', container: true });

    expect(filesUnder(tree, 'robots/arm/my_node')).toEqual([...UV_FILES, 'apptainer.def'].sort());
    expect(tree.exists('my_node')).toBe(false);
  });

  it('module folder still follows the name', async () => {
    const tree = emptyWorkspace();
    await nodeGenerator(tree, { name: 'my_node', directory: 'nodes/arm' });

    expect(tree.exists('nodes/arm/src/my_node/__main__.py')).toBe(true);
    expect(readManifest(tree, 'nodes/arm').name).toBe('my_node');
  });
});

describe('nodeGenerator names', () => {
  it.each([
    ['a leading digit', '1node'],
    ['a space', 'my node'],
    ['a dot', 'my.node'],
    ['a leading hyphen', '-node'],
  ])('rejects %s', async (_label, name) => {
    const tree = emptyWorkspace();
    const error = await generatorFailure(tree, { name, toolchain: 'cargo' });

    expect(error.problems).toEqual([
      {
        file: 'nx g nx-peppy:node',
        field: 'name',
        message: `invalid node name "${name}"`,
        fix: expect.stringContaining('start the name with a letter'),
      },
    ]);
    expect(error.message).toContain(`nx g nx-peppy:node: name: invalid node name "${name}"`);
    expect(error.message).toContain('Fix: start the name with a letter and use only letters, digits, "_" and "-"');
    expect(tree.exists(name)).toBe(false);
  });

  it('rejects a hyphen with uv and suggests the underscore form', async () => {
    const tree = emptyWorkspace();
    const error = await generatorFailure(tree, { name: 'my-node-2' });

    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatchObject({ file: 'nx g nx-peppy:node', field: 'name', fix: 'use "my_node_2" instead' });
    expect(error.problems[0].message).toContain('Python module name cannot contain "-"');
    expect(error.message).toContain('nx g nx-peppy:node: name: invalid name "my-node-2" for a uv node');
    expect(error.message).toContain('Fix: use "my_node_2" instead');
    expect(tree.exists('my-node-2')).toBe(false);
  });

  it('accepts a hyphen with cargo', async () => {
    const tree = emptyWorkspace();
    await nodeGenerator(tree, { name: 'my-node', toolchain: 'cargo' });
    const manifest = readManifest(tree, 'my-node');

    expect(manifest.name).toBe('my-node');
    expect(manifest.execution).toEqual({ kind: 'process', buildCommand: ['cargo', 'build', '--release'], runCommand: ['./target/release/my-node'] });
    expect(read(tree, 'my-node/Cargo.toml')).toContain('name = "my-node"');
  });

  it('accepts a hyphen with cargo in a container', async () => {
    const tree = emptyWorkspace();
    await nodeGenerator(tree, { name: 'my-node', toolchain: 'cargo', container: true });

    expect(read(tree, 'my-node/apptainer.def')).toContain('exec ./target/release/my-node "$@"');
  });
});

describe('nodeGenerator existing folder', () => {
  it('rejects a non-empty folder and leaves it unchanged', async () => {
    const tree = emptyWorkspace();
    tree.write('my_node/notes.txt', 'keep me');
    const nxJsonBefore = read(tree, 'nx.json');

    const error = await generatorFailure(tree, { name: 'my_node' });

    expect(error.problems).toEqual([expect.objectContaining({ file: 'my_node' })]);
    expect(error.problems[0].message).toContain('already exists and is not empty');
    expect(error.problems[0].fix).toContain('choose another --directory or node name, or remove the folder first');
    expect(error.message).toContain('my_node: the folder already exists and is not empty');
    expect(filesUnder(tree, 'my_node')).toEqual(['notes.txt']);
    expect(read(tree, 'my_node/notes.txt')).toBe('keep me');
    expect(read(tree, 'nx.json')).toBe(nxJsonBefore);
  });

  it('rejects a file at the target path', async () => {
    const tree = emptyWorkspace();
    tree.write('robots/my_node', 'a file');

    const error = await generatorFailure(tree, { name: 'my_node', directory: 'robots/my_node' });

    expect(error.problems[0].file).toBe('robots/my_node');
    expect(error.message).toContain('Fix: choose another --directory');
    expect(read(tree, 'robots/my_node')).toBe('a file');
  });

  it('rejects a second run with the same name', async () => {
    const tree = emptyWorkspace();
    await nodeGenerator(tree, { name: 'my_node', toolchain: 'cargo' });
    const before = read(tree, 'my_node/peppy.json5');

    await expect(nodeGenerator(tree, { name: 'my_node', container: true })).rejects.toThrow(NxPeppyError);
    expect(read(tree, 'my_node/peppy.json5')).toBe(before);
    expect(tree.exists('my_node/apptainer.def')).toBe(false);
  });
});

describe('nodeGenerator plugin registration', () => {
  const pluginEntries = (tree: Tree) =>
    (readNxJson(tree)?.plugins ?? []).filter((entry) => (typeof entry === 'string' ? entry : entry.plugin) === 'nx-peppy');

  it('registers nx-peppy once over two runs', async () => {
    const tree = emptyWorkspace();
    await nodeGenerator(tree, { name: 'first' });
    await nodeGenerator(tree, { name: 'second', toolchain: 'cargo' });

    expect(pluginEntries(tree)).toEqual(['nx-peppy']);
  });

  it('keeps an existing entry with options', async () => {
    const tree = emptyWorkspace();
    const nxJson = readNxJson(tree) ?? {};
    updateNxJson(tree, { ...nxJson, plugins: [{ plugin: 'nx-peppy', options: { buildTargetName: 'image' } }] });

    await nodeGenerator(tree, { name: 'my_node' });

    expect(pluginEntries(tree)).toEqual([{ plugin: 'nx-peppy', options: { buildTargetName: 'image' } }]);
  });

  it('adds image lines to the workspace .gitignore', async () => {
    const tree = emptyWorkspace();
    await nodeGenerator(tree, { name: 'my_node' });
    const lines = read(tree, '.gitignore').split('\n');

    expect(lines).toContain('/dist/');
    expect(lines).toContain('*.sif');
  });
});
