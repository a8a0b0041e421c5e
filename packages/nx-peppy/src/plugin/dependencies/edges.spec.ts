import { logger, type CreateDependenciesContext } from '@nx/devkit';

import { DependencyEdges } from './edges';
import { WarningLog } from './warnings';

const context: CreateDependenciesContext = {
  projects: { app: { root: 'nodes/app' }, base: { root: 'nodes/base' }, lib: { root: 'libs/lib' } },
  fileMap: {
    projectFileMap: {
      app: [
        { file: 'nodes/app/apptainer.def', hash: '1' },
        { file: 'nodes/app/pyproject.toml', hash: '2' },
      ],
      base: [],
      lib: [],
    },
    nonProjectFiles: [],
  },
  filesToProcess: { projectFileMap: {}, nonProjectFiles: [] },
  externalNodes: {},
  nxJsonConfiguration: {},
  workspaceRoot: '/work/robot',
};

let warn: jest.SpyInstance;

beforeEach(() => {
  warn = jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
});

afterEach(() => {
  jest.restoreAllMocks();
});

describe('DependencyEdges', () => {
  it('drops self edges and duplicates, and sorts', () => {
    const edges = new DependencyEdges();
    edges.add('app', 'lib', 'nodes/app/pyproject.toml');
    edges.add('app', 'base', 'nodes/app/apptainer.def');
    edges.add('app', 'app', 'nodes/app/apptainer.def');
    edges.add('app', 'base', 'nodes/app/apptainer.def');

    expect(edges.validated(context, new WarningLog())).toEqual([
      { source: 'app', target: 'base', sourceFile: 'nodes/app/apptainer.def', type: 'static' },
      { source: 'app', target: 'lib', sourceFile: 'nodes/app/pyproject.toml', type: 'static' },
    ]);
    expect(warn).not.toHaveBeenCalled();
  });

  it('drops an edge to a project not in the graph', () => {
    const edges = new DependencyEdges();
    edges.add('app', 'ghost', 'nodes/app/apptainer.def');

    expect(edges.validated(context, new WarningLog())).toEqual([]);
    expect(warn.mock.calls).toEqual([['nx-peppy: nodes/app/apptainer.def: the dependency of app on ghost is left out: ghost is not in the project graph.']]);
  });

  it('drops an edge whose source file is not a project file', () => {
    const edges = new DependencyEdges();
    edges.add('base', 'lib', 'nodes/base/Cargo.toml');

    expect(edges.validated(context, new WarningLog())).toEqual([]);
    expect(warn.mock.calls).toEqual([
      ['nx-peppy: nodes/base/Cargo.toml: the dependency of base on lib is left out: Source file "nodes/base/Cargo.toml" does not exist in the workspace.'],
    ]);
  });
});
