import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  busyboxDefinition,
  cachedHashes,
  containerManifest,
  describeProcess,
  entriesOf,
  exitWithin,
  lastRunTasks,
  registerPlugin,
  report,
  sleep,
  spawnNxInGroup,
  survivorsAfter,
  track,
  waitFor,
  writeRandomFile,
  type RunningNx,
} from '../fixtures/hardening/harness';
import { buildBusyboxBase, TestWorkspace } from '../support/workspace';

// Jest takes testTimeout only from the global config, so the e2e project's
// setting does not reach these asynchronous tests.
jest.setTimeout(10 * 60 * 1000);

type Phase = 'staging' | 'apptainer' | 'sif';
type Target = 'nx process' | 'process group';

interface PhaseSetup {
  project: string;
  /** True once the build is in the phase, judged from the output or the dist folder. */
  reached: (run: RunningNx, distFolder: string) => boolean;
  /** Time between reaching the phase and sending the signal. */
  delayMs: number;
  /** True while the output shows that the build has not left the phase. */
  stillIn: (output: string) => boolean;
}

/**
 * The three phases of a container build and a node that makes each one last:
 * staging hard-links 50,000 files, `%post` sleeps for 30 s, and the SIF
 * writer compresses 200 MB of random bytes (about 5 s, measured).
 */
const PHASES: Record<Phase, PhaseSetup> = {
  staging: {
    project: 'crowded',
    // Staging creates the context folder first and logs "Staged" when done.
    reached: (_run, distFolder) => entriesOf(distFolder).some((entry) => entry.endsWith('.sif.context')),
    delayMs: 0,
    stillIn: (output) => !output.includes('Staged '),
  },
  apptainer: {
    project: 'waiting',
    reached: (run) => run.output().includes('Running post scriptlet'),
    delayMs: 300,
    stillIn: (output) => !output.includes('Creating SIF file'),
  },
  sif: {
    project: 'large',
    reached: (run) => run.output().includes('Creating SIF file'),
    delayMs: 1_000,
    stillIn: (output) => !output.includes('Build complete'),
  },
};

/** Ctrl-C reaches the whole foreground group; `kill` and CI runners signal the nx process. */
const SIGNALS: Array<[NodeJS.Signals, Target]> = [
  ['SIGINT', 'process group'],
  ['SIGTERM', 'nx process'],
  ['SIGKILL', 'nx process'],
];

describe('interrupted builds (case A12)', () => {
  const workspace = new TestWorkspace('nx-peppy-interrupt-');
  const scratch = mkdtempSync(join(tmpdir(), 'nx-peppy-interrupt-scratch-'));
  const cacheDirectory = join(scratch, 'nx-cache');
  const base = workspace.path('images', 'busybox.sif');
  const started = Date.now();

  function nxEnv(extra: Record<string, string> = {}): Record<string, string> {
    return { NX_CACHE_DIRECTORY: cacheDirectory, ...extra };
  }

  function imagePath(project: string): string {
    return `dist/nodes/${project}/${project}_v1.sif`;
  }

  beforeAll(() => {
    workspace.install();
    registerPlugin(workspace);
    buildBusyboxBase(base);

    workspace.write('nodes/waiting/peppy.json5', containerManifest('waiting'));
    // APPTAINERENV_SLEEP_SECONDS reaches %post as SLEEP_SECONDS and is no Nx
    // input, so the interrupted build and the next one share a hash.
    workspace.write('nodes/waiting/apptainer.def', busyboxDefinition(base, '%files\n    . /opt/waiting\n\n%post\n    sleep "${SLEEP_SECONDS:-0}"\n'));

    workspace.write('nodes/large/peppy.json5', containerManifest('large'));
    workspace.write('nodes/large/apptainer.def', busyboxDefinition(base, '%files\n    . /opt/large\n'));
    writeRandomFile(workspace.path('nodes/large/blob.bin'), 200);

    // %setup makes the whole node folder an input, so all of it is staged,
    // while %files copies one small file and the image stays quick to write.
    workspace.write('nodes/crowded/peppy.json5', containerManifest('crowded'));
    workspace.write('nodes/crowded/apptainer.def', busyboxDefinition(base, '%setup\n    true\n\n%files\n    small.txt /opt/small.txt\n'));
    workspace.write('nodes/crowded/small.txt', 'small\n');

    const first = workspace.nx(['run-many', '-t', 'build', '--output-style=static'], nxEnv());
    if (first.status !== 0) throw new Error(first.output);
  });

  afterAll(async () => {
    await survivorsAfter(workspace.root, 0);
    workspace.remove();
    rmSync(scratch, { recursive: true, force: true });
    report(`hardening-interrupt: ${Math.round((Date.now() - started) / 1000)} s in all`);
  });

  /**
   * Interrupts a build of the phase's node with `signal`, then checks what
   * must hold afterwards, and builds again to check that the next build
   * starts clean and that Nx cached nothing for the interrupted task.
   */
  async function interrupt(phase: Phase, signal: NodeJS.Signals, target: Target): Promise<void> {
    const setup = PHASES[phase];
    const { project } = setup;
    const distFolder = workspace.path('dist', 'nodes', project);
    workspace.write(`nodes/${project}/version.txt`, `${phase} ${signal} ${target} ${Date.now()}\n`);
    const imageBefore = workspace.sha256(imagePath(project));
    const hashesBefore = cachedHashes(cacheDirectory);

    const args = ['build', project, '--output-style=stream'];
    const env = nxEnv({ APPTAINERENV_SLEEP_SECONDS: '30' });
    const run = track(target === 'process group' ? spawnNxInGroup(workspace, args, env) : workspace.spawnNx(args, env));
    const pid = run.child.pid as number;

    await waitFor(() => setup.reached(run, distFolder), 120_000, `${phase} phase of ${project}`);
    if (setup.delayMs > 0) await sleep(setup.delayMs);
    const inPhase = setup.stillIn(run.output());
    const sent = Date.now();
    process.kill(target === 'process group' ? -pid : pid, signal);

    const exit = await exitWithin(run, 60_000);
    const nxExitMs = Date.now() - sent;
    const survivors = await survivorsAfter(workspace.root, 10_000);
    const imageAfter = workspace.sha256(imagePath(project));
    const hashesAfter = cachedHashes(cacheDirectory);
    const leftInDist = entriesOf(distFolder).filter((entry) => entry !== `${project}_v1.sif`);

    const next = workspace.nx(['build', project, '--output-style=static'], nxEnv());
    const nextTask = lastRunTasks(cacheDirectory).find((task) => task.taskId === `${project}:build`);

    report(
      `${signal} to the ${target} in the ${phase} phase: nx ended after ${nxExitMs} ms with ${exit ? (exit.signal ?? `status ${exit.code}`) : 'no exit'}; ` +
        `${survivors.length} processes left [${survivors.map(describeProcess).join(' | ')}]; ` +
        `left in dist before the next build: [${leftInDist.join(', ')}]`,
    );

    expect(inPhase).toBe(true);
    expect(exit).toBeDefined();
    expect(survivors.map(describeProcess)).toEqual([]);
    expect(imageAfter).toBe(imageBefore);
    expect(hashesAfter).toEqual(hashesBefore);

    expect(next.status).toBe(0);
    expect(next.output).not.toMatch(/local cache/);
    expect(nextTask?.cacheStatus).toBe('cache-miss');
    expect(hashesAfter).not.toContain(nextTask?.hash);
    expect(entriesOf(distFolder)).toEqual([`${project}_v1.sif`]);
  }

  describe('while Apptainer runs %post', () => {
    it.each(SIGNALS)('%s to the %s', (signal, target) => interrupt('apptainer', signal, target));
  });

  describe('while the SIF file is written', () => {
    it.each(SIGNALS)('%s to the %s', (signal, target) => interrupt('sif', signal, target));

    it('SIGKILL to the process group', () => interrupt('sif', 'SIGKILL', 'process group'));
  });

  describe('while the build context is staged', () => {
    beforeAll(() => {
      const data = workspace.path('nodes/crowded/data');
      for (let folder = 0; folder < 100; folder++) {
        mkdirSync(join(data, `d${folder}`), { recursive: true });
        for (let file = 0; file < 500; file++) writeFileSync(join(data, `d${folder}`, `f${file}.txt`), `${folder}-${file}\n`);
      }
      const build = workspace.nx(['build', 'crowded', '--output-style=static'], nxEnv());
      if (build.status !== 0) throw new Error(build.output);
    });

    it.each(SIGNALS)('%s to the %s', (signal, target) => interrupt('staging', signal, target));
  });
});
