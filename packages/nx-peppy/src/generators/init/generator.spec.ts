import { readNxJson, updateNxJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';

import { initGenerator, isPluginRegistered } from './generator';

type PluginEntry = NonNullable<ReturnType<typeof readNxJson>>['plugins'] extends (infer Entry)[] | undefined ? Entry : never;

function emptyWorkspace(): Tree {
  return createTreeWithEmptyWorkspace({ formatter: 'none' });
}

function setPlugins(tree: Tree, plugins: PluginEntry[]): void {
  updateNxJson(tree, { ...(readNxJson(tree) ?? {}), plugins });
}

function gitignore(tree: Tree): string {
  return tree.read('.gitignore', 'utf-8') ?? '';
}

describe('initGenerator nx.json', () => {
  it('registers nx-peppy', async () => {
    const tree = emptyWorkspace();
    await initGenerator(tree, {});

    expect(readNxJson(tree)?.plugins).toEqual(['nx-peppy']);
  });

  it('keeps the other nx.json settings', async () => {
    const tree = emptyWorkspace();
    await initGenerator(tree, {});

    expect(readNxJson(tree)?.targetDefaults?.build).toEqual({ cache: true });
  });

  it('appends to other plugins', async () => {
    const tree = emptyWorkspace();
    setPlugins(tree, ['@nx/js', { plugin: '@nx/jest/plugin', options: { targetName: 'test' } }]);

    await initGenerator(tree, {});

    expect(readNxJson(tree)?.plugins).toEqual(['@nx/js', { plugin: '@nx/jest/plugin', options: { targetName: 'test' } }, 'nx-peppy']);
  });

  it('idempotent over two runs', async () => {
    const tree = emptyWorkspace();
    await initGenerator(tree, {});
    await initGenerator(tree, {});

    expect(readNxJson(tree)?.plugins).toEqual(['nx-peppy']);
  });

  it('idempotent when present as a string', async () => {
    const tree = emptyWorkspace();
    setPlugins(tree, ['@nx/js', 'nx-peppy']);

    await initGenerator(tree, {});

    expect(readNxJson(tree)?.plugins).toEqual(['@nx/js', 'nx-peppy']);
  });

  it('idempotent when present as an object; options kept', async () => {
    const tree = emptyWorkspace();
    const entry = { plugin: 'nx-peppy', options: { buildTargetName: 'image', serveTargetName: 'start' } };
    setPlugins(tree, [entry]);

    await initGenerator(tree, {});

    expect(readNxJson(tree)?.plugins).toEqual([entry]);
  });

  // updateNxJson from @nx/devkit 24 writes nothing when nx.json is absent.
  it('creates nx.json when missing', async () => {
    const tree = emptyWorkspace();
    tree.delete('nx.json');

    await initGenerator(tree, {});

    expect(readNxJson(tree)?.plugins).toEqual(['nx-peppy']);
  });

  it('options argument is optional', async () => {
    const tree = emptyWorkspace();
    await initGenerator(tree);

    expect(isPluginRegistered(tree)).toBe(true);
  });
});

describe('isPluginRegistered', () => {
  it('false in an empty workspace', () => {
    expect(isPluginRegistered(emptyWorkspace())).toBe(false);
  });

  it('true for a string entry', () => {
    const tree = emptyWorkspace();
    setPlugins(tree, ['nx-peppy']);

    expect(isPluginRegistered(tree)).toBe(true);
  });

  it('true for an object entry', () => {
    const tree = emptyWorkspace();
    setPlugins(tree, [{ plugin: 'nx-peppy', options: {} }]);

    expect(isPluginRegistered(tree)).toBe(true);
  });

  it('false for a plugin with a similar name', () => {
    const tree = emptyWorkspace();
    setPlugins(tree, ['nx-peppy-extra', { plugin: '@acme/nx-peppy' }]);

    expect(isPluginRegistered(tree)).toBe(false);
  });
});

describe('initGenerator .gitignore', () => {
  it('created when missing', async () => {
    const tree = emptyWorkspace();
    await initGenerator(tree, {});
    const lines = gitignore(tree).split('\n');

    expect(lines).toContain('/dist/');
    expect(lines).toContain('*.sif');
  });

  it('appended to existing lines', async () => {
    const tree = emptyWorkspace();
    tree.write('.gitignore', 'node_modules/\n.nx/\n');

    await initGenerator(tree, {});

    expect(gitignore(tree)).toBe('node_modules/\n.nx/\n\n# nx-peppy images\n/dist/\n*.sif\n');
  });

  it('file without a final newline', async () => {
    const tree = emptyWorkspace();
    tree.write('.gitignore', 'node_modules/');

    await initGenerator(tree, {});

    expect(gitignore(tree)).toBe('node_modules/\n\n# nx-peppy images\n/dist/\n*.sif\n');
  });

  it('only the missing line is added', async () => {
    const tree = emptyWorkspace();
    tree.write('.gitignore', 'dist/\n');

    await initGenerator(tree, {});

    expect(gitignore(tree)).toBe('dist/\n\n# nx-peppy images\n*.sif\n');
  });

  it('/dist/ is not added twice', async () => {
    const tree = emptyWorkspace();
    tree.write('.gitignore', '/dist/\n');

    await initGenerator(tree, {});

    expect(gitignore(tree).split('\n').filter((line) => line.includes('dist'))).toEqual(['/dist/']);
    expect(gitignore(tree).split('\n')).toContain('*.sif');
  });

  it('unchanged when both lines are present', async () => {
    const tree = emptyWorkspace();
    tree.write('.gitignore', 'node_modules\n/dist/\n*.sif\n');

    await initGenerator(tree, {});

    expect(gitignore(tree)).toBe('node_modules\n/dist/\n*.sif\n');
  });

  it('lines with CRLF endings and surrounding spaces count', async () => {
    const tree = emptyWorkspace();
    tree.write('.gitignore', '  dist/  \r\n*.sif\r\n');

    await initGenerator(tree, {});

    expect(gitignore(tree)).toBe('  dist/  \r\n*.sif\r\n');
  });

  it('idempotent over two runs', async () => {
    const tree = emptyWorkspace();
    tree.write('.gitignore', 'node_modules/\n');
    await initGenerator(tree, {});
    const once = gitignore(tree);

    await initGenerator(tree, {});

    expect(gitignore(tree)).toBe(once);
  });
});
