import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

import { buildBusyboxBase, TestWorkspace } from '../support/workspace';

/**
 * Stand-in for `limactl`: appends its arguments and LIMA_HOME to a record
 * file, then runs what follows `--` as the guest would, with only PATH and
 * HOME (host variables do not cross `limactl shell`). Lima mounts host
 * folders at the same path, so running on the host shows whether the guest
 * command line works with the real Apptainer.
 */
const LIMACTL = `#!/usr/bin/env node
const { spawn } = require('child_process');
const fs = require('fs');
const args = process.argv.slice(2);
fs.appendFileSync(process.env.LIMACTL_RECORD, JSON.stringify({ args, limaHome: process.env.LIMA_HOME }) + '\\n');
const command = args.slice(args.indexOf('--') + 1);
const child = spawn(command[0], command.slice(1), { stdio: 'inherit', env: { PATH: process.env.PATH, HOME: process.env.HOME } });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? 128 + require('os').constants.signals[signal]));
`;

const DEFINITION = (base: string) => `Bootstrap: localimage
From: ${base}

%runscript
    echo "inside: start in $(pwd)"
    echo "BEGIN-CONFIG"
    cat "$PEPPY_RUNTIME_CONFIG"
    echo
    echo "END-CONFIG"
    echo "LIST=[\${LIST:-unset}] HOST_ONLY=[\${HOST_ONLY:-unset}]"
    if [ "$1" = exit3 ]; then exit 3; fi
`;

const MANIFEST = `{
  peppy_schema: "node/v1",
  manifest: { name: "my_node", tag: "v1" },
  execution: {
    language: "python",
    parameters: { device: { $type: "string", $default: "/dev/null" } },
    container: { def_file: "apptainer.def", lima_shell_extra_args: ["--tty=false"] },
  },
}
`;

interface Call {
  args: string[];
  limaHome?: string;
}

describe('nx serve with the lima runtime and a stand-in limactl', () => {
  const workspace = new TestWorkspace();
  let bin = '';
  let record = '';

  function env(home: string): Record<string, string> {
    return { HOME: home, LIMACTL_RECORD: record, PATH: `${bin}${delimiter}${workspace.env().PATH}` };
  }

  function calls(): Call[] {
    if (!existsSync(record)) return [];
    return readFileSync(record, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((text) => JSON.parse(text) as Call);
  }

  beforeAll(() => {
    bin = mkdtempSync(join(tmpdir(), 'nx-peppy-limactl-'));
    record = join(bin, 'calls.jsonl');
    writeFileSync(join(bin, 'limactl'), LIMACTL);
    chmodSync(join(bin, 'limactl'), 0o755);

    workspace.install();
    buildBusyboxBase(workspace.path('images', 'busybox.sif'));
    const generate = workspace.nx(['g', 'nx-peppy:node', 'my_node', '--container', '--directory', 'nodes/my_node']);
    if (generate.status !== 0) throw new Error(generate.output);
    workspace.write('nodes/my_node/peppy.json5', MANIFEST);
    workspace.write('nodes/my_node/apptainer.def', DEFINITION(workspace.path('images', 'busybox.sif')));
    const build = workspace.nx(['build', 'my_node']);
    if (build.status !== 0) throw new Error(build.output);
  });

  afterAll(() => {
    workspace.remove();
    if (bin) rmSync(bin, { recursive: true, force: true });
  });

  beforeEach(() => rmSync(record, { force: true }));

  it('limactl gets the exact arguments', () => {
    const result = workspace.nx(['serve', 'my_node', '--runtime=lima', '--env.LIST=a,b', '--limaShellExtraArgs=--debug'], { ...env(workspace.root), HOST_ONLY: '1' });

    expect(result.status).toBe(0);
    const [call] = calls();
    const work = call.args[9];
    const runFolder = work.slice(0, -'/work'.length);
    expect(work).toMatch(new RegExp(`^${workspace.root}/\\.cache/nx-peppy/runs/nx-peppy-run-\\d+-[^/]+/work$`));
    expect(call.args).toEqual([
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
      `${runFolder}/container.env`,
      '--env',
      'PEPPY_NODE_NAME=my_node',
      '--env',
      'PEPPY_NODE_TAG=v1',
      '--env',
      `PEPPY_RUNTIME_CONFIG=${runFolder}/runtime_config.json5`,
      '--bind',
      `${runFolder}/runtime_config.json5`,
      '--no-home',
      workspace.path('dist/nodes/my_node/my_node_v1.sif'),
    ]);
    expect(call.limaHome).toBe(join(workspace.root, '.lima'));
  });

  it('guest command runs the container', () => {
    const result = workspace.nx(['serve', 'my_node', '--runtime=lima', '--env.LIST=a,b'], { ...env(workspace.root), HOST_ONLY: '1' });

    expect(result.output).toMatch(/inside: start in \/.*\/nx-peppy-run-\d+-[^/]+\/work/);
    expect(result.output).toContain('LIST=[a,b] HOST_ONLY=[unset]');
    const config = JSON.parse(result.output.slice(result.output.indexOf('BEGIN-CONFIG') + 12, result.output.indexOf('END-CONFIG')));
    expect(config.messaging_host).toBe('host.lima.internal');
    expect(config.node_instance.arguments).toEqual({ device: '/dev/null' });
  });

  it('instance name option', () => {
    workspace.nx(['serve', 'my_node', '--runtime=lima', '--limaInstance=lab'], env(workspace.root));

    expect(calls()[0].args.slice(0, 2)).toEqual(['shell', 'lab']);
  });

  it('exit status passes through limactl', () => {
    const result = workspace.run(workspace.path('node_modules/.bin/nx-peppy'), ['serve', 'my_node', '--runtime=lima', '--args=exit3'], workspace.env(env(workspace.root)));

    expect(result.output).toContain('my_node exited with status 3.');
    expect(result.status).toBe(3);
  });

  it('workspace outside home refused', () => {
    const home = mkdtempSync(join(tmpdir(), 'nx-peppy-lima-home-'));
    try {
      const result = workspace.nx(['serve', 'my_node', '--runtime=lima'], env(home));

      expect(result.status).not.toBe(0);
      expect(calls()).toEqual([]);
      expect(result.output).toContain(`image ${workspace.path('dist/nodes/my_node/my_node_v1.sif')} is outside your home folder, so the Lima VM cannot see it`);
      expect(result.output).toContain(`add it to the mounts of ${home}/.lima/peppy/lima.yaml`);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
