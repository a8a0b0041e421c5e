import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';

import { logger, type ExecutorContext } from '@nx/devkit';
import JSON5 from 'json5';

import serveExecutor from './executor';
import { EXIT_STATUS_FILE_VARIABLE } from './exit-status';
import type { ServeExecutorSchema } from './schema';

/**
 * What the stand-in `apptainer` saw. It reads the runtime config and the env
 * file while they exist, because serve removes them when the run ends.
 */
interface Recording {
  args: string[];
  cwd: string;
  cwdEntries: string[];
  env: Record<string, string>;
  envFile: string | null;
  runtimeConfig: string | null;
}

const RECORDER = `#!/usr/bin/env node
const fs = require('fs');
const args = process.argv.slice(2);
const read = (flag) => { const i = args.indexOf(flag); return i >= 0 ? fs.readFileSync(args[i + 1], 'utf8') : null; };
const config = (args.find((a) => a.startsWith('PEPPY_RUNTIME_CONFIG=')) || '').slice('PEPPY_RUNTIME_CONFIG='.length);
fs.writeFileSync(process.env.RECORD_FILE, JSON.stringify({
  args, cwd: process.cwd(), cwdEntries: fs.readdirSync(process.cwd()), env: process.env,
  envFile: read('--env-file'), runtimeConfig: config ? fs.readFileSync(config, 'utf8') : null,
}));
process.exit(Number(process.env.FAKE_EXIT || 0));
`;

const CONTAINER_MANIFEST = {
  peppy_schema: 'node/v1',
  manifest: { name: 'cam', tag: 'v1' },
  execution: {
    language: 'python',
    parameters: {
      device: 'string',
      video: { frame_rate: { $type: 'u16', $default: 30 }, encoding: { $type: 'string', $default: 'rgb8' } },
      storage: { $type: 'string', $default: '' },
    },
    container: { def_file: 'apptainer.def', apptainer_run_extra_args: ['--writable-tmpfs'] },
  },
};

describe('serve executor', () => {
  let root: string;
  let record: string;
  let errors: string[];
  let warnings: string[];
  const saved = { ...process.env };

  function writeManifest(manifest: object): void {
    writeFileSync(join(root, 'nodes/cam/peppy.json5'), JSON5.stringify(manifest, null, 2));
  }

  function context(): ExecutorContext {
    return {
      root,
      cwd: root,
      isVerbose: false,
      projectName: 'cam',
      projectsConfigurations: { version: 2, projects: { cam: { root: 'nodes/cam', targets: {} } } },
      nxJsonConfiguration: {},
      projectGraph: { nodes: {}, dependencies: {} },
    } as ExecutorContext;
  }

  async function serve(options: ServeExecutorSchema) {
    return serveExecutor({ apptainerPath: join(root, 'bin', 'apptainer'), runtime: 'native', ...options }, context());
  }

  function recording(): Recording {
    return JSON.parse(readFileSync(record, 'utf8')) as Recording;
  }

  function argAfter(args: string[], flag: string): string[] {
    return args.flatMap((arg, index) => (args[index - 1] === flag ? [arg] : []));
  }

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'nx-peppy-serve-'));
    record = join(root, 'record.json');
    mkdirSync(join(root, 'nodes/cam'), { recursive: true });
    mkdirSync(join(root, 'dist/nodes/cam'), { recursive: true });
    mkdirSync(join(root, 'bin'));
    writeFileSync(join(root, 'dist/nodes/cam/cam_v1.sif'), 'not a real image');
    writeFileSync(join(root, 'bin/apptainer'), RECORDER);
    chmodSync(join(root, 'bin/apptainer'), 0o755);
    writeManifest(CONTAINER_MANIFEST);
    process.env.RECORD_FILE = record;

    errors = [];
    warnings = [];
    jest.spyOn(logger, 'error').mockImplementation((message) => void errors.push(String(message)));
    jest.spyOn(logger, 'warn').mockImplementation((message) => void warnings.push(String(message)));
    jest.spyOn(logger, 'info').mockImplementation(() => undefined);
    jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });

  afterEach(() => {
    jest.restoreAllMocks();
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
    rmSync(root, { recursive: true, force: true });
  });

  describe('container node', () => {
    it('runs apptainer run --cleanenv --no-home with the runtime config bound at its path', async () => {
      const result = await serve({ param: ['device=/dev/video0'] });

      expect(result).toEqual({ success: true });
      const { args } = recording();
      const config = argAfter(args, '--env').find((value) => value.startsWith('PEPPY_RUNTIME_CONFIG='))!.split('=')[1];
      expect(args.slice(0, 2)).toEqual(['run', '--cleanenv']);
      expect(args).toContain('--no-home');
      expect(argAfter(args, '--bind')[0]).toBe(config);
      expect(args.slice(-1)).toEqual([join(root, 'dist/nodes/cam/cam_v1.sif')]);
    });

    it('runtime config holds defaults and --param values', async () => {
      await serve({ param: ['device=/dev/video0', 'video.frame_rate=60'] });

      const config = JSON5.parse(recording().runtimeConfig!);
      expect(config).toEqual({
        node_name: 'cam',
        node_tag: 'v1',
        messaging_host: '127.0.0.1',
        messaging_port: 7448,
        node_instance: { instance_id: expect.stringMatching(/^cam-[0-9a-f]{8}$/), arguments: { device: '/dev/video0', video: { frame_rate: 60, encoding: 'rgb8' }, storage: '' } },
      });
    });

    it('params option, messaging options and instance id', async () => {
      await serve({ params: { device: '/dev/video1', 'video.encoding': 'mjpeg' }, messagingHost: '127.0.0.2', messagingPort: 17448, instanceId: 'left' });

      const config = JSON5.parse(recording().runtimeConfig!);
      expect(config.node_instance).toEqual({ instance_id: 'left', arguments: { device: '/dev/video1', video: { frame_rate: 30, encoding: 'mjpeg' }, storage: '' } });
      expect([config.messaging_host, config.messaging_port]).toEqual(['127.0.0.2', 17448]);
    });

    it('runs from a fresh empty working folder', async () => {
      await serve({ param: 'device=x' });

      expect(recording().cwdEntries).toEqual([]);
      expect(recording().cwd).toMatch(/nx-peppy-run-\d+-[^/]+\/work$/);
    });

    it('run folder is removed after the run', async () => {
      await serve({ param: 'device=x' });

      expect(existsSync(dirname(recording().cwd))).toBe(false);
    });

    it('run folder is removed when the node fails', async () => {
      process.env.FAKE_EXIT = '3';

      await serve({ param: 'device=x' });

      expect(existsSync(dirname(recording().cwd))).toBe(false);
    });

    it('exit status 3 fails the task and is recorded for nx-peppy serve', async () => {
      process.env.FAKE_EXIT = '3';
      process.env[EXIT_STATUS_FILE_VARIABLE] = join(root, 'status');

      const result = await serve({ param: 'device=x' });

      expect(result).toEqual({ success: false });
      expect(readFileSync(join(root, 'status'), 'utf8')).toBe('3\n');
      expect(errors).toContain('cam exited with status 3.');
    });

    it('wrong parameter values: one error listing all, apptainer not started', async () => {
      const result = await serve({ param: ['video.frame_rate=fast', 'exposure=3'] });

      expect(result).toEqual({ success: false });
      expect(existsSync(record)).toBe(false);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain('param video.frame_rate: invalid value "fast"');
      expect(errors[0]).toContain('unknown parameter "exposure"');
      expect(errors[0]).toContain('required parameter "device" (string) has no value');
    });

    it('declared env: plain values as --env, others in a private env file', async () => {
      await serve({ param: 'device=x', env: { RUST_LOG: 'info', LIST: 'a,b=c', QUOTE: "it's" } });

      const { args, envFile } = recording();
      expect(argAfter(args, '--env')).toEqual(expect.arrayContaining(['RUST_LOG=info', 'PEPPY_NODE_NAME=cam', 'PEPPY_NODE_TAG=v1']));
      expect(argAfter(args, '--env').some((value) => value.startsWith('LIST'))).toBe(false);
      expect(envFile).toBe(`LIST='a,b=c'\nQUOTE='it'"'"'s'\n`);
      expect(args).not.toContain('--no-eval');
    });

    it('a value with $ adds --no-eval', async () => {
      await serve({ param: 'device=x', env: { PRICE: '$5' } });

      expect(recording().args).toContain('--no-eval');
    });

    it('env file option feeds the container', async () => {
      writeFileSync(join(root, 'cam.env'), 'MODE=sim\n');

      await serve({ param: 'device=x', envFile: 'cam.env' });

      expect(argAfter(recording().args, '--env')).toContain('MODE=sim');
    });

    it('rejected variable: error, apptainer not started', async () => {
      const result = await serve({ param: 'device=x', env: { PYTHONPATH: '/opt/lib' } });

      expect(result).toEqual({ success: false });
      expect(existsSync(record)).toBe(false);
      expect(errors[0]).toContain('PYTHONPATH cannot be passed to a node');
    });

    it('host APPTAINERENV_ variables do not reach apptainer', async () => {
      process.env.APPTAINERENV_SECRET = '1';
      process.env.APPTAINER_BIND = '/srv';

      await serve({ param: 'device=x' });

      expect(recording().env.APPTAINERENV_SECRET).toBeUndefined();
      expect(recording().env.APPTAINER_BIND).toBeUndefined();
      expect(warnings.join('\n')).toContain('not passing APPTAINERENV_SECRET, APPTAINER_BIND to Apptainer');
    });

    it('mounts become binds in order; missing source created with a warning', async () => {
      const data = join(root, 'data');
      mkdirSync(data);
      const created = join(root, 'recordings');
      writeManifest({
        ...CONTAINER_MANIFEST,
        execution: {
          ...CONTAINER_MANIFEST.execution,
          container: { def_file: 'apptainer.def', mount_paths: [`${data}:/data:ro`, '${parameters:storage}:/recordings', '/dev/video0'] },
        },
      });

      await serve({ param: ['device=x', `storage=${created}`] });

      expect(argAfter(recording().args, '--bind').slice(1)).toEqual([`${data}:/data:ro`, `${created}:/recordings`]);
      expect(existsSync(created)).toBe(true);
      expect(warnings).toContain(`warning: created the missing mount source ${created} (if you meant to bind an existing file, the path has a typo)`);
    });

    it('blocked mount source: error before apptainer', async () => {
      writeManifest({ ...CONTAINER_MANIFEST, execution: { ...CONTAINER_MANIFEST.execution, container: { def_file: 'apptainer.def', mount_paths: ['/etc:/host-etc'] } } });

      const result = await serve({ param: 'device=x' });

      expect(result).toEqual({ success: false });
      expect(existsSync(record)).toBe(false);
      expect(errors[0]).toContain('execution.container.mount_paths[0]: invalid mount path "/etc:/host-etc"');
    });

    it('manifest extra args, then executor extra args, then the image and runscript args', async () => {
      await serve({ param: 'device=x', extraArgs: ['--nv'], args: ['--verbose'] });

      const { args } = recording();
      const image = join(root, 'dist/nodes/cam/cam_v1.sif');
      expect(args.slice(args.indexOf('--writable-tmpfs'))).toEqual(['--writable-tmpfs', '--nv', image, '--verbose']);
    });

    it('hostMounts keeps the home mount and the working folder', async () => {
      await serve({ param: 'device=x', hostMounts: true });

      expect(recording().args).not.toContain('--no-home');
      expect(recording().cwd).toBe(root);
    });

    it('user runtime config used as it is', async () => {
      writeFileSync(join(root, 'my-config.json5'), '{ node_name: "cam", node_instance: { arguments: { device: "/dev/video9" } } }');

      await serve({ runtimeConfig: 'my-config.json5' });

      expect(argAfter(recording().args, '--env')).toContain(`PEPPY_RUNTIME_CONFIG=${join(root, 'my-config.json5')}`);
      expect(recording().runtimeConfig).toBe('{ node_name: "cam", node_instance: { arguments: { device: "/dev/video9" } } }');
    });

    it('user runtime config with --param is an error', async () => {
      writeFileSync(join(root, 'my-config.json5'), '{}');

      expect(await serve({ runtimeConfig: 'my-config.json5', param: 'device=x' })).toEqual({ success: false });
      expect(errors[0]).toContain('runtimeConfig cannot be combined with param or params');
    });

    it('missing image', async () => {
      rmSync(join(root, 'dist/nodes/cam/cam_v1.sif'));

      expect(await serve({ param: 'device=x' })).toEqual({ success: false });
      expect(errors[0]).toContain('dist/nodes/cam/cam_v1.sif: image not found');
    });

    it('invalid killTimeout', async () => {
      expect(await serve({ param: 'device=x', killTimeout: -1 })).toEqual({ success: false });
      expect(errors[0]).toContain('invalid killTimeout -1');
    });
  });

  describe('container node in Lima, with a stand-in limactl', () => {
    it('runs apptainer through limactl shell with the exact arguments', async () => {
      const bin = join(root, 'lima-bin');
      mkdirSync(bin);
      writeFileSync(join(bin, 'limactl'), RECORDER);
      chmodSync(join(bin, 'limactl'), 0o755);
      process.env.PATH = `${bin}${delimiter}${process.env.PATH}`;
      process.env.HOME = root;
      writeManifest({ ...CONTAINER_MANIFEST, execution: { ...CONTAINER_MANIFEST.execution, container: { def_file: 'apptainer.def', lima_shell_extra_args: ['--tty=false'] } } });

      await serveExecutor({ runtime: 'lima', param: 'device=x', env: { LIST: 'a,b' }, limaShellExtraArgs: ['--debug'] }, context());

      const { args } = recording();
      const work = args[9];
      const config = join(dirname(work), 'runtime_config.json5');
      expect(work).toMatch(new RegExp(`^${root}/\\.cache/nx-peppy/runs/nx-peppy-run-\\d+-[^/]+/work$`));
      expect(args).toEqual([
        'shell',
        'peppy',
        '--tty=false',
        '--debug',
        '--',
        'sh',
        '-c',
        'cd "$1" && shift && exec "$@"',
        'sh',
        work,
        'apptainer',
        'run',
        '--cleanenv',
        '--env-file',
        join(dirname(work), 'container.env'),
        '--env',
        'PEPPY_NODE_NAME=cam',
        '--env',
        'PEPPY_NODE_TAG=v1',
        '--env',
        `PEPPY_RUNTIME_CONFIG=${config}`,
        '--bind',
        config,
        '--no-home',
        join(root, 'dist/nodes/cam/cam_v1.sif'),
      ]);
      expect(JSON5.parse(recording().runtimeConfig ?? '{}').messaging_host).toBe('host.lima.internal');
    });

    it('image outside the home folder is refused', async () => {
      process.env.HOME = join(root, 'home');
      mkdirSync(process.env.HOME);

      const result = await serveExecutor({ runtime: 'lima', param: 'device=x' }, context());

      expect(result).toEqual({ success: false });
      expect(errors[0]).toContain(`image ${join(root, 'dist/nodes/cam/cam_v1.sif')} is outside your home folder, so the Lima VM cannot see it`);
      expect(errors[0]).toContain('lima.yaml');
    });
  });

  describe('process node', () => {
    const script = `#!/bin/sh\nnode -e 'require("fs").writeFileSync(process.env.RECORD_FILE, JSON.stringify({ args: process.argv.slice(1), cwd: process.cwd(), env: process.env, runtimeConfig: require("fs").readFileSync(process.env.PEPPY_RUNTIME_CONFIG, "utf8") }))' -- "$@"\nexit \${FAKE_EXIT:-0}\n`;

    beforeEach(() => {
      writeManifest({
        peppy_schema: 'node/v1',
        manifest: { name: 'cam', tag: 'v1' },
        execution: { language: 'rust', parameters: { rate: { $type: 'u16', $default: 30 } }, run_cmd: ['./run.sh', '--flag'] },
      });
      writeFileSync(join(root, 'nodes/cam/run.sh'), script);
      chmodSync(join(root, 'nodes/cam/run.sh'), 0o755);
    });

    it('runs the start command from the node folder with the runtime config', async () => {
      const result = await serve({ param: 'rate=60', args: ['extra'] });

      expect(result).toEqual({ success: true });
      const seen = recording();
      expect(seen.cwd).toBe(join(root, 'nodes/cam'));
      expect(seen.args).toEqual(['--flag', 'extra']);
      expect(JSON5.parse(seen.runtimeConfig!).node_instance.arguments).toEqual({ rate: 60 });
    });

    it('environment filtered as PeppyOS filters it, plus declared variables', async () => {
      process.env.SECRET_HOST_VAR = '1';
      process.env.PYTHONPATH = '/host/lib';
      process.env.SPACED_VALUE = 'a b';

      await serve({ env: { MODE: 'sim' } });

      const { env } = recording();
      expect(env.SECRET_HOST_VAR).toBe('1');
      expect(env.PYTHONPATH).toBeUndefined();
      expect(env.SPACED_VALUE).toBeUndefined();
      expect(env.MODE).toBe('sim');
      expect(env.PEPPY_NODE_NAME).toBe('cam');
      expect(env.PEPPY_RUNTIME_CONFIG).toMatch(/runtime_config\.json5$/);
    });

    it('exit status is the command status', async () => {
      process.env.FAKE_EXIT = '4';

      expect(await serve({})).toEqual({ success: false });
      expect(errors).toContain('cam exited with status 4.');
    });

    it('run folder is gone afterwards', async () => {
      await serve({});

      expect(existsSync(dirname(recording().env.PEPPY_RUNTIME_CONFIG))).toBe(false);
      expect(readdirSync(join(root, 'nodes/cam')).sort()).toEqual(['peppy.json5', 'run.sh']);
    });
  });
});
