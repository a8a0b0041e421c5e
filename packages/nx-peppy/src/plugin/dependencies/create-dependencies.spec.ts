import fs = require('node:fs');
import { join, relative, sep } from 'node:path';

import { logger, type CreateDependenciesContext, type RawProjectGraphDependency } from '@nx/devkit';

import type { NxPeppyPluginOptions } from '../options';
import { containerManifest, processManifest, TestWorkspace, type ContextOptions } from './__fixtures__/test-workspace';
import { createDependencies } from './create-dependencies';

const DOCKER_HEADER = 'Bootstrap: docker\nFrom: ubuntu@sha256:' + 'a'.repeat(64) + '\n';

let workspace: TestWorkspace;
let warn: jest.SpyInstance;

beforeEach(() => {
  workspace = new TestWorkspace();
  warn = jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
});

afterEach(() => {
  jest.restoreAllMocks();
  workspace.remove();
});

function edge(source: string, target: string, sourceFile: string): RawProjectGraphDependency {
  return { source, target, sourceFile, type: 'static' } as RawProjectGraphDependency;
}

async function dependenciesOf(options: ContextOptions, pluginOptions?: NxPeppyPluginOptions): Promise<RawProjectGraphDependency[]> {
  return createDependencies(pluginOptions, workspace.context(options));
}

function warnings(): string[] {
  return warn.mock.calls.map((call) => String(call[0]));
}

/** Writes a container node with the given definition file text. */
function writeContainerNode(root: string, name: string, definition: string, options: Parameters<typeof containerManifest>[1] = {}): void {
  workspace.write(`${root}/peppy.json5`, containerManifest(name, options));
  workspace.write(`${root}/${options.defFile ?? 'apptainer.def'}`, definition);
}

describe('createDependencies without changes', () => {
  it('no changed file: no edges, no scanner loaded', async () => {
    writeContainerNode('nodes/base', 'base', DOCKER_HEADER);
    writeContainerNode('nodes/app', 'app', 'Bootstrap: localimage\nFrom: ../../dist/nodes/base/base_v1.sif\n');
    const context = workspace.context({ projects: { base: 'nodes/base', app: 'nodes/app' }, changed: [] });
    let scannerLoaded = false;

    let edges: unknown;
    jest.isolateModules(() => {
      jest.doMock('./scan', () => {
        scannerLoaded = true;
        return jest.requireActual('./scan');
      });
      const isolated = require('./create-dependencies') as typeof import('./create-dependencies');
      edges = isolated.createDependencies(undefined, context);
    });

    expect(await edges).toEqual([]);
    expect(scannerLoaded).toBe(false);
  });
});

describe('localimage dependencies', () => {
  it('links to the default image of another node', async () => {
    writeContainerNode('nodes/base', 'base', DOCKER_HEADER);
    writeContainerNode('nodes/app', 'app', 'Bootstrap: localimage\nFrom: ../../dist/nodes/base/base_v1.sif\n');

    const edges = await dependenciesOf({ projects: { base: 'nodes/base', app: 'nodes/app' } });

    expect(edges).toEqual([edge('app', 'base', 'nodes/app/apptainer.def')]);
    expect(warnings()).toEqual([]);
  });

  it('links to a custom outputPath given as an absolute path', async () => {
    writeContainerNode('nodes/base', 'base', DOCKER_HEADER);
    writeContainerNode('nodes/app', 'app', `Bootstrap: localimage\nFrom: ${join(workspace.root, 'images/base.sif')}\n`);
    const base = { root: 'nodes/base', targets: { build: { executor: 'nx-peppy:build', options: { outputPath: 'images/base.sif' } } } };

    const edges = await dependenciesOf({ projects: { base, app: 'nodes/app' } });

    expect(edges).toEqual([edge('app', 'base', 'nodes/app/apptainer.def')]);
    expect(warnings()).toEqual([]);
  });

  it('reads outputPath from the build target named in the plugin options', async () => {
    writeContainerNode('nodes/base', 'base', DOCKER_HEADER);
    writeContainerNode('nodes/app', 'app', 'Bootstrap: localimage\nFrom: ../../images/base.sif\n');
    const base = { root: 'nodes/base', targets: { image: { executor: 'nx-peppy:build', options: { outputPath: '{workspaceRoot}/images/base.sif' } } } };

    const edges = await dependenciesOf({ projects: { base, app: 'nodes/app' } }, { buildTargetName: 'image' });

    expect(edges).toEqual([edge('app', 'base', 'nodes/app/apptainer.def')]);
  });

  it('links every localimage stage of a multi-stage file', async () => {
    writeContainerNode('nodes/base', 'base', DOCKER_HEADER);
    writeContainerNode('nodes/tools', 'tools', DOCKER_HEADER, { tag: 'v2' });
    writeContainerNode(
      'nodes/app',
      'app',
      [
        'Bootstrap: localimage',
        'From: ../../dist/nodes/tools/tools_v2.sif',
        'Stage: build',
        '',
        'Bootstrap: localimage',
        'From: ./../../dist/nodes/base//base_v1.sif',
        'Stage: final',
        '',
        '%files from build',
        '    /opt/tool /opt/tool',
        '',
      ].join('\n'),
    );

    const edges = await dependenciesOf({ projects: { base: 'nodes/base', tools: 'nodes/tools', app: 'nodes/app' } });

    expect(edges).toEqual([edge('app', 'base', 'nodes/app/apptainer.def'), edge('app', 'tools', 'nodes/app/apptainer.def')]);
    expect(warnings()).toEqual([]);
  });

  it('templates From with the build target buildArgs', async () => {
    writeContainerNode('nodes/base', 'base', DOCKER_HEADER);
    writeContainerNode('nodes/app', 'app', 'Bootstrap: localimage\nFrom: {{ BASE }}\n');
    const app = {
      root: 'nodes/app',
      targets: { build: { executor: 'nx-peppy:build', options: { buildArgs: { BASE: '../../dist/nodes/base/base_v1.sif' } } } },
    };

    const edges = await dependenciesOf({ projects: { base: 'nodes/base', app } });

    expect(edges).toEqual([edge('app', 'base', 'nodes/app/apptainer.def')]);
    expect(warnings()).toEqual([]);
  });

  it('templates From with --build-arg from the manifest', async () => {
    writeContainerNode('nodes/base', 'base', DOCKER_HEADER);
    writeContainerNode('nodes/app', 'app', 'Bootstrap: localimage\nFrom: {{ BASE }}\n', {
      buildExtraArgs: ['--build-arg', 'BASE=../../dist/nodes/base/base_v1.sif'],
    });

    const edges = await dependenciesOf({ projects: { base: 'nodes/base', app: 'nodes/app' } });

    expect(edges).toEqual([edge('app', 'base', 'nodes/app/apptainer.def')]);
  });

  it('reads the definition file named by the build target defFile', async () => {
    writeContainerNode('nodes/base', 'base', DOCKER_HEADER);
    writeContainerNode('nodes/app', 'app', DOCKER_HEADER);
    workspace.write('nodes/app/gpu.def', 'Bootstrap: localimage\nFrom: ../../dist/nodes/base/base_v1.sif\n');
    const app = { root: 'nodes/app', targets: { build: { executor: 'nx-peppy:build', options: { defFile: 'gpu.def' } } } };

    const edges = await dependenciesOf({ projects: { base: 'nodes/base', app } });

    expect(edges).toEqual([edge('app', 'base', 'nodes/app/gpu.def')]);
  });

  it('warns about a From with an undefined build argument', async () => {
    writeContainerNode('nodes/app', 'app', 'Bootstrap: localimage\nFrom: {{ BASE }}\n');

    const edges = await dependenciesOf({ projects: { app: 'nodes/app' } });

    expect(edges).toEqual([]);
    expect(warnings()).toContain(
      'nx-peppy: nodes/app/apptainer.def: line 2: "Bootstrap: localimage" with "From: {{ BASE }}" gives no project graph edge: the path uses a build argument that has no value, so it is unknown before the build.',
    );
  });

  it('warns about an image that no node builds', async () => {
    writeContainerNode('nodes/base', 'base', DOCKER_HEADER);
    writeContainerNode('nodes/app', 'app', 'Bootstrap: localimage\nFrom: ../../images/prebuilt.sif\n');

    const edges = await dependenciesOf({ projects: { base: 'nodes/base', app: 'nodes/app' } });

    expect(edges).toEqual([]);
    expect(warnings()).toEqual([
      'nx-peppy: nodes/app/apptainer.def: line 2: "Bootstrap: localimage" with "From: ../../images/prebuilt.sif" gives no project graph edge: images/prebuilt.sif is neither the image of a node nor in an Nx project, so no build runs before this one (the image is still hashed as an input).',
    ]);
  });

  it('skips a process node', async () => {
    workspace.write('nodes/base/peppy.json5', processManifest('base'));
    writeContainerNode('nodes/app', 'app', 'Bootstrap: localimage\nFrom: ../../dist/nodes/base/base_v1.sif\n');

    const edges = await dependenciesOf({ projects: { base: 'nodes/base', app: 'nodes/app' } });

    expect(edges).toEqual([]);
    expect(warnings()).toEqual([
      'nx-peppy: nodes/app/apptainer.def: line 2: "Bootstrap: localimage" with "From: ../../dist/nodes/base/base_v1.sif" gives no project graph edge: dist/nodes/base/base_v1.sif is neither the image of a node nor in an Nx project, so no build runs before this one (the image is still hashed as an input).',
    ]);
  });
});

describe('%files dependencies', () => {
  it('links host sources inside other projects', async () => {
    workspace.write('nodes/shared/config.yaml', 'rate: 10\n');
    workspace.write('nodes/shared/project.json', '{}');
    workspace.write('libs/models/arm.onnx', 'weights');
    writeContainerNode('nodes/base', 'base', DOCKER_HEADER);
    writeContainerNode(
      'nodes/app',
      'app',
      [
        DOCKER_HEADER,
        '%files',
        '    ../shared/config.yaml /etc/app/config.yaml',
        '    requirements.txt /opt/requirements.txt',
        '    . /opt/app',
        '    ../../libs/models/*.onnx /opt/models/',
        '    ../../dist/nodes/base/base_v1.sif /opt/base.sif',
        '',
      ].join('\n'),
    );

    const edges = await dependenciesOf({ projects: { shared: 'nodes/shared', models: 'libs/models', base: 'nodes/base', app: 'nodes/app' } });

    expect(edges).toEqual([
      edge('app', 'base', 'nodes/app/apptainer.def'),
      edge('app', 'models', 'nodes/app/apptainer.def'),
      edge('app', 'shared', 'nodes/app/apptainer.def'),
    ]);
    expect(warnings()).toEqual([]);
  });

  it('links a symlink into another project', async () => {
    workspace.write('libs/calibration/arm.yaml', 'offset: 1\n');
    workspace.link('../../libs/calibration/arm.yaml', 'nodes/app/arm.yaml');
    writeContainerNode('nodes/app', 'app', `${DOCKER_HEADER}\n%files\n    . /opt/app\n`);

    const edges = await dependenciesOf({ projects: { calibration: 'libs/calibration', app: 'nodes/app' } });

    expect(edges).toEqual([edge('app', 'calibration', 'nodes/app/arm.yaml')]);
    expect(warnings()).toEqual([]);
  });

  it('symlinks outside, dangling or inside the node give no edge', async () => {
    const outside = fs.mkdtempSync(join(workspace.root, '..', 'nx-peppy-outside-'));
    try {
      fs.writeFileSync(join(outside, 'calib.yaml'), 'offset: 1\n');
      workspace.write('nodes/app/local.yaml', 'local\n');
      workspace.link(join(outside, 'calib.yaml'), 'nodes/app/outside.yaml');
      workspace.link('../../libs/gone.yaml', 'nodes/app/dangling.yaml');
      workspace.link('local.yaml', 'nodes/app/inside.yaml');
      workspace.write('libs/unowned/data.yaml', 'x\n');
      workspace.link('../../libs/unowned/data.yaml', 'nodes/app/unowned.yaml');
      writeContainerNode('nodes/app', 'app', `${DOCKER_HEADER}\n%files\n    . /opt/app\n`);

      const edges = await dependenciesOf({ projects: { app: 'nodes/app' } });

      expect(edges).toEqual([]);
      expect(warnings()).toEqual([]);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('unchanged symlink is not read again', async () => {
    workspace.write('libs/calibration/arm.yaml', 'offset: 1\n');
    workspace.link('../../libs/calibration/arm.yaml', 'nodes/app/arm.yaml');
    writeContainerNode('nodes/app', 'app', `${DOCKER_HEADER}\n%files\n    . /opt/app\n`);

    const edges = await dependenciesOf({ projects: { calibration: 'libs/calibration', app: 'nodes/app' }, changed: ['nodes/app/apptainer.def'] });

    expect(edges).toEqual([]);
  });

  it('links %appfiles sources', async () => {
    workspace.write('libs/calibration/data.json', '{}');
    writeContainerNode('nodes/app', 'app', `${DOCKER_HEADER}\n%appfiles calibrate\n    ../../libs/calibration/data.json data.json\n`);

    const edges = await dependenciesOf({ projects: { calibration: 'libs/calibration', app: 'nodes/app' } });

    expect(edges).toEqual([edge('app', 'calibration', 'nodes/app/apptainer.def')]);
  });

  it('warns about sources outside the workspace or in no project', async () => {
    workspace.write('docs/readme.md', 'text');
    writeContainerNode(
      'nodes/app',
      'app',
      `${DOCKER_HEADER}\n%files\n    /etc/hosts /etc/hosts\n    ../../docs/readme.md /opt/readme.md\n    $HOME/.netrc /root/.netrc\n`,
    );

    const edges = await dependenciesOf({ projects: { app: 'nodes/app' } });

    expect(edges).toEqual([]);
    expect(warnings()).toEqual([
      'nx-peppy: nodes/app/apptainer.def: line 7: %files source "$HOME/.netrc" gives no project graph edge: the path uses shell syntax ("$", "`" or a leading "~") that Apptainer expands only at build time.',
      'nx-peppy: nodes/app/apptainer.def: line 5: %files source "/etc/hosts" gives no project graph edge: it points outside the workspace, to /etc/hosts.',
      'nx-peppy: nodes/app/apptainer.def: line 6: %files source "../../docs/readme.md" gives no project graph edge: docs/readme.md is in no Nx project.',
    ]);
  });
});

describe('uv dependencies', () => {
  it('links path sources in every form', async () => {
    for (const root of ['libs/shared', 'libs/tools', 'libs/extra']) workspace.write(`${root}/pyproject.toml`, '[project]\nname = "x"\n');
    workspace.write(
      'nodes/app/pyproject.toml',
      [
        '[project]',
        'name = "app"',
        '',
        '[tool.uv.sources]',
        'shared = { path = "../../libs/shared" }',
        'tools = { path = "../../libs/tools/src/", editable = true }',
        'extra = [',
        '  { path = "../../libs/extra", marker = "sys_platform == \'linux\'" },',
        '  { index = "pytorch", marker = "sys_platform == \'darwin\'" },',
        ']',
        'requests = { git = "https://github.com/psf/requests" }',
        'sibling = { workspace = true }',
        'local = { path = "vendor/local" }',
        '',
      ].join('\n'),
    );

    const edges = await dependenciesOf({ projects: { shared: 'libs/shared', tools: 'libs/tools', extra: 'libs/extra', app: 'nodes/app' } });

    expect(edges).toEqual([
      edge('app', 'extra', 'nodes/app/pyproject.toml'),
      edge('app', 'shared', 'nodes/app/pyproject.toml'),
      edge('app', 'tools', 'nodes/app/pyproject.toml'),
    ]);
    expect(warnings()).toEqual([]);
  });

  it('links workspace members matched by globs, minus excludes', async () => {
    workspace.write('robot/pyproject.toml', '[tool.uv.workspace]\nmembers = ["packages/*", "drivers/camera"]\nexclude = ["packages/legacy"]\n');
    for (const name of ['arm', 'gripper', 'legacy']) workspace.write(`robot/packages/${name}/pyproject.toml`, `[project]\nname = "${name}"\n`);
    workspace.write('robot/packages/docs/index.md', 'no pyproject here');
    workspace.write('robot/drivers/camera/pyproject.toml', '[project]\nname = "camera"\n');

    const edges = await dependenciesOf({
      projects: {
        robot: 'robot',
        arm: 'robot/packages/arm',
        gripper: 'robot/packages/gripper',
        legacy: 'robot/packages/legacy',
        camera: 'robot/drivers/camera',
      },
    });

    expect(edges).toEqual([
      edge('robot', 'arm', 'robot/pyproject.toml'),
      edge('robot', 'camera', 'robot/pyproject.toml'),
      edge('robot', 'gripper', 'robot/pyproject.toml'),
    ]);
    expect(warnings()).toEqual([]);
  });

  it('warns about members that match nothing or no project', async () => {
    workspace.write('robot/pyproject.toml', '[tool.uv.workspace]\nmembers = ["plugins/*", "packages/*", "[bad"]\n');
    workspace.write('robot/packages/arm/pyproject.toml', '[project]\nname = "arm"\n');
    workspace.write('robot/packages/vision/pyproject.toml', '[project]\nname = "vision"\n');

    const edges = await dependenciesOf({ projects: { robot: 'robot', arm: 'robot/packages/arm', other: 'other' } });

    // robot/packages/vision lies inside the robot project itself, so it adds no edge.
    expect(edges).toEqual([edge('robot', 'arm', 'robot/pyproject.toml')]);
    expect(warnings()).toEqual([
      'nx-peppy: robot/pyproject.toml: [tool.uv.workspace] members entry "plugins/*" gives no project graph edge: the glob matches no folder that contains a pyproject.toml.',
      'nx-peppy: robot/pyproject.toml: [tool.uv.workspace] members entry "[bad" gives no project graph edge: invalid glob "[bad": a "[" has no closing "]".',
    ]);
  });

  it('warns about member folders in no project', async () => {
    workspace.write('robot/pyproject.toml', '[tool.uv.workspace]\nmembers = ["../packages/*"]\n');
    workspace.write('packages/arm/pyproject.toml', '[project]\nname = "arm"\n');
    workspace.write('packages/vision/pyproject.toml', '[project]\nname = "vision"\n');

    const edges = await dependenciesOf({ projects: { robot: 'robot', arm: 'packages/arm' } });

    expect(edges).toEqual([edge('robot', 'arm', 'robot/pyproject.toml')]);
    expect(warnings()).toEqual([
      'nx-peppy: robot/pyproject.toml: [tool.uv.workspace] members entry "../packages/*" gives no project graph edge for packages/vision, which is in no Nx project.',
    ]);
  });

  it('warns about paths outside the workspace and in no project', async () => {
    workspace.write('nodes/app/pyproject.toml', '[tool.uv.sources]\nfar = { path = "../../../outside" }\ndocs = { path = "../../docs" }\nbroken = { path = 3 }\n');

    const edges = await dependenciesOf({ projects: { app: 'nodes/app' } });

    expect(edges).toEqual([]);
    expect(warnings()).toEqual([
      'nx-peppy: nodes/app/pyproject.toml: [tool.uv.sources] broken gives no project graph edge: "path" is not a non-empty string.',
      `nx-peppy: nodes/app/pyproject.toml: [tool.uv.sources] far = { path = "../../../outside" } gives no project graph edge: it points outside the workspace, to ${join(workspace.root, '../outside')}.`,
      'nx-peppy: nodes/app/pyproject.toml: [tool.uv.sources] docs = { path = "../../docs" } gives no project graph edge: docs is in no Nx project.',
    ]);
  });

  it('warns once about an entry met twice', async () => {
    workspace.write('nodes/app/pyproject.toml', '[tool.uv.sources]\ndocs = [{ path = "../../docs", marker = "os_name == \'nt\'" }, { path = "../../docs" }]\n');

    const edges = await dependenciesOf({ projects: { app: 'nodes/app' } });

    expect(edges).toEqual([]);
    expect(warnings()).toEqual(['nx-peppy: nodes/app/pyproject.toml: [tool.uv.sources] docs = { path = "../../docs" } gives no project graph edge: docs is in no Nx project.']);
  });

  it('warns about invalid TOML and keeps other files', async () => {
    workspace.write('libs/shared/pyproject.toml', '[project]\nname = "shared"\n');
    workspace.write('nodes/app/pyproject.toml', '[tool.uv.sources]\nshared = { path = "../../libs/shared"\n');
    workspace.write('nodes/cli/pyproject.toml', '[tool.uv.sources]\nshared = { path = "../../libs/shared" }\n');

    const edges = await dependenciesOf({ projects: { shared: 'libs/shared', app: 'nodes/app', cli: 'nodes/cli' } });

    expect(edges).toEqual([edge('cli', 'shared', 'nodes/cli/pyproject.toml')]);
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toMatch(
      /^nx-peppy: nodes\/app\/pyproject\.toml: invalid TOML at line 3, column \d+: .+, so the dependencies it declares are left out of the project graph until it is fixed\.$/,
    );
  });
});

describe('Cargo dependencies', () => {
  it('links path dependencies of every table kind', async () => {
    const crates = ['core', 'testkit', 'codegen', 'unix_io', 'win_test', 'shared', 'patched', 'legacy_dev'];
    for (const name of crates) workspace.write(`crates/${name}/Cargo.toml`, `[package]\nname = "${name}"\n`);
    workspace.write(
      'crates/app/Cargo.toml',
      [
        '[package]',
        'name = "app"',
        '',
        '[dependencies]',
        'core = { path = "../core", version = "0.1" }',
        'serde = "1"',
        'rand = { version = "0.8" }',
        '',
        '[dev-dependencies]',
        'testkit = { path = "../testkit" }',
        '',
        '[dev_dependencies]',
        'legacy_dev = { path = "../legacy_dev" }',
        '',
        '[build-dependencies.codegen]',
        'path = "../codegen"',
        '',
        "[target.'cfg(unix)'.dependencies]",
        'unix_io = { path = "../unix_io" }',
        '',
        "[target.'cfg(windows)'.dev-dependencies]",
        'win_test.path = "../win_test"',
        '',
        '[workspace.dependencies]',
        'shared = { path = "../shared" }',
        '',
        '[patch.crates-io]',
        'patched = { path = "../patched" }',
        '',
      ].join('\n'),
    );

    const projects: Record<string, string> = { app: 'crates/app' };
    for (const name of crates) projects[name] = `crates/${name}`;
    const edges = await dependenciesOf({ projects });

    expect(edges).toEqual(crates.sort().map((name) => edge('app', name, 'crates/app/Cargo.toml')));
    expect(warnings()).toEqual([]);
  });

  it('links workspace members', async () => {
    workspace.write('rust/Cargo.toml', '[workspace]\nmembers = ["crates/*", "tools/cli"]\nexclude = ["crates/scratch"]\n');
    for (const name of ['motor', 'lidar']) workspace.write(`rust/crates/${name}/Cargo.toml`, `[package]\nname = "${name}"\n`);
    workspace.write('rust/tools/cli/Cargo.toml', '[package]\nname = "cli"\n');

    const edges = await dependenciesOf({ projects: { rust: 'rust', motor: 'rust/crates/motor', lidar: 'rust/crates/lidar', cli: 'rust/tools/cli' } });

    expect(edges).toEqual([
      edge('rust', 'cli', 'rust/Cargo.toml'),
      edge('rust', 'lidar', 'rust/Cargo.toml'),
      edge('rust', 'motor', 'rust/Cargo.toml'),
    ]);
  });

  it('warns about paths outside the workspace, in no project, and invalid TOML', async () => {
    workspace.write('crates/app/Cargo.toml', '[dependencies]\nfar = { path = "/opt/vendor/far" }\nnone = { path = "../none" }\n');
    workspace.write('crates/bad/Cargo.toml', '[dependencies\ncore = { path = "../core" }\n');

    const edges = await dependenciesOf({ projects: { app: 'crates/app', bad: 'crates/bad' } });

    expect(edges).toEqual([]);
    const [outside, noProject, invalid] = warnings();
    expect(outside).toBe('nx-peppy: crates/app/Cargo.toml: [dependencies] far = { path = "/opt/vendor/far" } gives no project graph edge: it points outside the workspace, to /opt/vendor/far.');
    expect(noProject).toBe('nx-peppy: crates/app/Cargo.toml: [dependencies] none = { path = "../none" } gives no project graph edge: crates/none is in no Nx project.');
    expect(invalid).toMatch(/^nx-peppy: crates\/bad\/Cargo\.toml: invalid TOML at line 1, column \d+: /);
    expect(warnings()).toHaveLength(3);
  });
});

describe('broken input', () => {
  it('warns about a broken definition file and keeps its valid entries', async () => {
    writeContainerNode('nodes/base', 'base', DOCKER_HEADER);
    writeContainerNode(
      'nodes/app',
      'app',
      'Bootstrap: localimage\nFrom: ../../dist/nodes/base/base_v1.sif\n\n%files from missing\n    /out /opt/out\n',
    );

    const edges = await dependenciesOf({ projects: { base: 'nodes/base', app: 'nodes/app' } });

    expect(edges).toEqual([edge('app', 'base', 'nodes/app/apptainer.def')]);
    expect(warnings()).toEqual([
      'nx-peppy: nodes/app/apptainer.def: the definition file has 1 error, the first on line 4: "%files from missing" in stage 1: no stage is named "missing". Dependencies are still read from its other entries.',
    ]);
  });

  it('warns about a broken manifest and skips its node', async () => {
    workspace.write('nodes/broken/peppy.json5', '{ peppy_schema: "node/v1", manifest: { name: "broken" ');
    workspace.write('nodes/broken/apptainer.def', 'Bootstrap: localimage\nFrom: ../../dist/nodes/base/base_v1.sif\n');
    writeContainerNode('nodes/app', 'app', 'Bootstrap: localimage\nFrom: ../../dist/nodes/broken/broken_v1.sif\n');

    const edges = await dependenciesOf({ projects: { broken: 'nodes/broken', app: 'nodes/app' } });

    expect(edges).toEqual([]);
    const [manifest, image] = warnings();
    expect(manifest).toMatch(
      /^nx-peppy: nodes\/broken\/peppy\.json5: invalid node manifest \(invalid JSON5: .+\), so its image and definition file are left out of the project graph\.$/,
    );
    expect(image).toBe(
      'nx-peppy: nodes/app/apptainer.def: line 2: "Bootstrap: localimage" with "From: ../../dist/nodes/broken/broken_v1.sif" gives no project graph edge: dist/nodes/broken/broken_v1.sif is neither the image of a node nor in an Nx project, so no build runs before this one (the image is still hashed as an input).',
    );
    expect(warnings()).toHaveLength(2);
  });

  it('drops an edge that validateDependency rejects', async () => {
    workspace.write('libs/shared/pyproject.toml', '[project]\nname = "shared"\n');
    workspace.write('nodes/app/pyproject.toml', '[tool.uv.sources]\nshared = { path = "../../libs/shared" }\n');
    const context = workspace.context({ projects: { shared: 'libs/shared', app: 'nodes/app' } });
    // A source file that Nx's file map does not list fails validation.
    const unlisted: CreateDependenciesContext = {
      ...context,
      fileMap: { projectFileMap: { ...context.fileMap.projectFileMap, app: [] }, nonProjectFiles: [] },
    };

    const edges = await createDependencies(undefined, unlisted);

    expect(edges).toEqual([]);
    expect(warnings()).toEqual([
      'nx-peppy: nodes/app/pyproject.toml: the dependency of app on shared is left out: Source file "nodes/app/pyproject.toml" does not exist in the workspace.',
    ]);
  });
});

describe('incremental runs', () => {
  function writeNodeWithEveryKind(): void {
    workspace.write('libs/shared/pyproject.toml', '[project]\nname = "shared"\n');
    workspace.write('nodes/app/main.py', 'print("app")\n');
    workspace.write('nodes/app/pyproject.toml', '[tool.uv.sources]\nshared = { path = "../../libs/shared" }\n');
    workspace.write('nodes/app/Cargo.toml', '[dependencies\n');
    writeContainerNode('nodes/base', 'base', DOCKER_HEADER);
    writeContainerNode('nodes/app', 'app', 'Bootstrap: localimage\nFrom: ../../dist/nodes/base/base_v1.sif\n\n%files from missing\n    /a /b\n');
  }

  function recordReads(): string[] {
    const reads: string[] = [];
    const original = fs.readFileSync;
    jest.spyOn(fs, 'readFileSync').mockImplementation(((path: fs.PathOrFileDescriptor, options?: unknown) => {
      if (typeof path === 'string' && path.startsWith(workspace.root)) reads.push(relative(workspace.root, path).split(sep).join('/'));
      return original(path, options as BufferEncoding);
    }) as typeof fs.readFileSync);
    return reads;
  }

  const projects = { shared: 'libs/shared', base: 'nodes/base', app: 'nodes/app' };

  it('reads no declaring file when none changed', async () => {
    writeNodeWithEveryKind();
    const reads = recordReads();

    const edges = await dependenciesOf({ projects, changed: ['nodes/app/main.py'] });

    expect(edges).toEqual([]);
    expect(warnings()).toEqual([]);
    expect(reads).toEqual(['nodes/app/peppy.json5']);
  });

  it('reads only the changed pyproject.toml', async () => {
    writeNodeWithEveryKind();
    const reads = recordReads();

    const edges = await dependenciesOf({ projects, changed: ['nodes/app/pyproject.toml'] });

    expect(edges).toEqual([edge('app', 'shared', 'nodes/app/pyproject.toml')]);
    expect(warnings()).toEqual([]);
    expect(reads).toEqual(['nodes/app/pyproject.toml', 'nodes/app/peppy.json5']);
  });

  it('reads the definition file when the manifest changed', async () => {
    writeNodeWithEveryKind();
    const reads = recordReads();

    const edges = await dependenciesOf({ projects, changed: ['nodes/app/peppy.json5'] });

    expect(edges).toEqual([edge('app', 'base', 'nodes/app/apptainer.def')]);
    expect(reads).toEqual(['nodes/app/peppy.json5', 'nodes/app/apptainer.def', 'nodes/base/peppy.json5']);
  });
});
