import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

import { buildBusyboxBase, TestWorkspace } from '../support/workspace';

/** Unique words in the runscript's command lines, so that `pgrep -f` finds only this test's processes. */
const SLEEP_MARKER = '987654';
const TRAP_MARKER = 'nx-peppy-trap-loop-987655';
const STATUS_MARKER = 'nx-peppy-status-loop-987656';

/**
 * A runscript that prints what the node receives, then acts on its first
 * argument: `sleep` and `trap` keep running, `exit3` exits with 3, and
 * `statuses` runs until SIGTERM (exit 7) or SIGINT (exit 8). Its loop starts
 * a new short-lived child all the time, which Nx's own stopping handles badly.
 */
const RUNSCRIPT = `%runscript
    echo "inside: start"
    echo "config: $PEPPY_RUNTIME_CONFIG"
    echo "BEGIN-CONFIG"
    cat "$PEPPY_RUNTIME_CONFIG"
    echo
    echo "END-CONFIG"
    echo "SECRET_HOST_VAR=[\${SECRET_HOST_VAR:-unset}]"
    echo "PYTHONPATH=[\${PYTHONPATH:-unset}]"
    echo "LIST=[\${LIST:-unset}]"
    echo "working folder: $(pwd) entries: [$(ls -A)]"
    if [ -n "$MARKER" ]; then
        if [ -e "$MARKER" ]; then echo "marker: visible"; else echo "marker: hidden"; fi
    fi
    if [ -f /data/hello.txt ]; then echo "data: $(cat /data/hello.txt)"; fi
    case "$1" in
        sleep) exec sleep ${SLEEP_MARKER} ;;
        trap) exec sh -c 'trap "echo ignoring the signal" INT TERM; while true; do sleep 1; done' ${TRAP_MARKER} ;;
        exit3) exit 3 ;;
        statuses) exec sh -c 'trap "exit 7" TERM; trap "exit 8" INT; echo "statuses: running"; while true; do sleep 0.1; done' ${STATUS_MARKER} ;;
    esac
`;

function definition(baseImage: string): string {
  return `Bootstrap: localimage\nFrom: ${baseImage}\n\n%files\n    . /opt/my_node\n\n${RUNSCRIPT}`;
}

function manifest(dataDir: string, createdDir: string): string {
  return `{
  peppy_schema: "node/v1",
  manifest: { name: "my_node", tag: "v1" },
  interfaces: {},
  execution: {
    language: "python",
    parameters: {
      device: "string",
      data_dir: { $type: "string", $default: "${dataDir}" },
      video: {
        frame_rate: { $type: "u16", $default: 30 },
        encoding: { $type: "string", $default: "rgb8" },
      },
    },
    container: {
      def_file: "apptainer.def",
      mount_paths: ["\${parameters:data_dir}:/data:ro", "${createdDir}:/created"],
    },
  },
}
`;
}

function configFrom(output: string): { node_instance: { arguments: Record<string, unknown> } } & Record<string, unknown> {
  const start = output.indexOf('BEGIN-CONFIG');
  const end = output.indexOf('END-CONFIG');
  if (start < 0 || end < 0) throw new Error(`no runtime config in the output:\n${output}`);
  return JSON.parse(output.slice(start + 'BEGIN-CONFIG'.length, end));
}

function line(output: string, prefix: string): string | undefined {
  return output.split('\n').find((text) => text.startsWith(prefix));
}

/** Process ids whose command line contains `pattern`, other than pgrep itself. */
function pgrep(pattern: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', pattern], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

function waitFor(condition: () => boolean, timeoutMs: number): Promise<number> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (condition()) resolve(Date.now() - started);
      else if (Date.now() - started > timeoutMs) reject(new Error(`condition not met within ${timeoutMs} ms`));
      else setTimeout(poll, 25);
    };
    poll();
  });
}

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function track(child: ChildProcess): Running {
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, output: () => output, exited };
}

describe('nx serve of a container node', () => {
  const workspace = new TestWorkspace();
  const dataDir = workspace.path('shared-data');
  const createdDir = workspace.path('created-by-serve');

  beforeAll(() => {
    workspace.install();
    buildBusyboxBase(workspace.path('images', 'busybox.sif'));

    const generate = workspace.nx(['g', 'nx-peppy:node', 'my_node', '--container', '--directory', 'nodes/my_node']);
    if (generate.status !== 0) throw new Error(generate.output);
    workspace.write('nodes/my_node/apptainer.def', definition(workspace.path('images', 'busybox.sif')));
    workspace.write('nodes/my_node/peppy.json5', manifest(dataDir, createdDir));
    workspace.write('shared-data/hello.txt', 'hello from the host\n');

    const build = workspace.nx(['build', 'my_node']);
    if (build.status !== 0) throw new Error(build.output);
  });

  afterAll(() => workspace.remove());

  afterEach(() => {
    // Never leave a runscript behind, whatever a test did.
    for (const pid of [...pgrep(SLEEP_MARKER), ...pgrep(TRAP_MARKER), ...pgrep(STATUS_MARKER)]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  });

  it('param values and defaults arrive', () => {
    const result = workspace.nx(['serve', 'my_node', '--param', 'video.frame_rate=60', '--param', 'device=/dev/null']);

    expect(result.status).toBe(0);
    const config = configFrom(result.output);
    expect(config.node_instance.arguments).toEqual({ device: '/dev/null', data_dir: dataDir, video: { frame_rate: 60, encoding: 'rgb8' } });
    expect(config).toEqual(expect.objectContaining({ node_name: 'my_node', node_tag: 'v1', messaging_host: '127.0.0.1', messaging_port: 7448 }));
  });

  it('empty working folder, config removed', () => {
    const result = workspace.nx(['serve', 'my_node', '--param', 'device=x']);

    expect(line(result.output, 'working folder:')).toMatch(/^working folder: \/.*\/nx-peppy-run-\d+-[^/]+\/work entries: \[\]$/);
    const configPath = line(result.output, 'config: ')!.slice('config: '.length);
    expect(existsSync(configPath)).toBe(false);
  });

  it('wrong parameter type fails early', () => {
    const result = workspace.nx(['serve', 'my_node', '--param', 'video.frame_rate=fast', '--param', 'exposure=3']);

    expect(result.status).not.toBe(0);
    expect(result.output).not.toContain('inside: start');
    expect(result.output).toContain('param video.frame_rate: invalid value "fast" for "video.frame_rate": expected u16 (an integer), got "fast"');
    expect(result.output).toContain('unknown parameter "exposure"');
    expect(result.output).toContain('required parameter "device" (string) has no value');
  });

  it('host variables stay outside unless declared', () => {
    const result = workspace.nx(['serve', 'my_node', '--param', 'device=x'], { SECRET_HOST_VAR: '1', PYTHONPATH: '/host/site-packages' });

    expect(result.status).toBe(0);
    expect(result.output).toContain('SECRET_HOST_VAR=[unset]');
    expect(result.output).toContain('PYTHONPATH=[unset]');
  });

  it('declared values arrive unchanged', () => {
    const result = workspace.nx(['serve', 'my_node', '--param', 'device=x', '--env.SECRET_HOST_VAR=declared', '--env.LIST=a,b=c,d'], { SECRET_HOST_VAR: '1' });

    expect(result.status).toBe(0);
    expect(result.output).toContain('SECRET_HOST_VAR=[declared]');
    expect(result.output).toContain('LIST=[a,b=c,d]');
  });

  it('declared PYTHONPATH rejected early', () => {
    const result = workspace.nx(['serve', 'my_node', '--param', 'device=x', '--env.PYTHONPATH=/opt/lib']);

    expect(result.status).not.toBe(0);
    expect(result.output).not.toContain('inside: start');
    expect(result.output).toContain('PYTHONPATH cannot be passed to a node');
  });

  it('mount folder visible, missing source created', () => {
    rmSync(createdDir, { recursive: true, force: true });

    const result = workspace.nx(['serve', 'my_node', '--param', 'device=x']);

    expect(result.status).toBe(0);
    expect(result.output).toContain('data: hello from the host');
    expect(result.output).toContain(`created the missing mount source ${createdDir}`);
    expect(existsSync(createdDir)).toBe(true);
  });

  it('blocked mount source /etc refused', () => {
    const result = workspace.nx(['serve', 'my_node', '--param', 'device=x', '--param', 'data_dir=/etc']);

    expect(result.status).not.toBe(0);
    expect(result.output).not.toContain('inside: start');
    expect(result.output).toContain('execution.container.mount_paths[0]: invalid mount path "${parameters:data_dir}:/data:ro": top-level system folders');
  });

  it('exit status 3 reaches nx-peppy serve', () => {
    const nx = workspace.nx(['serve', 'my_node', '--param', 'device=x', '--args=exit3']);
    expect(nx.status).toBe(1);
    expect(nx.output).toContain('my_node exited with status 3.');

    const wrapper = workspace.run(workspace.path('node_modules/.bin/nx-peppy'), ['serve', 'my_node', '--param', 'device=x', '--args=exit3']);
    expect(wrapper.output).toContain('my_node exited with status 3.');
    expect(wrapper.status).toBe(3);
  });

  it('nx-peppy serve exits 0 on success', () => {
    expect(workspace.run(workspace.path('node_modules/.bin/nx-peppy'), ['serve', 'my_node', '--param', 'device=x']).status).toBe(0);
  });

  it('SIGTERM to nx stops the container', async () => {
    const running = track(workspace.spawnNx(['serve', 'my_node', '--param', 'device=x', '--args=sleep']));
    await waitFor(() => pgrep(SLEEP_MARKER).length > 0 && line(running.output(), 'config: ') !== undefined, 60_000);
    const configPath = line(running.output(), 'config: ')!.slice('config: '.length);

    const sent = Date.now();
    running.child.kill('SIGTERM');
    const { code } = await running.exited;
    const stoppedAfter = Date.now() - sent;

    expect(pgrep(SLEEP_MARKER)).toEqual([]);
    expect(stoppedAfter).toBeLessThan(5_000);
    // Nx 24 reports any interrupted run as 130, whatever the signal.
    expect(code).toBe(130);
    expect(existsSync(configPath)).toBe(false);
    process.stdout.write(`SIGTERM to nx serve: nx and the container gone after ${stoppedAfter} ms\n`);
  }, 90_000);

  it('SIGTERM to nx-peppy serve exits 143', async () => {
    const running = track(spawn(workspace.path('node_modules/.bin/nx-peppy'), ['serve', 'my_node', '--param', 'device=x', '--args=sleep'], { cwd: workspace.root, env: workspace.env() }));
    await waitFor(() => pgrep(SLEEP_MARKER).length > 0, 60_000);

    const sent = Date.now();
    running.child.kill('SIGTERM');
    const { code } = await running.exited;
    const stoppedAfter = Date.now() - sent;

    expect(pgrep(SLEEP_MARKER)).toEqual([]);
    expect(code).toBe(143);
    process.stdout.write(`SIGTERM to nx-peppy serve: exit status ${code} after ${stoppedAfter} ms\n`);
  }, 90_000);

  describe('node exit status after a signal, 5 rounds each', () => {
    // When `nx-peppy serve` passed the signal to nx, nx's own stopping gave
    // 130, 143 or 137 in some rounds, and 7 for SIGINT.
    async function rounds(send: (cli: ChildProcess) => void): Promise<string[]> {
      const outcomes: string[] = [];
      for (let round = 1; round <= 5; round++) {
        const cli = spawn(workspace.path('node_modules/.bin/nx-peppy'), ['serve', 'my_node', '--param', 'device=x', '--args=statuses'], {
          cwd: workspace.root,
          env: workspace.env(),
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        const running = track(cli);
        await waitFor(() => running.output().includes('statuses: running'), 60_000);

        const sent = Date.now();
        send(cli);
        const { code, signal } = await running.exited;
        const left = pgrep(STATUS_MARKER).length;
        outcomes.push(`${code ?? signal}${left > 0 ? ` with ${left} processes left` : ''}`);
        process.stdout.write(`round ${round}: exit status ${code ?? signal} after ${Date.now() - sent} ms\n`);
      }
      return outcomes;
    }

    it('SIGTERM to nx-peppy serve: 7, or 143 from Apptainer', async () => {
      const outcomes = await rounds((cli) => cli.kill('SIGTERM'));

      // NOTE: Apptainer 1.4.5's runtime parent gets SIGTERM with the rest of
      // the container's process group. When it handles the signal after the
      // runscript has exited, it ends by SIGTERM itself (143); one round in 5
      // under a loaded CI run. 130 (nx's own stop) or a process left is a failure.
      for (const outcome of outcomes) expect(['7', '143']).toContain(outcome);
      expect(outcomes.filter((outcome) => outcome === '7').length).toBeGreaterThanOrEqual(3);
    }, 300_000);

    it('SIGINT to nx-peppy serve: 8', async () => {
      expect(await rounds((cli) => cli.kill('SIGINT'))).toEqual(['8', '8', '8', '8', '8']);
    }, 300_000);

    it('Ctrl-C to the process group: 8', async () => {
      // A terminal sends SIGINT to nx-peppy, nx and the executor at once.
      expect(await rounds((cli) => process.kill(-(cli.pid as number), 'SIGINT'))).toEqual(['8', '8', '8', '8', '8']);
    }, 300_000);
  });

  it('Ctrl-C: ignored signal, killed after killTimeout', async () => {
    // A terminal sends Ctrl-C to the whole foreground process group, which
    // contains nx and the task process. The container has a group of its own.
    const nx = spawn(workspace.path('node_modules/.bin/nx'), ['serve', 'my_node', '--param', 'device=x', '--args=trap', '--killTimeout=2'], {
      cwd: workspace.root,
      env: workspace.env(),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const running = track(nx);
    await waitFor(() => pgrep(TRAP_MARKER).length > 0, 60_000);

    const sent = Date.now();
    process.kill(-(nx.pid as number), 'SIGINT');
    await waitFor(() => pgrep(TRAP_MARKER).length === 0, 15_000);
    const goneAfter = Date.now() - sent;
    await running.exited;

    // Nx stops printing task output after SIGINT, so the trap's echo is not checked.
    expect(goneAfter).toBeGreaterThanOrEqual(1_900);
    expect(goneAfter).toBeLessThan(4_000);
    process.stdout.write(`Ctrl-C with killTimeout=2 and a runscript ignoring it: container gone after ${goneAfter} ms\n`);
  }, 90_000);

  it('SIGTERM to nx: ignored signal, killed by Nx', async () => {
    const running = track(workspace.spawnNx(['serve', 'my_node', '--param', 'device=x', '--args=trap', '--killTimeout=2']));
    await waitFor(() => pgrep(TRAP_MARKER).length > 0, 60_000);

    const sent = Date.now();
    running.child.kill('SIGTERM');
    await waitFor(() => pgrep(TRAP_MARKER).length === 0, 20_000);
    const goneAfter = Date.now() - sent;
    await running.exited;

    // Nx signals the task's process tree leaves first and kills what is left
    // after its own grace period (NX_PROCESS_KILL_GRACE_PERIOD).
    expect(pgrep(TRAP_MARKER)).toEqual([]);
    expect(goneAfter).toBeLessThan(10_000);
    process.stdout.write(`SIGTERM to nx with a runscript ignoring it: container gone after ${goneAfter} ms\n`);
  }, 90_000);

  describe('user package in the host home', () => {
    // Apptainer mounts the home folder of the password database, not $HOME,
    // so the test home lies inside it: /root/... when the tests run as root.
    let home = '';
    let marker = '';

    // Created here rather than in the describe body, so a filtered run that skips these tests leaves nothing behind.
    beforeAll(() => {
      home = mkdtempSync(join(homedir(), '.nx-peppy-e2e-home-'));
      marker = join(home, '.local/lib/python3.11/site-packages/marker');
      mkdirSync(marker, { recursive: true });
      writeFileSync(join(marker, '__init__.py'), '');
    });

    afterAll(() => rmSync(home, { recursive: true, force: true }));

    it('not visible inside by default', () => {
      const result = workspace.nx(['serve', 'my_node', '--param', 'device=x', `--env.MARKER=${marker}`], { HOME: home });

      expect(result.status).toBe(0);
      expect(result.output).toContain('marker: hidden');
    });

    it('visible with hostMounts', () => {
      const result = workspace.nx(['serve', 'my_node', '--param', 'device=x', `--env.MARKER=${marker}`, '--hostMounts'], { HOME: home });

      expect(result.status).toBe(0);
      expect(result.output).toContain('marker: visible');
    });
  });

  it('nx-peppy doctor runs in the workspace', async () => {
    const result = spawn(workspace.path('node_modules/.bin/nx-peppy'), ['doctor'], { cwd: workspace.root, env: workspace.env() });
    const running = track(result);

    const { code } = await running.exited;

    expect(running.output()).toMatch(/^(PASS|FAIL) {2}apptainer /m);
    expect(running.output()).toMatch(/checks (passed|failed)\.$/m);
    expect([0, 1]).toContain(code);
    process.stdout.write(`nx-peppy doctor with the tests' Apptainer:\n${running.output()}`);
  }, 60_000);
});
