import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import JSON5 from 'json5';

import { MANIFEST_FILE, readNodeManifest, type NodeManifest } from '../manifest';
import { createRunFolder, removeStaleRunFolders, type RunFolder } from './run-folder';
import { createRuntimeConfig, parameterDefaults, serializeRuntimeConfig } from './runtime-config';

const CORPUS = join(__dirname, '../../../../fixtures/corpus');

function corpusManifest(folder: string): NodeManifest {
  return readNodeManifest(join(CORPUS, folder, MANIFEST_FILE), `${folder}/${MANIFEST_FILE}`);
}

describe('parameterDefaults on the corpus', () => {
  it('xr_commander: every $default, nothing else', () => {
    expect(parameterDefaults(corpusManifest('node-v1/xr_commander').parameters)).toEqual({
      https_port: 4443,
      https_host: '0.0.0.0',
      motion_scale: 1.0,
      gripper_open_fraction: 1.0,
      posture_move_duration_s: 2.0,
      stale_timeout_s: 0.25,
      view_max_width: 640,
      status_panel_enabled: true,
    });
  });

  it('xr_commander: a parameter without $default is left out', () => {
    expect(parameterDefaults(corpusManifest('node-v1/xr_commander').parameters)).not.toHaveProperty('command_rate_hz');
  });

  it('openarm_sim_mujoco', () => {
    expect(parameterDefaults(corpusManifest('node-v1/openarm_sim_mujoco').parameters)).toEqual({
      headless: true,
      viewer_host: '0.0.0.0',
      viewer_port: 8080,
    });
  });

  it('realsense_d4xx: empty-string default kept', () => {
    expect(parameterDefaults(corpusManifest('node-v1/realsense_d4xx').parameters)).toEqual({ serial: '' });
  });

  it.each([
    'legacy/uvc_camera',
    'node-v1/zed_camera',
    'node-v1/uvc_camera_video_reconstruction_python',
    'node-v1/my_python_robot_arm',
    'node-v1/my_rust_robot_arm',
  ])('%s: no defaults, including nested groups', (folder) => {
    expect(parameterDefaults(corpusManifest(folder).parameters)).toEqual({});
  });
});

describe('parameterDefaults nested groups', () => {
  it('plain group keeps its structure', () => {
    const schema = {
      device_path: 'string',
      video: {
        frame_rate: { $type: 'u16', $default: 30 },
        resolution: { width: { $type: 'u32', $default: 640 }, height: 'u32' },
        camera_encoding: 'string',
      },
    };

    expect(parameterDefaults(schema)).toEqual({ video: { frame_rate: 30, resolution: { width: 640 } } });
  });

  it('group marked $type object', () => {
    const schema = { limits: { $type: 'object', max_speed: { $type: 'f64', $default: 0.5 }, max_force: 'f64' } };

    expect(parameterDefaults(schema)).toEqual({ limits: { max_speed: 0.5 } });
  });

  it('group without defaults left out', () => {
    expect(parameterDefaults({ depth: { min_depth_m: 'f64', downscale: 'u32' } })).toEqual({});
  });

  it('typed leaf without $default is not a group', () => {
    expect(parameterDefaults({ frame: { $type: 'array', $items: 'u8', inner: { $type: 'u8', $default: 1 } } })).toEqual({});
  });

  it('$default on a group wins over its fields', () => {
    const schema = { pose: { $type: 'object', $default: { x: 0 }, x: { $type: 'f64', $default: 1 } } };

    expect(parameterDefaults(schema)).toEqual({ pose: { x: 0 } });
  });

  it.each([
    ['false', false],
    ['zero', 0],
    ['null', null],
    ['an array', [1, 2, 3]],
  ])('falsy or structured default kept: %s', (_label, value) => {
    expect(parameterDefaults({ p: { $type: 'any', $default: value } })).toEqual({ p: value });
  });

  it('empty schema', () => {
    expect(parameterDefaults({})).toEqual({});
  });
});

describe('createRuntimeConfig', () => {
  const manifest = corpusManifest('node-v1/xr_commander');

  it('node name and tag', () => {
    const config = createRuntimeConfig(manifest);

    expect(config.node_name).toBe('xr_commander');
    expect(config.node_tag).toBe('v1');
  });

  it('messaging defaults to 127.0.0.1:7448', () => {
    const config = createRuntimeConfig(manifest);

    expect(config.messaging_host).toBe('127.0.0.1');
    expect(config.messaging_port).toBe(7448);
  });

  it('messaging host and port from options', () => {
    const config = createRuntimeConfig(manifest, { messagingHost: '127.0.0.2', messagingPort: 17448 });

    expect(config.messaging_host).toBe('127.0.0.2');
    expect(config.messaging_port).toBe(17448);
  });

  it('default instance id: name and 8 hex digits', () => {
    expect(createRuntimeConfig(manifest).node_instance.instance_id).toMatch(/^xr_commander-[0-9a-f]{8}$/);
  });

  it('default instance ids differ between runs', () => {
    expect(createRuntimeConfig(manifest).node_instance.instance_id).not.toBe(createRuntimeConfig(manifest).node_instance.instance_id);
  });

  it('instance id from options', () => {
    expect(createRuntimeConfig(manifest, { instanceId: 'left_arm' }).node_instance.instance_id).toBe('left_arm');
  });

  it('arguments are the parameter defaults', () => {
    expect(createRuntimeConfig(manifest).node_instance.arguments).toEqual(parameterDefaults(manifest.parameters));
  });

  it('arguments from options', () => {
    expect(createRuntimeConfig(manifest, { arguments: { command_rate_hz: 50 } }).node_instance.arguments).toEqual({ command_rate_hz: 50 });
  });

  it('whole object with every option', () => {
    const config = createRuntimeConfig(corpusManifest('node-v1/openarm_sim_mujoco'), {
      messagingHost: '::1',
      messagingPort: 7000,
      instanceId: 'sim',
    });

    expect(config).toEqual({
      node_name: 'openarm_sim_mujoco',
      node_tag: 'v1',
      messaging_host: '::1',
      messaging_port: 7000,
      node_instance: { instance_id: 'sim', arguments: { headless: true, viewer_host: '0.0.0.0', viewer_port: 8080 } },
    });
  });
});

describe('createRunFolder', () => {
  const config = createRuntimeConfig(corpusManifest('node-v1/xr_commander'), { instanceId: 'xr-test' });
  const folders: RunFolder[] = [];

  function runFolder(): RunFolder {
    const folder = createRunFolder(config);
    folders.push(folder);
    return folder;
  }

  afterEach(() => {
    for (const folder of folders.splice(0)) folder.dispose();
  });

  it('fresh folder under the system temp folder', () => {
    const folder = runFolder();

    expect(statSync(folder.path).isDirectory()).toBe(true);
    expect(dirname(folder.path)).toBe(tmpdir());
  });

  it('holds the runtime config and the working folder', () => {
    const folder = runFolder();

    expect(readdirSync(folder.path).sort()).toEqual(['runtime_config.json5', 'work']);
    expect(folder.runtimeConfigFile).toBe(join(folder.path, 'runtime_config.json5'));
  });

  it('working folder is empty', () => {
    const folder = runFolder();

    expect(folder.workingDir).toBe(join(folder.path, 'work'));
    expect(readdirSync(folder.workingDir)).toEqual([]);
  });

  it('folder name carries the process id', () => {
    expect(runFolder().path).toContain(`nx-peppy-run-${process.pid}-`);
  });

  it('without a config no runtime config file is written', () => {
    const folder = createRunFolder(undefined);
    folders.push(folder);

    expect(existsSync(folder.runtimeConfigFile)).toBe(false);
  });

  it('private file has mode 600', () => {
    const file = runFolder().writePrivateFile('container.env', "A='1'\n");

    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe("A='1'\n");
  });

  it('parent folder option', () => {
    const parent = mkdtempSync(join(tmpdir(), 'nx-peppy-parent-'));
    try {
      const folder = createRunFolder(config, { parent: join(parent, 'runs') });

      expect(dirname(folder.path)).toBe(join(parent, 'runs'));
      folder.dispose();
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it('runtime config is JSON equal to the config', () => {
    const folder = runFolder();

    expect(JSON.parse(readFileSync(folder.runtimeConfigFile, 'utf8'))).toEqual(config);
  });

  it('runtime config parses as JSON5', () => {
    const folder = runFolder();

    expect(JSON5.parse(readFileSync(folder.runtimeConfigFile, 'utf8'))).toEqual(config);
  });

  it('two runs get two folders', () => {
    expect(runFolder().path).not.toBe(runFolder().path);
  });

  it('dispose removes the folder', () => {
    const folder = createRunFolder(config);

    folder.dispose();

    expect(existsSync(folder.path)).toBe(false);
  });

  it('dispose twice is not an error', () => {
    const folder = createRunFolder(config);
    folder.dispose();

    expect(() => folder.dispose()).not.toThrow();
  });
});

describe('removeStaleRunFolders', () => {
  let parent: string;

  beforeEach(() => {
    parent = mkdtempSync(join(tmpdir(), 'nx-peppy-stale-'));
  });

  afterEach(() => rmSync(parent, { recursive: true, force: true }));

  it('removes folders of processes that are gone', () => {
    // Process ids are below 2^22 on Linux, so this one cannot exist.
    mkdirSync(join(parent, 'nx-peppy-run-99999999-abc'));

    expect(removeStaleRunFolders(parent)).toEqual([join(parent, 'nx-peppy-run-99999999-abc')]);
    expect(readdirSync(parent)).toEqual([]);
  });

  it('keeps folders of running processes', () => {
    mkdirSync(join(parent, `nx-peppy-run-${process.pid}-abc`));

    expect(removeStaleRunFolders(parent)).toEqual([]);
    expect(readdirSync(parent)).toEqual([`nx-peppy-run-${process.pid}-abc`]);
  });

  it('leaves other folders alone', () => {
    mkdirSync(join(parent, 'nx-peppy-runner'));
    mkdirSync(join(parent, 'other-99999999-x'));

    removeStaleRunFolders(parent);

    expect(readdirSync(parent).sort()).toEqual(['nx-peppy-runner', 'other-99999999-x']);
  });

  it('missing parent is not an error', () => {
    expect(removeStaleRunFolders(join(parent, 'missing'))).toEqual([]);
  });
});

describe('serializeRuntimeConfig', () => {
  it('same text as JSON.stringify for plain values', () => {
    const value = { a: 1, b: [true, null, 'x'], c: { d: 1.5 }, e: [], f: {} };

    expect(serializeRuntimeConfig(value)).toBe(JSON.stringify(value, null, 2));
  });

  it('bigint written as exact digits', () => {
    expect(serializeRuntimeConfig({ max: 18_446_744_073_709_551_615n })).toBe('{\n  "max": 18446744073709551615\n}');
  });

  it('bigint text parses back as a number', () => {
    expect(JSON5.parse(serializeRuntimeConfig({ big: [9_007_199_254_740_993n] }))).toEqual({ big: [9_007_199_254_740_992] });
  });
});
