import { appendFileSync, rmSync, symlinkSync } from 'node:fs';

import { TestWorkspace } from '../support/workspace';

const NODES = ['arm', 'base', 'camera', 'configured', 'legacy_arm', 'py_planner', 'recorder', 'rs_driver'];
const LIBRARIES = ['pylib', 'rustlib', 'shared-config'];

/** Edges the plugin must add, as `source -> target`. */
const EXPECTED_EDGES = [
  'arm -> base',
  'camera -> base',
  'configured -> base',
  'configured -> shared-config',
  'legacy_arm -> base',
  'py_planner -> pylib',
  'rs_driver -> rustlib',
];

interface GraphFile {
  graph: { dependencies: Record<string, { source: string; target: string; type: string }[]> };
}

function sorted(values: Iterable<string>): string[] {
  return [...values].sort();
}

describe('monorepo of nodes', () => {
  const workspace = new TestWorkspace('nx-peppy-monorepo-');

  beforeAll(() => {
    workspace.copyFixture('monorepo').installWithNxAdd();
    workspace.commitAll();
  });

  afterAll(() => workspace.remove());

  function listJson(args: string[]): string[] {
    const result = workspace.nx(args);
    if (result.status !== 0) throw new Error(`nx ${args.join(' ')} failed:\n${result.output}`);
    return JSON.parse(result.output.slice(result.output.indexOf('['))) as string[];
  }

  function affectedBuilds(): string[] {
    return sorted(listJson(['show', 'projects', '--affected', '--base=HEAD', '-t', 'build', '--json']));
  }

  /** Applies an edit, reads the affected set, then restores the committed tree. */
  function affectedAfter(edit: () => void): string[] {
    edit();
    try {
      return affectedBuilds();
    } finally {
      workspace.run('git', ['checkout', '--', '.']);
      workspace.run('git', ['clean', '-fdq', '--', 'nodes', 'libs', 'shared']);
    }
  }

  it('nx add registers the plugin', () => {
    expect(JSON.parse(workspace.read('nx.json')).plugins).toContain('nx-peppy');
    expect(workspace.read('.gitignore')).toMatch(/^\/dist\/$/m);
  });

  it('show projects lists every node', () => {
    expect(sorted(listJson(['show', 'projects', '--json']))).toEqual(sorted([...NODES, ...LIBRARIES]));
  });

  it('graph has exactly the expected edges', () => {
    const result = workspace.nx(['graph', '--file=graph.json']);
    expect(result.status).toBe(0);

    const graph = JSON.parse(workspace.read('graph.json')) as GraphFile;
    const edges = Object.values(graph.graph.dependencies)
      .flat()
      .filter((edge) => !edge.target.startsWith('npm:'))
      .map((edge) => `${edge.source} -> ${edge.target}`);
    expect(sorted(edges)).toEqual(EXPECTED_EDGES);
  });

  it('base definition edit affects base and its dependents', () => {
    const affected = affectedAfter(() => appendFileSync(workspace.path('nodes/base/apptainer.def'), '\n%help\n    Base image.\n'));
    expect(affected).toEqual(['arm', 'base', 'camera', 'configured', 'legacy_arm']);
  });

  it('library source edit affects its user', () => {
    const affected = affectedAfter(() => appendFileSync(workspace.path('libs/pylib/src/pylib/__init__.py'), 'OTHER = 2\n'));
    expect(affected).toEqual(['py_planner']);
  });

  it('cargo library edit affects its user', () => {
    const affected = affectedAfter(() => appendFileSync(workspace.path('libs/rustlib/src/lib.rs'), 'pub const OTHER: u32 = 2;\n'));
    expect(affected).toEqual(['rs_driver']);
  });

  it('shared file edit affects the node copying it', () => {
    const affected = affectedAfter(() => appendFileSync(workspace.path('shared/config/settings.yaml'), 'gain: 2\n'));
    expect(affected).toEqual(['configured']);
  });

  it('leaf node edit affects only that node', () => {
    const affected = affectedAfter(() => appendFileSync(workspace.path('nodes/camera/src/main.txt'), 'more\n'));
    expect(affected).toEqual(['camera']);
  });

  it('README edit affects nothing', () => {
    const affected = affectedAfter(() => appendFileSync(workspace.path('README.md'), 'More text.\n'));
    expect(affected).toEqual([]);
  });

  it('library edit affects a node that copies a symlink to it', () => {
    const definition = workspace.read('nodes/camera/apptainer.def');
    symlinkSync('../../libs/pylib/src/pylib/__init__.py', workspace.path('nodes/camera/pylib_init.py'));
    workspace.write('nodes/camera/apptainer.def', definition.replace('%files\n', '%files\n    pylib_init.py /opt/camera/pylib_init.py\n'));
    workspace.commitAll('copy a symlinked library file into camera');
    try {
      const affected = affectedAfter(() => appendFileSync(workspace.path('libs/pylib/src/pylib/__init__.py'), 'THIRD = 3\n'));

      expect(affected).toEqual(['camera', 'py_planner']);
    } finally {
      rmSync(workspace.path('nodes/camera/pylib_init.py'));
      workspace.write('nodes/camera/apptainer.def', definition);
      workspace.commitAll('remove the link');
    }
  });

  it('library edit leaves out a node whose symlink it does not copy', () => {
    symlinkSync('../../libs/pylib/src/pylib/__init__.py', workspace.path('nodes/camera/pylib_init.py'));
    workspace.commitAll('link a library file into camera');
    try {
      const affected = affectedAfter(() => appendFileSync(workspace.path('libs/pylib/src/pylib/__init__.py'), 'THIRD = 3\n'));

      expect(affected).toEqual(['py_planner']);
    } finally {
      rmSync(workspace.path('nodes/camera/pylib_init.py'));
      workspace.commitAll('remove the link');
    }
  });

  it('run-many builds bases before dependents', () => {
    const result = workspace.nx(['run-many', '-t', 'build', '--output-style=static', '--parallel=1']);
    expect(result.status).toBe(0);

    const order = [...result.output.matchAll(/nx run (\w+):build/g)].map((match) => match[1]);
    for (const dependent of ['camera', 'arm', 'legacy_arm', 'configured']) {
      expect(order.indexOf('base')).toBeLessThan(order.indexOf(dependent));
    }
  });

  it('unchanged workspace is all cache hits', () => {
    const result = workspace.nx(['run-many', '-t', 'build', '--output-style=static', '--projects=base,camera,arm,legacy_arm,configured']);
    expect(result.status).toBe(0);
    expect(result.output).toMatch(/Nx read the output from the cache instead of running the command for 5 out of 5 tasks/);
  });

  it('base change rebuilds its dependents', () => {
    appendFileSync(workspace.path('nodes/base/apptainer.def'), '\n%help\n    Base image, second version.\n');
    const result = workspace.nx(['run-many', '-t', 'build', '--output-style=static', '--projects=base,camera,arm,legacy_arm,configured']);
    expect(result.status).toBe(0);

    for (const project of ['base', 'camera', 'arm', 'legacy_arm', 'configured']) {
      expect(result.output).toContain(`Wrote dist/nodes/${project}/${project}_${project === 'legacy_arm' ? '0.1.0' : 'v1'}.sif`);
    }
    expect(result.output).not.toMatch(/local cache/);
  });
});
