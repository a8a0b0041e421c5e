import { execSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { AggregateCreateNodesError, type CreateNodesContextV2, type CreateNodesResult } from '@nx/devkit';

import { NxPeppyError } from '../errors';
import { createNodes, createNodesV2, MANIFEST_GLOB } from './create-nodes';
import type { NxPeppyPluginOptions } from './options';

// Nx's workspace-data folder is computed from the process's own workspace (this
// repository), so the inference cache goes to each test's temp workspace instead.
jest.mock('./cache', () => ({
  ...jest.requireActual('./cache'),
  workspaceDataFolder: (root: string) => jest.requireActual<typeof import('node:path')>('node:path').join(root, '.nx', 'workspace-data'),
}));

const CORPUS = join(__dirname, '../../../../fixtures/corpus');

const CONTAINER_NODE = 'nodes/xr_commander/peppy.json5';
const PROCESS_NODE = 'robots/arm/my_python_robot_arm/peppy.json5';
const RUST_PROCESS_NODE = 'robots/arm/my_rust_robot_arm/peppy.json5';
const LEGACY_NODE = 'legacy/uvc_camera/peppy.json5';

let workspaceRoot: string;
let context: CreateNodesContextV2;

/** Copies a corpus node folder, definition file included, to `target` in the temp workspace. */
function copyCorpusNode(corpusFolder: string, target: string): void {
  cpSync(join(CORPUS, corpusFolder), join(workspaceRoot, target), { recursive: true });
}

function writeManifest(path: string, text: string): void {
  mkdirSync(join(workspaceRoot, dirname(path)), { recursive: true });
  writeFileSync(join(workspaceRoot, path), text);
}

async function createNodesFor(paths: string[], options?: NxPeppyPluginOptions) {
  return createNodesV2[1](paths, options, context);
}

/** Returns the single project in `result`. */
function onlyProject(result: CreateNodesResult) {
  const projects = Object.values(result.projects ?? {});
  if (projects.length !== 1) throw new Error(`expected one project, got ${projects.length}`);
  return projects[0];
}

/** Runs the plugin and returns the AggregateCreateNodesError raised. Fails the test when nothing or another error is raised. */
async function aggregateFailure(paths: string[]): Promise<AggregateCreateNodesError> {
  try {
    await createNodesFor(paths);
  } catch (error) {
    if (error instanceof AggregateCreateNodesError) return error;
    throw error;
  }
  throw new Error('createNodesV2 raised no error');
}

beforeEach(() => {
  workspaceRoot = mkdtempSync(join(tmpdir(), 'nx-peppy-plugin-'));
  context = { nxJsonConfiguration: {}, workspaceRoot };
  copyCorpusNode('node-v1/xr_commander', dirname(CONTAINER_NODE));
  copyCorpusNode('node-v1/my_python_robot_arm', dirname(PROCESS_NODE));
  copyCorpusNode('node-v1/my_rust_robot_arm', dirname(RUST_PROCESS_NODE));
  copyCorpusNode('legacy/uvc_camera', dirname(LEGACY_NODE));
});

afterEach(() => {
  rmSync(workspaceRoot, { recursive: true, force: true });
});

describe('createNodesV2', () => {
  it('matches every peppy.json5', () => {
    expect(createNodesV2[0]).toBe('**/peppy.json5');
    expect(MANIFEST_GLOB).toBe('**/peppy.json5');
  });

  it('createNodes is the same tuple', () => {
    expect(createNodes).toBe(createNodesV2);
  });

  it('one result per manifest, keyed by the manifest path', async () => {
    const results = await createNodesFor([PROCESS_NODE, CONTAINER_NODE]);

    expect(results.map(([file]) => file).sort()).toEqual([CONTAINER_NODE, PROCESS_NODE]);
  });

  it('no manifests gives no results', async () => {
    expect(await createNodesFor([])).toEqual([]);
  });

  it('container node', async () => {
    const [[, result]] = await createNodesFor([CONTAINER_NODE]);

    expect(result).toMatchInlineSnapshot(`
{
  "projects": {
    "nodes/xr_commander": {
      "name": "xr_commander",
      "projectType": "application",
      "root": "nodes/xr_commander",
      "tags": [
        "peppy:container",
        "peppy:python",
      ],
      "targets": {
        "build": {
          "cache": true,
          "executor": "nx-peppy:build",
          "inputs": [
            "{projectRoot}/**/*",
            "{projectRoot}/apptainer.def",
            "!{projectRoot}/**/.git/**",
            "!{projectRoot}/**/.nx/**",
            "!{projectRoot}/**/.venv/**",
            "!{projectRoot}/**/__pycache__/**",
            "!{projectRoot}/**/dist/**",
            "!{projectRoot}/**/node_modules/**",
            "!{projectRoot}/**/target/**",
            {
              "externalDependencies": [
                "nx-peppy",
              ],
            },
          ],
          "metadata": {
            "description": "Builds the Apptainer image xr_commander_v1.sif from the node's definition file",
            "help": {
              "command": "apptainer build --help",
              "example": {
                "options": {
                  "buildArgs": {
                    "VERSION": "1.0",
                  },
                  "extraArgs": [
                    "--notest",
                  ],
                },
              },
            },
            "technologies": [
              "apptainer",
            ],
            "warnings": [
              "nodes/xr_commander/apptainer.def:2: base image "peppybot/python-uv-base:latest" of stage 1 uses the tag "latest" and no digest: the Nx cache cannot see when the registry moves a tag to a new image, so it can replay a build made from the old one
  Fix: pin the image by its digest, such as "From: peppybot/python-uv-base:latest@sha256:<digest>"",
            ],
          },
          "options": {
            "outputPath": "dist/nodes/xr_commander/xr_commander_v1.sif",
          },
          "outputs": [
            "{options.outputPath}",
          ],
        },
        "serve": {
          "continuous": true,
          "dependsOn": [
            "build",
          ],
          "executor": "nx-peppy:serve",
          "metadata": {
            "description": "Runs the image with apptainer run and PEPPY_RUNTIME_CONFIG, as peppy node start does",
            "help": {
              "command": "apptainer run --help",
              "example": {
                "options": {
                  "args": [
                    "--verbose",
                  ],
                },
              },
            },
            "technologies": [
              "apptainer",
            ],
          },
          "options": {},
        },
      },
    },
  },
}
`);
  });

  it('process node', async () => {
    const [[, result]] = await createNodesFor([PROCESS_NODE]);

    expect(result).toMatchInlineSnapshot(`
{
  "projects": {
    "robots/arm/my_python_robot_arm": {
      "name": "my_python_robot_arm",
      "projectType": "application",
      "root": "robots/arm/my_python_robot_arm",
      "tags": [
        "peppy:process",
        "peppy:python",
      ],
      "targets": {
        "build": {
          "executor": "nx-peppy:build",
          "metadata": {
            "description": "Runs the node's build command: uv sync --no-editable",
            "technologies": [
              "uv",
            ],
          },
          "options": {},
        },
        "serve": {
          "continuous": true,
          "dependsOn": [
            "build",
          ],
          "executor": "nx-peppy:serve",
          "metadata": {
            "description": "Runs the node's start command with PEPPY_RUNTIME_CONFIG, as peppy node start does",
            "help": undefined,
            "technologies": [],
          },
          "options": {},
        },
      },
    },
  },
}
`);
  });

  it('explicit %files list: only the listed sources are inputs', async () => {
    copyCorpusNode('node-v1/openarm_sim_mujoco', 'sim/openarm_sim_mujoco');

    const [[, result]] = await createNodesFor(['sim/openarm_sim_mujoco/peppy.json5']);
    const inputs = onlyProject(result).targets?.build?.inputs;

    expect(inputs).not.toContain('{projectRoot}/**/*');
    expect(inputs).toContain('{projectRoot}/apptainer.def');
    expect(inputs).toContain('{projectRoot}/peppy.json5');
    expect(inputs).toContain('{projectRoot}/robots/**/*');
    expect(inputs).toContain('{projectRoot}/.peppy/libs/peppygen/**/*');
    expect(inputs).toContain('{projectRoot}/.peppy/libs/peppylib/**/*');
  });

  it('symlinked file: its target is hashed by a runtime input', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'nx-peppy-outside-'));
    try {
      writeFileSync(join(outside, 'calib.yaml'), 'offset: 1\n');
      symlinkSync(join(outside, 'calib.yaml'), join(workspaceRoot, 'nodes/xr_commander/calib.yaml'));

      const [[, result]] = await createNodesFor([CONTAINER_NODE]);
      const runtimeInputs = (onlyProject(result).targets?.build?.inputs ?? []).filter((input) => typeof input === 'object' && 'runtime' in input);
      const command = (runtimeInputs[0] as { runtime: string }).runtime;
      const before = execSync(command, { cwd: workspaceRoot, encoding: 'utf8' });
      writeFileSync(join(outside, 'calib.yaml'), 'offset: 2\n');
      const after = execSync(command, { cwd: workspaceRoot, encoding: 'utf8' });

      expect(runtimeInputs).toHaveLength(1);
      expect(command).toContain("'nodes/xr_commander/calib.yaml'");
      expect(after).not.toBe(before);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('symlink to a workspace file: its target is an input pattern too', async () => {
    mkdirSync(join(workspaceRoot, 'libs/calibration'), { recursive: true });
    writeFileSync(join(workspaceRoot, 'libs/calibration/arm.yaml'), 'offset: 1\n');
    symlinkSync('../../libs/calibration/arm.yaml', join(workspaceRoot, 'nodes/xr_commander/arm.yaml'));

    const [[, result]] = await createNodesFor([CONTAINER_NODE]);
    const inputs = onlyProject(result).targets?.build?.inputs ?? [];

    expect(inputs).toContain('{workspaceRoot}/libs/calibration/arm.yaml');
    expect(JSON.stringify(inputs)).toContain("'nodes/xr_commander/arm.yaml'");
  });

  it('symlink target with glob syntax: hashed, not a pattern', async () => {
    mkdirSync(join(workspaceRoot, 'libs/calibration'), { recursive: true });
    writeFileSync(join(workspaceRoot, 'libs/calibration/arm[1].yaml'), 'offset: 1\n');
    symlinkSync('../../libs/calibration/arm[1].yaml', join(workspaceRoot, 'nodes/xr_commander/arm.yaml'));

    const [[, result]] = await createNodesFor([CONTAINER_NODE]);
    const inputs = onlyProject(result).targets?.build?.inputs ?? [];

    expect(inputs.filter((input) => typeof input === 'string' && input.includes('arm'))).toEqual([]);
    expect(JSON.stringify(inputs)).toContain("'nodes/xr_commander/arm.yaml'");
  });

  it('base no node builds: input pattern and content hash', async () => {
    writeManifest('nodes/app/peppy.json5', '{ peppy_schema: "node/v1", manifest: { name: "app", tag: "v1" }, execution: { language: "python", container: { def_file: "apptainer.def" } } }');
    writeFileSync(join(workspaceRoot, 'nodes/app/apptainer.def'), 'Bootstrap: oci\nFrom: ../../images/layout\n');

    const [[, result]] = await createNodesFor(['nodes/app/peppy.json5']);
    const inputs = onlyProject(result).targets?.build?.inputs ?? [];

    expect(inputs).toContain('{workspaceRoot}/images/layout');
    expect(inputs).toContain('{workspaceRoot}/images/layout/**/*');
    expect(JSON.stringify(inputs)).toContain("'images/layout'");
  });

  it('base another node builds: no input pattern', async () => {
    writeManifest('nodes/base/peppy.json5', '{ peppy_schema: "node/v1", manifest: { name: "base", tag: "v1" }, execution: { language: "python", container: { def_file: "apptainer.def" } } }');
    writeFileSync(join(workspaceRoot, 'nodes/base/apptainer.def'), 'Bootstrap: scratch\n');
    writeManifest('nodes/app/peppy.json5', '{ peppy_schema: "node/v1", manifest: { name: "app", tag: "v1" }, execution: { language: "python", container: { def_file: "apptainer.def" } } }');
    writeFileSync(join(workspaceRoot, 'nodes/app/apptainer.def'), 'Bootstrap: localimage\nFrom: ../../dist/nodes/base/base_v1.sif\n');

    const results = await createNodesFor(['nodes/base/peppy.json5', 'nodes/app/peppy.json5']);
    const app = results.find(([file]) => file === 'nodes/app/peppy.json5');
    const inputs = (app ? onlyProject(app[1]).targets?.build?.inputs : undefined) ?? [];

    expect(JSON.stringify(inputs)).not.toContain('base_v1.sif');
    expect(inputs).toContainEqual({ dependentTasksOutputFiles: '**/*.sif', transitive: false });
  });

  it('symlinked folder: no runtime input, the build rejects it', async () => {
    mkdirSync(join(workspaceRoot, 'models'));
    symlinkSync(join(workspaceRoot, 'models'), join(workspaceRoot, 'nodes/xr_commander/models'));

    const [[, result]] = await createNodesFor([CONTAINER_NODE]);

    expect(JSON.stringify(onlyProject(result).targets?.build?.inputs)).not.toContain('runtime');
  });

  it('no symlinks: no runtime input', async () => {
    const [[, result]] = await createNodesFor([CONTAINER_NODE]);

    expect(JSON.stringify(onlyProject(result).targets?.build?.inputs)).not.toContain('runtime');
  });

  it('container node without its definition file still gets a build target', async () => {
    rmSync(join(workspaceRoot, 'nodes/xr_commander/apptainer.def'));

    const [[, result]] = await createNodesFor([CONTAINER_NODE]);
    const build = onlyProject(result).targets?.build;

    expect(build?.executor).toBe('nx-peppy:build');
    expect(build?.cache).toBe(true);
    expect(build?.options?.outputPath).toBe('dist/nodes/xr_commander/xr_commander_v1.sif');
    expect(build?.outputs).toEqual(['{options.outputPath}']);
  });

  it('process build target is not cached', async () => {
    const [[, result]] = await createNodesFor([PROCESS_NODE]);
    const build = onlyProject(result).targets?.build;

    expect(build?.cache).toBeUndefined();
    expect(build?.outputs).toBeUndefined();
  });

  it('rust process node: cargo technology and tag', async () => {
    const [[, result]] = await createNodesFor([RUST_PROCESS_NODE]);
    const project = onlyProject(result);

    expect(project.tags).toEqual(['peppy:process', 'peppy:rust']);
    expect(project.targets?.build?.metadata?.technologies).toEqual(['cargo']);
    expect(project.targets?.build?.metadata?.description).toBe("Runs the node's build command: cargo build --release");
  });

  it('process node without a build command', async () => {
    writeManifest('nodes/script/peppy.json5', '{ schema_version: 1, manifest: { name: "script", tag: "0.1.0", language: "python" }, process: { start_cmd: ["./run.sh"] } }');

    const [[, result]] = await createNodesFor(['nodes/script/peppy.json5']);

    expect(onlyProject(result).targets?.build?.metadata?.description).toBe('The node declares no build command');
  });

  it('legacy container node: image path uses the dotted tag', async () => {
    const [[, result]] = await createNodesFor([LEGACY_NODE]);
    const project = onlyProject(result);

    expect(project.name).toBe('uvc_camera');
    expect(project.tags).toEqual(['peppy:container', 'peppy:rust']);
    expect(project.targets?.build?.options?.outputPath).toBe('dist/legacy/uvc_camera/uvc_camera_0.1.0.sif');
    expect(project.targets?.build?.outputs).toEqual(['{options.outputPath}']);
  });

  it('manifest at the workspace root', async () => {
    copyCorpusNode('node-v1/zed_camera', '.');

    const [[file, result]] = await createNodesFor(['peppy.json5']);
    const project = onlyProject(result);

    expect(file).toBe('peppy.json5');
    expect(project.root).toBe('.');
    expect(project.targets?.build?.options?.outputPath).toBe('dist/zed_camera_v1.sif');
    expect(project.targets?.build?.outputs).toEqual(['{options.outputPath}']);
  });

  it('every corpus node gives a project named after its manifest', async () => {
    const folders = ['node-v1/uvc_camera_video_reconstruction_python', 'node-v1/zed_camera', 'node-v1/realsense_d4xx', 'node-v1/openarm_sim_mujoco'];
    for (const folder of folders) copyCorpusNode(folder, `corpus/${folder}`);
    const paths = [...folders.map((folder) => `corpus/${folder}/peppy.json5`), CONTAINER_NODE, PROCESS_NODE, RUST_PROCESS_NODE, LEGACY_NODE];

    const results = await createNodesFor(paths);
    const names = Object.fromEntries(results.map(([file, result]) => [file, onlyProject(result).name]));

    expect(names).toEqual({
      'corpus/node-v1/uvc_camera_video_reconstruction_python/peppy.json5': 'uvc_camera_video_reconstruction_python',
      'corpus/node-v1/zed_camera/peppy.json5': 'zed_camera',
      'corpus/node-v1/realsense_d4xx/peppy.json5': 'realsense_d4xx',
      'corpus/node-v1/openarm_sim_mujoco/peppy.json5': 'openarm_sim_mujoco',
      [CONTAINER_NODE]: 'xr_commander',
      [PROCESS_NODE]: 'my_python_robot_arm',
      [RUST_PROCESS_NODE]: 'my_rust_robot_arm',
      [LEGACY_NODE]: 'uvc_camera',
    });
  });
});

describe('createNodesV2 options', () => {
  it('target names configurable', async () => {
    const [[, result]] = await createNodesFor([CONTAINER_NODE], { buildTargetName: 'image', serveTargetName: 'start' });
    const targets = onlyProject(result).targets ?? {};

    expect(Object.keys(targets)).toEqual(['image', 'start']);
    expect(targets.image.executor).toBe('nx-peppy:build');
    expect(targets.start.executor).toBe('nx-peppy:serve');
    expect(targets.start.dependsOn).toEqual(['image']);
  });

  it('only the build target renamed', async () => {
    const [[, result]] = await createNodesFor([PROCESS_NODE], { buildTargetName: 'compile' });
    const targets = onlyProject(result).targets ?? {};

    expect(Object.keys(targets)).toEqual(['compile', 'serve']);
    expect(targets.serve.dependsOn).toEqual(['compile']);
  });

  it('no options gives build and serve', async () => {
    const [[, result]] = await createNodesFor([PROCESS_NODE], undefined);

    expect(Object.keys(onlyProject(result).targets ?? {})).toEqual(['build', 'serve']);
  });
});

describe('createNodesV2 errors', () => {
  const BROKEN = 'nodes/broken/peppy.json5';

  it('broken manifest: AggregateCreateNodesError keeps the other projects', async () => {
    writeManifest(BROKEN, '{ peppy_schema: "node/v1", manifest: { name: "broken", tag: "v1" }, execution: { language: "python", run_cmd: ["./run"], extra: 1 } }');

    const error = await aggregateFailure([CONTAINER_NODE, BROKEN, PROCESS_NODE]);
    const projectRoots = error.partialResults.map(([file, result]) => [file, Object.keys(result.projects ?? {})]);

    expect(projectRoots).toEqual([
      [CONTAINER_NODE, ['nodes/xr_commander']],
      [PROCESS_NODE, ['robots/arm/my_python_robot_arm']],
    ]);
  });

  it('broken manifest: the error names that file, the field and the fix', async () => {
    writeManifest(BROKEN, '{ peppy_schema: "node/v1", manifest: { name: "broken", tag: "v1" }, execution: { language: "python", run_cmd: ["./run"], extra: 1 } }');

    const error = await aggregateFailure([CONTAINER_NODE, BROKEN]);

    expect(error.errors).toHaveLength(1);
    const [file, cause] = error.errors[0];
    expect(file).toBe(BROKEN);
    expect(cause).toBeInstanceOf(NxPeppyError);
    expect((cause as NxPeppyError).problems).toEqual([expect.objectContaining({ file: BROKEN, field: 'execution.extra' })]);
    expect((cause as NxPeppyError).message).toContain(`${BROKEN}: execution.extra: unknown key "extra"`);
    expect((cause as NxPeppyError).message).toContain('Fix: remove "extra"');
  });

  it('invalid JSON5: the error names the file, line and column', async () => {
    writeManifest(BROKEN, '{\n  peppy_schema: "node/v1",\n  manifest: {\n');

    const error = await aggregateFailure([BROKEN, PROCESS_NODE]);
    const cause = error.errors[0][1] as NxPeppyError;

    expect(error.errors[0][0]).toBe(BROKEN);
    expect(cause.problems[0]).toMatchObject({ file: BROKEN, line: 4, column: 1 });
    expect(cause.message).toMatch(new RegExp(`^${BROKEN}:4:1: invalid JSON5`));
    expect(error.partialResults).toHaveLength(1);
  });

  it('two broken manifests give two errors', async () => {
    writeManifest('a/peppy.json5', '');
    writeManifest('b/peppy.json5', '[]');

    const error = await aggregateFailure(['a/peppy.json5', CONTAINER_NODE, 'b/peppy.json5']);

    expect(error.errors.map(([file]) => file).sort()).toEqual(['a/peppy.json5', 'b/peppy.json5']);
    expect(error.errors.map(([, cause]) => (cause as Error).message).sort()).toEqual([
      expect.stringMatching(/^a\/peppy\.json5: the manifest is empty/),
      expect.stringMatching(/^b\/peppy\.json5: the manifest is not an object/),
    ]);
    expect(error.partialResults.map(([file]) => file)).toEqual([CONTAINER_NODE]);
  });

  it('duplicate node name: error names the second file, partial results keep the first', async () => {
    copyCorpusNode('node-v1/xr_commander', 'other/xr_commander');

    const error = await aggregateFailure([CONTAINER_NODE, 'other/xr_commander/peppy.json5']);
    const [[file, cause]] = error.errors;
    const problems = (cause as NxPeppyError).problems;

    expect(error.errors).toHaveLength(1);
    expect([CONTAINER_NODE, 'other/xr_commander/peppy.json5']).toContain(file);
    expect(problems).toEqual([expect.objectContaining({ file, field: 'manifest.name' })]);
    expect(problems[0].message).toContain('the node name "xr_commander" is also used by');
    expect(problems[0].fix).toContain('rename one of the two nodes');
    expect(error.partialResults).toHaveLength(1);
    expect(error.partialResults[0][0]).not.toBe(file);
  });

  // Every user-facing error names the manifest path and a fix, this one included.
  it('manifest removed after the glob ran', async () => {
    const error = await aggregateFailure(['gone/peppy.json5', PROCESS_NODE]);
    const cause = error.errors[0][1] as NxPeppyError;

    expect(cause).toBeInstanceOf(NxPeppyError);
    expect(cause.problems).toEqual([expect.objectContaining({ file: 'gone/peppy.json5', message: 'cannot read the manifest: file not found' })]);
    expect(cause.message).toContain('Fix: create peppy.json5 in the node folder');
  });
});

describe('createNodesV2 inference cache', () => {
  const cacheFolder = () => join(workspaceRoot, '.nx', 'workspace-data');

  it('writes a cache file in the workspace data folder', async () => {
    await createNodesFor([CONTAINER_NODE]);

    expect(readdirSync(cacheFolder()).filter((name) => /^nx-peppy-[0-9a-f]{16}\.json$/.test(name))).toHaveLength(1);
  });

  it('warm run gives the same projects as the cold run', async () => {
    const cold = await createNodesFor([CONTAINER_NODE, PROCESS_NODE]);
    const warm = await createNodesFor([CONTAINER_NODE, PROCESS_NODE]);

    expect(warm).toEqual(cold);
  });

  it('edited manifest is read again', async () => {
    await createNodesFor([PROCESS_NODE]);
    writeManifest(PROCESS_NODE, '{ peppy_schema: "node/v1", manifest: { name: "renamed_arm", tag: "v2" }, execution: { language: "rust", run_cmd: ["./arm"] } }');

    const [[, result]] = await createNodesFor([PROCESS_NODE]);

    expect(onlyProject(result).name).toBe('renamed_arm');
    expect(onlyProject(result).tags).toEqual(['peppy:process', 'peppy:rust']);
  });

  it('edited definition file is read again', async () => {
    const defFile = join(workspaceRoot, 'nodes/xr_commander/apptainer.def');
    const [[, cold]] = await createNodesFor([CONTAINER_NODE]);
    writeFileSync(defFile, 'Bootstrap: docker\nFrom: ubuntu:24.04\n\n%files\n    peppy.json5 /opt/xr_commander/peppy.json5\n');

    const [[, warm]] = await createNodesFor([CONTAINER_NODE]);

    expect(onlyProject(cold).targets?.build?.inputs).toContain('{projectRoot}/**/*');
    expect(onlyProject(warm).targets?.build?.inputs).not.toContain('{projectRoot}/**/*');
    expect(onlyProject(warm).targets?.build?.inputs).toContain('{projectRoot}/peppy.json5');
  });

  it('symlink added after a cached run is hashed', async () => {
    await createNodesFor([CONTAINER_NODE]);
    writeFileSync(join(workspaceRoot, 'shared.yaml'), 'offset: 1\n');
    symlinkSync(join(workspaceRoot, 'shared.yaml'), join(workspaceRoot, 'nodes/xr_commander/shared.yaml'));

    const [[, warm]] = await createNodesFor([CONTAINER_NODE]);

    expect(JSON.stringify(onlyProject(warm).targets?.build?.inputs)).toContain('nodes/xr_commander/shared.yaml');
  });

  it('runtime inputs of symlinks never reach the cache file', async () => {
    writeFileSync(join(workspaceRoot, 'shared.yaml'), 'offset: 1\n');
    symlinkSync(join(workspaceRoot, 'shared.yaml'), join(workspaceRoot, 'nodes/xr_commander/shared.yaml'));
    await createNodesFor([CONTAINER_NODE]);
    rmSync(join(workspaceRoot, 'nodes/xr_commander/shared.yaml'));

    const [[, warm]] = await createNodesFor([CONTAINER_NODE]);

    expect(JSON.stringify(onlyProject(warm).targets?.build?.inputs)).not.toContain('runtime');
  });

  it('manifest broken after a cached run raises an error', async () => {
    await createNodesFor([PROCESS_NODE]);
    writeManifest(PROCESS_NODE, '{');

    const error = await aggregateFailure([PROCESS_NODE]);

    expect(error.errors[0][0]).toBe(PROCESS_NODE);
    expect((error.errors[0][1] as Error).message).toMatch(new RegExp(`^${PROCESS_NODE}:1:2: invalid JSON5`));
  });

  it('other target names use another cache file', async () => {
    await createNodesFor([CONTAINER_NODE]);
    const [[, renamed]] = await createNodesFor([CONTAINER_NODE], { buildTargetName: 'image' });

    expect(Object.keys(onlyProject(renamed).targets ?? {})).toEqual(['image', 'serve']);
    expect(readdirSync(cacheFolder()).filter((name) => name.startsWith('nx-peppy-'))).toHaveLength(2);
  });

  it('unreadable cache file is ignored', async () => {
    mkdirSync(cacheFolder(), { recursive: true });
    await createNodesFor([CONTAINER_NODE]);
    const [cacheFile] = readdirSync(cacheFolder());
    writeFileSync(join(cacheFolder(), cacheFile), '{ torn');

    const [[, result]] = await createNodesFor([CONTAINER_NODE]);

    expect(onlyProject(result).name).toBe('xr_commander');
    expect(existsSync(join(cacheFolder(), cacheFile))).toBe(true);
  });
});

describe('createNodesV2 module loading', () => {
  /** Runs `body` with a fresh module registry and returns the parser packages it loaded. */
  function parserPackagesLoadedBy(body: () => unknown): string[] {
    const loaded: string[] = [];
    jest.isolateModules(() => {
      for (const name of ['zod', 'json5']) {
        jest.doMock(name, () => {
          loaded.push(name);
          return jest.requireActual(name);
        });
      }
      body();
    });
    return loaded;
  }

  it('plugin entry loads no parser', () => {
    const loaded = parserPackagesLoadedBy(() => require('../index'));

    expect(loaded).toEqual([]);
  });

  it('warm run loads no parser', async () => {
    await createNodesFor([CONTAINER_NODE, PROCESS_NODE]);

    let run: unknown;
    const loaded = parserPackagesLoadedBy(() => {
      const isolated = require('./create-nodes') as typeof import('./create-nodes');
      run = isolated.createNodesV2[1]([CONTAINER_NODE, PROCESS_NODE], undefined, context);
    });
    await run;

    expect(loaded).toEqual([]);
  });

  it('cold run loads the parsers', async () => {
    let run: unknown;
    const loaded = parserPackagesLoadedBy(() => {
      const isolated = require('./create-nodes') as typeof import('./create-nodes');
      run = isolated.createNodesV2[1]([CONTAINER_NODE], undefined, context);
    });
    await run;

    expect(loaded).toEqual(expect.arrayContaining(['zod', 'json5']));
  });
});
