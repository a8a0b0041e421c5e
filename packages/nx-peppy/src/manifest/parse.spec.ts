import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { NxPeppyError } from '../errors';
import { MANIFEST_FILE, parseNodeManifest, readNodeManifest, type NodeExecution, type NodeManifest } from './index';

const CORPUS = join(__dirname, '../../../../fixtures/corpus');
const FILE = 'nodes/my_node/peppy.json5';

/** Parses `text` and returns the NxPeppyError raised. Fails the test when nothing or another error is raised. */
function parseFailure(text: string, file = FILE): NxPeppyError {
  try {
    parseNodeManifest(text, file);
  } catch (error) {
    if (error instanceof NxPeppyError) return error;
    throw error;
  }
  throw new Error(`parseNodeManifest accepted the manifest:\n${text}`);
}

function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** Builds a valid `schema_version: 1` manifest. `changes` replaces top-level keys, and `undefined` removes one. */
function schemaVersion1(changes: Record<string, unknown> = {}): string {
  const base: Record<string, unknown> = {
    schema_version: 1,
    manifest: { name: 'my_node', tag: '0.1.0', language: 'python' },
    process: { start_cmd: ['./run.sh'] },
  };
  return json({ ...base, ...changes });
}

/** Builds a valid `peppy_schema: "node/v1"` manifest. `execution` replaces the execution block. */
function nodeV1(changes: Record<string, unknown> = {}, execution: Record<string, unknown> = { language: 'python', run_cmd: ['./run.sh'] }): string {
  const base: Record<string, unknown> = {
    peppy_schema: 'node/v1',
    manifest: { name: 'my_node', tag: 'v1' },
    execution,
  };
  return json({ ...base, ...changes });
}

describe('parseNodeManifest on the corpus', () => {
  interface CorpusCase {
    folder: string;
    format: NodeManifest['format'];
    name: string;
    tag: string;
    language: NodeManifest['language'];
    labels: string[];
    execution: NodeExecution;
  }

  const container = (fields: Partial<Extract<NodeExecution, { kind: 'container' }>> = {}): NodeExecution => ({
    kind: 'container',
    defFile: 'apptainer.def',
    mountPaths: [],
    buildExtraArgs: [],
    runExtraArgs: [],
    limaShellExtraArgs: [],
    ...fields,
  });

  const cases: CorpusCase[] = [
    {
      folder: 'legacy/uvc_camera',
      format: 'schema_version-1',
      name: 'uvc_camera',
      tag: '0.1.0',
      language: 'rust',
      labels: ['uvc', 'camera', 'usb'],
      execution: container(),
    },
    {
      folder: 'node-v1/uvc_camera_video_reconstruction_python',
      format: 'node/v1',
      name: 'uvc_camera_video_reconstruction_python',
      tag: 'v1',
      language: 'python',
      labels: [],
      execution: container({ mountPaths: ['/tmp/video_reconstruction:/tmp/video_reconstruction:rw'] }),
    },
    {
      folder: 'node-v1/zed_camera',
      format: 'node/v1',
      name: 'zed_camera',
      tag: 'v1',
      language: 'rust',
      labels: ['zed', 'stereo', 'rgbd', 'camera'],
      execution: container({ mountPaths: ['${parameters:device_path}:${parameters:device_path}:rw'] }),
    },
    {
      folder: 'node-v1/realsense_d4xx',
      format: 'node/v1',
      name: 'realsense_d4xx',
      tag: 'v1',
      language: 'rust',
      labels: ['realsense', 'rgbd', 'camera'],
      execution: container(),
    },
    {
      folder: 'node-v1/xr_commander',
      format: 'node/v1',
      name: 'xr_commander',
      tag: 'v1',
      language: 'python',
      labels: ['teleop', 'xr', 'webxr', 'commander'],
      execution: container(),
    },
    {
      folder: 'node-v1/my_python_robot_arm',
      format: 'node/v1',
      name: 'my_python_robot_arm',
      tag: 'v1',
      language: 'python',
      labels: ['arm', 'openarm01', 'python'],
      execution: {
        kind: 'process',
        buildCommand: ['uv', 'sync', '--no-editable'],
        runCommand: ['./.venv/bin/python', '-m', 'my_python_robot_arm'],
      },
    },
    {
      folder: 'node-v1/my_rust_robot_arm',
      format: 'node/v1',
      name: 'my_rust_robot_arm',
      tag: 'v1',
      language: 'rust',
      labels: ['arm', 'openarm01', 'rust'],
      execution: {
        kind: 'process',
        buildCommand: ['cargo', 'build', '--release'],
        runCommand: ['./target/release/my_rust_robot_arm'],
      },
    },
    {
      folder: 'node-v1/openarm_sim_mujoco',
      format: 'node/v1',
      name: 'openarm_sim_mujoco',
      tag: 'v1',
      language: 'python',
      labels: [],
      execution: container({ runExtraArgs: ['--nv'] }),
    },
  ];

  const read = (folder: string) => readNodeManifest(join(CORPUS, folder, MANIFEST_FILE), `${folder}/${MANIFEST_FILE}`);

  it.each(cases)('$folder: header fields', ({ folder, format, name, tag, language, labels }) => {
    const manifest = read(folder);

    expect(manifest.file).toBe(`${folder}/${MANIFEST_FILE}`);
    expect(manifest.format).toBe(format);
    expect(manifest.name).toBe(name);
    expect(manifest.tag).toBe(tag);
    expect(manifest.language).toBe(language);
    expect(manifest.labels).toEqual(labels);
  });

  it.each(cases)('$folder: execution', ({ folder, execution }) => {
    expect(read(folder).execution).toEqual(execution);
  });

  it('legacy uvc_camera: top-level parameters', () => {
    expect(read('legacy/uvc_camera').parameters).toEqual({
      device_path: 'string',
      video: {
        frame_rate: 'u16',
        resolution: { width: 'u32', height: 'u32' },
        camera_encoding: 'string',
        topic_encoding: 'string',
      },
    });
  });

  it('openarm_sim_mujoco: execution.parameters', () => {
    expect(read('node-v1/openarm_sim_mujoco').parameters).toEqual({
      hardware_version: 'string',
      state_rate_hz: 'u32',
      headless: { $type: 'bool', $default: true },
      viewer_host: { $type: 'string', $default: '0.0.0.0' },
      viewer_port: { $type: 'u32', $default: 8080 },
      cameras_enabled: 'bool',
    });
  });

  it('process node: no parameters gives an empty schema', () => {
    expect(read('node-v1/my_python_robot_arm').parameters).toEqual({});
  });
});

describe('parseNodeManifest schema_version 1', () => {
  it('process node with add_cmd and start_cmd', () => {
    const manifest = parseNodeManifest(schemaVersion1({ process: { add_cmd: ['uv', 'sync'], start_cmd: ['./.venv/bin/python', '-m', 'my_node'] } }), FILE);

    expect(manifest.format).toBe('schema_version-1');
    expect(manifest.execution).toEqual({ kind: 'process', buildCommand: ['uv', 'sync'], runCommand: ['./.venv/bin/python', '-m', 'my_node'] });
  });

  it('process node without add_cmd has no build command', () => {
    const manifest = parseNodeManifest(schemaVersion1(), FILE);

    expect(manifest.execution.kind).toBe('process');
    expect(manifest.execution).not.toHaveProperty('buildCommand', expect.anything());
    expect(manifest.execution).toEqual({ kind: 'process', runCommand: ['./run.sh'] });
  });

  it('header fields and file', () => {
    const manifest = parseNodeManifest(schemaVersion1({ manifest: { name: 'cam-01_A', tag: '0.2.0', language: 'rust' } }), FILE);

    expect(manifest.file).toBe(FILE);
    expect(manifest.name).toBe('cam-01_A');
    expect(manifest.tag).toBe('0.2.0');
    expect(manifest.language).toBe('rust');
  });

  it('labels present', () => {
    const manifest = parseNodeManifest(schemaVersion1({ manifest: { name: 'my_node', tag: '0.1.0', language: 'python', labels: ['arm', 'usb'] } }), FILE);

    expect(manifest.labels).toEqual(['arm', 'usb']);
  });

  it('labels absent gives an empty list', () => {
    expect(parseNodeManifest(schemaVersion1(), FILE).labels).toEqual([]);
  });

  it('container with every optional field', () => {
    const text = schemaVersion1({
      process: undefined,
      container: {
        def_file: 'container/node.def',
        mount_paths: ['/data:/data:ro', '${parameters:device_path}'],
        apptainer_build_extra_args: ['--notest'],
        apptainer_run_extra_args: ['--nv', '--writable-tmpfs'],
        lima_shell_extra_args: ['--workdir', '/tmp'],
      },
    });

    expect(parseNodeManifest(text, FILE).execution).toEqual({
      kind: 'container',
      defFile: 'container/node.def',
      mountPaths: ['/data:/data:ro', '${parameters:device_path}'],
      buildExtraArgs: ['--notest'],
      runExtraArgs: ['--nv', '--writable-tmpfs'],
      limaShellExtraArgs: ['--workdir', '/tmp'],
    });
  });

  it('container with def_file only gives empty lists', () => {
    const text = schemaVersion1({ process: undefined, container: { def_file: 'apptainer.def' } });

    expect(parseNodeManifest(text, FILE).execution).toEqual({
      kind: 'container',
      defFile: 'apptainer.def',
      mountPaths: [],
      buildExtraArgs: [],
      runExtraArgs: [],
      limaShellExtraArgs: [],
    });
  });

  it('parameters present', () => {
    const parameters = { rate_hz: { $type: 'u32', $default: 30 }, device: 'string' };

    expect(parseNodeManifest(schemaVersion1({ parameters }), FILE).parameters).toEqual(parameters);
  });

  it('parameters absent gives an empty schema', () => {
    expect(parseNodeManifest(schemaVersion1(), FILE).parameters).toEqual({});
  });

  it('interfaces accepted', () => {
    const interfaces = {
      topics: { emits: [{ name: 'a' }], consumes: [{ name: 'b' }] },
      services: { exposes: [{ name: 'c' }], consumes: [] },
      actions: { exposes: [], consumes: [{ name: 'd' }] },
    };

    expect(parseNodeManifest(schemaVersion1({ interfaces }), FILE).name).toBe('my_node');
  });

  it('JSON5 syntax: comments, unquoted keys, trailing commas', () => {
    const text = `// a node
{
  schema_version: 1,
  manifest: { name: 'my_node', tag: '0.1.0', language: 'rust', },
  /* block comment */
  process: { start_cmd: ['./target/release/my_node',], },
}`;

    expect(parseNodeManifest(text, FILE).execution).toEqual({ kind: 'process', runCommand: ['./target/release/my_node'] });
  });
});

describe('parseNodeManifest node/v1', () => {
  it('process node with build_cmd and run_cmd', () => {
    const manifest = parseNodeManifest(nodeV1({}, { language: 'rust', build_cmd: ['cargo', 'build', '--release'], run_cmd: ['./target/release/my_node'] }), FILE);

    expect(manifest.format).toBe('node/v1');
    expect(manifest.language).toBe('rust');
    expect(manifest.execution).toEqual({ kind: 'process', buildCommand: ['cargo', 'build', '--release'], runCommand: ['./target/release/my_node'] });
  });

  it('process node without build_cmd has no build command', () => {
    expect(parseNodeManifest(nodeV1(), FILE).execution).toEqual({ kind: 'process', runCommand: ['./run.sh'] });
  });

  it('header fields and file', () => {
    const manifest = parseNodeManifest(nodeV1(), FILE);

    expect(manifest.file).toBe(FILE);
    expect(manifest.name).toBe('my_node');
    expect(manifest.tag).toBe('v1');
    expect(manifest.language).toBe('python');
  });

  it('labels present', () => {
    const manifest = parseNodeManifest(nodeV1({ manifest: { name: 'my_node', tag: 'v1', labels: ['camera'] } }), FILE);

    expect(manifest.labels).toEqual(['camera']);
  });

  it('labels absent gives an empty list', () => {
    expect(parseNodeManifest(nodeV1(), FILE).labels).toEqual([]);
  });

  it('implements and depends_on accepted', () => {
    const manifest = {
      name: 'my_node',
      tag: 'v1',
      implements: [{ name: 'rgbd_camera', tag: 'v1', link_id: 'camera', sha256: 'abc' }],
      depends_on: {
        nodes: [{ name: 'recorder', tag: 'v1', link_id: 'recorder', cardinality: 'zero_or_more' }],
        contracts: [{ name: 'rgb_camera', tag: 'v1', link_id: 'camera', sha256: 'abc', cardinality: 'one' }],
        pairings: [{ name: 'joint_link', tag: 'v1', role: 'follower', link_id: 'left_arm', sha256: 'abc', optional: true }],
        pairing_observers: [{ name: 'joint_link', tag: 'v1', role: 'observer', link_id: 'left_arm', sha256: 'abc', cardinality: 'one' }],
      },
    };

    expect(parseNodeManifest(nodeV1({ manifest }), FILE).name).toBe('my_node');
  });

  it('interfaces accepted', () => {
    const interfaces = { topics: { emits: [{ link_id: 'camera', name: 'video_stream' }] }, services: { consumes: [{ name: 'info' }] } };

    expect(parseNodeManifest(nodeV1({ interfaces }), FILE).name).toBe('my_node');
  });

  it('execution.parameters present', () => {
    const parameters = { depth: { min_depth_m: 'f64', downscale: { $type: 'u32', $default: 2 } } };

    expect(parseNodeManifest(nodeV1({}, { language: 'python', run_cmd: ['./run.sh'], parameters }), FILE).parameters).toEqual(parameters);
  });

  it('execution.parameters absent gives an empty schema', () => {
    expect(parseNodeManifest(nodeV1(), FILE).parameters).toEqual({});
  });

  it('container with every optional field', () => {
    const execution = {
      language: 'rust',
      container: {
        def_file: 'apptainer.def',
        mount_paths: ['/tmp/out:/tmp/out:rw'],
        apptainer_build_extra_args: ['--notest', '--fix-perms'],
        apptainer_run_extra_args: ['--nv'],
        lima_shell_extra_args: ['--tty=false'],
      },
    };

    expect(parseNodeManifest(nodeV1({}, execution), FILE).execution).toEqual({
      kind: 'container',
      defFile: 'apptainer.def',
      mountPaths: ['/tmp/out:/tmp/out:rw'],
      buildExtraArgs: ['--notest', '--fix-perms'],
      runExtraArgs: ['--nv'],
      limaShellExtraArgs: ['--tty=false'],
    });
  });

  it('container with def_file only gives empty lists', () => {
    expect(parseNodeManifest(nodeV1({}, { language: 'python', container: { def_file: 'apptainer.def' } }), FILE).execution).toEqual({
      kind: 'container',
      defFile: 'apptainer.def',
      mountPaths: [],
      buildExtraArgs: [],
      runExtraArgs: [],
      limaShellExtraArgs: [],
    });
  });

  it('build_cmd beside container accepted and ignored', () => {
    const execution = { language: 'python', build_cmd: ['uv', 'sync'], container: { def_file: 'apptainer.def' } };
    const manifest = parseNodeManifest(nodeV1({}, execution), FILE);

    expect(manifest.execution.kind).toBe('container');
    expect(manifest.execution).not.toHaveProperty('buildCommand');
  });
});

describe('parseNodeManifest errors', () => {
  it('invalid JSON5: line and column', () => {
    const text = '{\n  schema_version: 1,\n  manifest: { name: "a" tag: "b" },\n}\n';
    const error = parseFailure(text);

    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatchObject({ file: FILE, line: 3, column: 25 });
    expect(error.problems[0].message).toContain('invalid JSON5');
    expect(error.message).toContain(`${FILE}:3:25: invalid JSON5: invalid character 't'`);
    expect(error.message).toContain('\n  Fix: correct the syntax at that position');
  });

  it('invalid JSON5: unexpected end of input', () => {
    const error = parseFailure('{\n  schema_version: 1,\n');

    expect(error.problems[0]).toMatchObject({ file: FILE, line: 3, column: 1 });
    expect(error.message).toContain(`${FILE}:3:1: invalid JSON5: invalid end of input`);
    expect(error.message).toContain('Fix: correct the syntax');
  });

  it('empty file', () => {
    const error = parseFailure('  \n\n');

    expect(error.problems).toEqual([expect.objectContaining({ file: FILE, message: 'the manifest is empty' })]);
    expect(error.problems[0].fix).toContain('nx g nx-peppy:node');
    expect(error.message).toContain(`${FILE}: the manifest is empty`);
    expect(error.message).toContain('Fix: write the node manifest');
  });

  it.each([
    ['an array', '[1, 2]'],
    ['a string', '"peppy"'],
    ['a number', '1'],
    ['null', 'null'],
  ])('non-object: %s', (_label, text) => {
    const error = parseFailure(text);

    expect(error.problems).toEqual([expect.objectContaining({ file: FILE, message: 'the manifest is not an object' })]);
    expect(error.message).toContain(`${FILE}: the manifest is not an object`);
    expect(error.message).toContain('Fix: wrap the manifest in {');
  });

  it('no format key', () => {
    const error = parseFailure(json({ manifest: { name: 'my_node', tag: 'v1' }, execution: { language: 'python', run_cmd: ['./run.sh'] } }));

    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatchObject({ file: FILE, field: 'peppy_schema' });
    expect(error.problems[0].fix).toContain('peppy_schema: "node/v1"');
    expect(error.problems[0].fix).toContain('schema_version: 1');
    expect(error.message).toContain(`${FILE}: peppy_schema: the manifest declares no format`);
  });

  it('wrong peppy_schema value', () => {
    const error = parseFailure(nodeV1({ peppy_schema: 'node/v2' }));

    expect(error.problems).toEqual([
      { file: FILE, field: 'peppy_schema', message: 'invalid value "node/v2"', fix: 'use "node/v1"' },
    ]);
    expect(error.message).toBe(`${FILE}: peppy_schema: invalid value "node/v2"\n  Fix: use "node/v1"`);
  });

  it('schema_version of the wrong type', () => {
    const error = parseFailure(schemaVersion1({ schema_version: '1' }));

    expect(error.problems).toEqual([expect.objectContaining({ file: FILE, field: 'schema_version', message: 'invalid value "1"' })]);
    expect(error.problems[0].fix).toContain('number');
    expect(error.message).toContain(`${FILE}: schema_version: invalid value "1"`);
  });

  describe('process and container', () => {
    it('schema_version 1: both', () => {
      const error = parseFailure(schemaVersion1({ container: { def_file: 'apptainer.def' } }));

      expect(error.problems).toHaveLength(1);
      expect(error.problems[0]).toMatchObject({ file: FILE, field: 'process, container' });
      expect(error.problems[0].message).toContain('not both');
      expect(error.problems[0].fix).toContain('remove the other');
      expect(error.message).toContain(`${FILE}: process, container: a node is either a process node or a container node, not both`);
    });

    it('schema_version 1: neither', () => {
      const error = parseFailure(schemaVersion1({ process: undefined }));

      expect(error.problems).toHaveLength(1);
      expect(error.problems[0]).toMatchObject({ file: FILE, field: 'process | container' });
      expect(error.problems[0].fix).toContain('"process"');
      expect(error.problems[0].fix).toContain('def_file: "apptainer.def"');
      expect(error.message).toContain(`${FILE}: process | container: the manifest declares neither a process nor a container`);
    });

    it('node/v1: both', () => {
      const error = parseFailure(nodeV1({}, { language: 'python', run_cmd: ['./run.sh'], container: { def_file: 'apptainer.def' } }));

      expect(error.problems).toHaveLength(1);
      expect(error.problems[0]).toMatchObject({ file: FILE, field: 'execution.run_cmd, execution.container' });
      expect(error.problems[0].fix).toContain('keep "execution.run_cmd" for a process node or "execution.container" for a container node');
      expect(error.message).toContain(`${FILE}: execution.run_cmd, execution.container: a node is either`);
    });

    it('node/v1: neither', () => {
      const error = parseFailure(nodeV1({}, { language: 'python', build_cmd: ['uv', 'sync'] }));

      expect(error.problems).toHaveLength(1);
      expect(error.problems[0]).toMatchObject({ file: FILE, field: 'execution.run_cmd | execution.container' });
      expect(error.problems[0].fix).toContain('add "execution.run_cmd"');
      expect(error.message).toContain(`${FILE}: execution.run_cmd | execution.container: the manifest declares neither`);
    });
  });

  describe('unknown keys', () => {
    it('top level', () => {
      const error = parseFailure(schemaVersion1({ extra: true }));

      expect(error.problems).toEqual([expect.objectContaining({ file: FILE, field: 'extra', message: 'unknown key "extra"' })]);
      expect(error.problems[0].fix).toContain('remove "extra" or correct its spelling');
      expect(error.message).toContain(`${FILE}: extra: unknown key "extra"\n  Fix: remove "extra"`);
    });

    it('nested in container', () => {
      const error = parseFailure(nodeV1({}, { language: 'python', container: { def_file: 'apptainer.def', mount_path: ['/data'] } }));

      expect(error.problems).toEqual([expect.objectContaining({ file: FILE, field: 'execution.container.mount_path', message: 'unknown key "mount_path"' })]);
      expect(error.message).toContain(`${FILE}: execution.container.mount_path: unknown key "mount_path"`);
      expect(error.message).toContain('Fix: remove "mount_path" or correct its spelling');
    });

    it('inside an array element', () => {
      const manifest = { name: 'my_node', tag: 'v1', depends_on: { nodes: [{ name: 'a', tag: 'v1', link_id: 'a', role: 'x' }] } };
      const error = parseFailure(nodeV1({ manifest }));

      expect(error.problems).toEqual([expect.objectContaining({ file: FILE, field: 'manifest.depends_on.nodes[0].role', message: 'unknown key "role"' })]);
      expect(error.message).toContain(`${FILE}: manifest.depends_on.nodes[0].role: unknown key "role"`);
      expect(error.message).toContain('Fix: remove "role"');
    });

    it('inside interfaces', () => {
      const error = parseFailure(schemaVersion1({ interfaces: { topics: { publishes: [] } } }));

      expect(error.problems).toEqual([expect.objectContaining({ file: FILE, field: 'interfaces.topics.publishes' })]);
      expect(error.message).toContain(`${FILE}: interfaces.topics.publishes: unknown key "publishes"`);
      expect(error.message).toContain('Fix: remove "publishes"');
    });

    it('schema_version beside peppy_schema', () => {
      const error = parseFailure(nodeV1({ schema_version: 1 }));

      expect(error.problems).toEqual([expect.objectContaining({ file: FILE, field: 'schema_version', message: 'unknown key "schema_version"' })]);
      expect(error.message).toContain('Fix: remove "schema_version"');
    });

    it('two unknown keys give two problems', () => {
      const error = parseFailure(schemaVersion1({ first: 1, second: 2 }));

      expect(error.problems.map((problem) => problem.field)).toEqual(['first', 'second']);
      expect(error.message.split('\n')).toHaveLength(4);
    });

    it('node/v1 add_cmd: hint names build_cmd', () => {
      const error = parseFailure(nodeV1({}, { language: 'python', add_cmd: ['uv', 'sync'], run_cmd: ['./run.sh'] }));

      expect(error.problems).toEqual([expect.objectContaining({ file: FILE, field: 'execution.add_cmd', message: 'unknown key "add_cmd"' })]);
      expect(error.problems[0].fix).toContain('"build_cmd"');
      expect(error.message).toContain(`${FILE}: execution.add_cmd: unknown key "add_cmd"`);
      expect(error.message).toContain('the other manifest format calls this field "build_cmd"');
    });

    it('node/v1 start_cmd: hint names run_cmd', () => {
      const error = parseFailure(nodeV1({}, { language: 'python', start_cmd: ['./run.sh'] }));
      const problem = error.problems.find((entry) => entry.field === 'execution.start_cmd');

      expect(problem?.fix).toContain('"run_cmd"');
      expect(error.message).toContain(`${FILE}: execution.start_cmd: unknown key "start_cmd"`);
    });

    it('schema_version 1 build_cmd: hint names add_cmd', () => {
      const error = parseFailure(schemaVersion1({ process: { build_cmd: ['make'], start_cmd: ['./run.sh'] } }));

      expect(error.problems).toEqual([expect.objectContaining({ file: FILE, field: 'process.build_cmd' })]);
      expect(error.problems[0].fix).toContain('"add_cmd"');
      expect(error.message).toContain(`${FILE}: process.build_cmd: unknown key "build_cmd"`);
    });

    it('schema_version 1 run_cmd: hint names start_cmd', () => {
      const error = parseFailure(schemaVersion1({ process: { run_cmd: ['./run.sh'] } }));
      const problem = error.problems.find((entry) => entry.field === 'process.run_cmd');

      expect(problem?.fix).toContain('"start_cmd"');
      expect(error.message).toContain(`${FILE}: process.run_cmd: unknown key "run_cmd"`);
    });
  });

  describe('missing fields', () => {
    it('schema_version 1: container.def_file', () => {
      const error = parseFailure(schemaVersion1({ process: undefined, container: { mount_paths: ['/data'] } }));

      expect(error.problems).toEqual([
        { file: FILE, field: 'container.def_file', message: 'required field is missing', fix: 'add "container.def_file" (a value of type string)' },
      ]);
      expect(error.message).toBe(`${FILE}: container.def_file: required field is missing\n  Fix: add "container.def_file" (a value of type string)`);
    });

    it('node/v1: execution.container.def_file', () => {
      const error = parseFailure(nodeV1({}, { language: 'python', container: {} }));

      expect(error.problems).toEqual([expect.objectContaining({ file: FILE, field: 'execution.container.def_file', message: 'required field is missing' })]);
      expect(error.message).toContain(`${FILE}: execution.container.def_file: required field is missing`);
      expect(error.message).toContain('Fix: add "execution.container.def_file"');
    });

    it('empty def_file', () => {
      const error = parseFailure(nodeV1({}, { language: 'python', container: { def_file: '' } }));

      expect(error.problems).toEqual([expect.objectContaining({ file: FILE, field: 'execution.container.def_file', message: 'must not be empty' })]);
      expect(error.message).toContain(`${FILE}: execution.container.def_file: must not be empty`);
      expect(error.message).toContain('Fix: correct "execution.container.def_file"');
    });

    it('schema_version 1: process.start_cmd', () => {
      const error = parseFailure(schemaVersion1({ process: { add_cmd: ['make'] } }));

      expect(error.problems).toEqual([expect.objectContaining({ file: FILE, field: 'process.start_cmd', message: 'required field is missing' })]);
      expect(error.message).toContain('Fix: add "process.start_cmd"');
    });

    it('node/v1: manifest block', () => {
      const error = parseFailure(nodeV1({ manifest: undefined }));

      expect(error.problems).toEqual([expect.objectContaining({ file: FILE, field: 'manifest', message: 'required field is missing' })]);
      expect(error.message).toContain(`${FILE}: manifest: required field is missing\n  Fix: add "manifest"`);
    });

    // zod reports a missing enum as `invalid_value`, not `invalid_type`.
    it('schema_version 1: manifest.language', () => {
      const error = parseFailure(schemaVersion1({ manifest: { name: 'my_node', tag: '0.1.0' } }));

      expect(error.problems).toHaveLength(1);
      expect(error.problems[0]).toMatchObject({ file: FILE, field: 'manifest.language', message: 'required field is missing' });
      expect(error.problems[0].fix).toContain('"python" or "rust"');
      expect(error.message).toContain(`${FILE}: manifest.language: required field is missing`);
    });

    it('node/v1: execution.language', () => {
      const error = parseFailure(nodeV1({}, { run_cmd: ['./run.sh'] }));

      expect(error.problems).toHaveLength(1);
      expect(error.problems[0]).toMatchObject({ file: FILE, field: 'execution.language', message: 'required field is missing' });
      expect(error.problems[0].fix).toContain('"python" or "rust"');
      expect(error.message).toContain(`${FILE}: execution.language: required field is missing`);
    });
  });

  describe('invalid values', () => {
    it.each([
      ['a space', 'my node'],
      ['a dot', 'my.node'],
      ['a slash', 'nodes/my_node'],
    ])('node name with %s', (_label, name) => {
      const error = parseFailure(nodeV1({ manifest: { name, tag: 'v1' } }));

      expect(error.problems).toEqual([
        { file: FILE, field: 'manifest.name', message: 'may contain only letters, digits, "_" and "-"', fix: expect.stringContaining('for example "my_node"') },
      ]);
      expect(error.message).toContain(`${FILE}: manifest.name: may contain only letters, digits, "_" and "-"`);
      expect(error.message).toContain('Fix: rename the node with letters, digits, "_" and "-" only');
    });

    it('empty node name', () => {
      const error = parseFailure(schemaVersion1({ manifest: { name: '', tag: '0.1.0', language: 'python' } }));

      expect(error.problems[0]).toMatchObject({ file: FILE, field: 'manifest.name', message: 'must not be empty' });
      expect(error.message).toContain(`${FILE}: manifest.name: must not be empty`);
      expect(error.message).toContain('Fix: rename the node');
    });

    it('unsupported language', () => {
      const error = parseFailure(nodeV1({}, { language: 'cpp', run_cmd: ['./run.sh'] }));

      expect(error.problems).toEqual([
        { file: FILE, field: 'execution.language', message: 'invalid value "cpp"', fix: 'use "python" or "rust"' },
      ]);
      expect(error.message).toBe(`${FILE}: execution.language: invalid value "cpp"\n  Fix: use "python" or "rust"`);
    });

    it('empty run_cmd', () => {
      const error = parseFailure(nodeV1({}, { language: 'python', run_cmd: [] }));

      expect(error.problems).toEqual([expect.objectContaining({ file: FILE, field: 'execution.run_cmd', message: 'must not be empty' })]);
      expect(error.problems[0].fix).toContain('give "execution.run_cmd" at least the program to run');
      expect(error.message).toContain(`${FILE}: execution.run_cmd: must not be empty`);
    });

    it('empty start_cmd', () => {
      const error = parseFailure(schemaVersion1({ process: { start_cmd: [] } }));

      expect(error.problems).toEqual([expect.objectContaining({ file: FILE, field: 'process.start_cmd', message: 'must not be empty' })]);
      expect(error.message).toContain('Fix: give "process.start_cmd" at least the program to run');
    });

    it('mount path of the wrong type names the array index', () => {
      const error = parseFailure(nodeV1({}, { language: 'python', container: { def_file: 'apptainer.def', mount_paths: ['/data', 5] } }));

      expect(error.problems).toEqual([expect.objectContaining({ file: FILE, field: 'execution.container.mount_paths[1]', message: 'invalid value 5' })]);
      expect(error.message).toContain(`${FILE}: execution.container.mount_paths[1]: invalid value 5`);
      expect(error.message).toContain('Fix: use a value of type string');
    });

    it('labels as a string', () => {
      const error = parseFailure(nodeV1({ manifest: { name: 'my_node', tag: 'v1', labels: 'camera' } }));

      expect(error.problems).toEqual([expect.objectContaining({ file: FILE, field: 'manifest.labels', message: 'invalid value "camera"' })]);
      expect(error.message).toContain('Fix: use a value of type array');
    });

    it('problems from several fields are all reported', () => {
      const error = parseFailure(nodeV1({ manifest: { name: 'my node', tag: 'v1', colour: 'red' } }, { language: 'cpp', run_cmd: ['./run.sh'] }));
      const fields = error.problems.map((problem) => problem.field).sort();

      expect(fields).toEqual(['execution.language', 'manifest.colour', 'manifest.name']);
    });
  });
});

describe('readNodeManifest', () => {
  let folder: string;

  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'nx-peppy-parse-'));
  });

  afterEach(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it('reads a file and keeps the display path', () => {
    const path = join(folder, MANIFEST_FILE);
    writeFileSync(path, nodeV1());

    const manifest = readNodeManifest(path, 'nodes/a/peppy.json5');

    expect(manifest.file).toBe('nodes/a/peppy.json5');
    expect(manifest.name).toBe('my_node');
  });

  it('display path defaults to the path', () => {
    const path = join(folder, MANIFEST_FILE);
    writeFileSync(path, nodeV1());

    expect(readNodeManifest(path).file).toBe(path);
  });

  it('file not found', () => {
    let caught: unknown;
    try {
      readNodeManifest(join(folder, 'missing', MANIFEST_FILE), 'missing/peppy.json5');
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(NxPeppyError);
    const error = caught as NxPeppyError;
    expect(error.problems).toEqual([
      { file: 'missing/peppy.json5', message: 'cannot read the manifest: file not found', fix: 'create peppy.json5 in the node folder' },
    ]);
    expect(error.message).toBe('missing/peppy.json5: cannot read the manifest: file not found\n  Fix: create peppy.json5 in the node folder');
  });

  it('path is a folder', () => {
    const path = join(folder, MANIFEST_FILE);
    mkdirSync(path);

    expect(() => readNodeManifest(path, 'a/peppy.json5')).toThrow(NxPeppyError);
    expect(() => readNodeManifest(path, 'a/peppy.json5')).toThrow(/^a\/peppy\.json5: cannot read the manifest: /);
  });

  it('errors in the file name the display path', () => {
    const path = join(folder, MANIFEST_FILE);
    writeFileSync(path, '{\n  peppy_schema: "node/v1",\n  oops\n}');

    expect(() => readNodeManifest(path, 'nodes/a/peppy.json5')).toThrow(/^nodes\/a\/peppy\.json5:4:1: invalid JSON5/);
  });
});
