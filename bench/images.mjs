// P3 and P4: `nx build` of container nodes with the real Apptainer.
// P3 restores a deleted 1 GiB image from the local Nx cache, against `cp` of
// the cached file to the same path. P4 builds the Debian test image on a cache
// miss, against the same `apptainer build` typed by hand.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, linkSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';

import { debootstrapDefinition, NODE_TAG, writeDebootstrapNode, writeLargeNode } from './lib/fixtures.mjs';
import { commandText, measureAlternating, ratio, summarize } from './lib/timing.mjs';
import { createWorkspace, nxCommand, nxResult } from './lib/workspace.mjs';

/**
 * Runs a command and returns each output line with the seconds since the
 * start at which it arrived, and the total time. Lines are read as they come,
 * so the times show where a long command spends them.
 */
function timestampedRun(argv) {
  return new Promise((resolvePromise, reject) => {
    const start = process.hrtime.bigint();
    const elapsed = () => Number(process.hrtime.bigint() - start) / 1e9;
    const lines = [];
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [child.stdout, child.stderr]) {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk) => {
        const parts = (rest + chunk).split('\n');
        rest = parts.pop();
        for (const line of parts) if (line.trim() !== '') lines.push({ seconds: elapsed(), line: line.trimEnd() });
      });
    }
    child.on('error', reject);
    child.on('close', (status) => resolvePromise({ status, lines, seconds: elapsed() }));
  });
}

/** The moments of one `nx build` that split it into phases, found by the output line that starts each. */
const BUILD_MARKS = [
  { phase: 'Nx start, project graph and task hash', until: /^> nx run / },
  { phase: 'executor start, hash plan and staging', until: /(^|: )Staged \d+ files/ },
  { phase: 'until apptainer build starts', until: /INFO:\s+Starting build/ },
  { phase: 'apptainer build', until: /INFO:\s+Build complete/ },
  { phase: 'rename, clean-up and Nx storing the image in its cache', until: null },
];

function buildPhases(run) {
  const phases = [];
  let previous = 0;
  for (const mark of BUILD_MARKS) {
    const line = mark.until ? run.lines.find((entry) => mark.until.test(entry.line)) : undefined;
    const end = mark.until ? line?.seconds : run.seconds;
    if (end === undefined) return undefined;
    phases.push({ phase: mark.phase, seconds: end - previous });
    previous = end;
  }
  return phases;
}

export const LARGE_IMAGE_BYTES = 1024 * 1024 * 1024;
const LARGE_IMAGE = `large_${NODE_TAG}.sif`;

async function sha256(file) {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

function findFile(folder, name) {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) {
      const found = findFile(path, name);
      if (found) return found;
    } else if (entry.name === name) {
      return path;
    }
  }
  return undefined;
}

function buildOrFail(workspace, project, env) {
  const result = nxResult(workspace, ['build', project, '--outputStyle=static'], env);
  const output = `${result.stdout}${result.stderr}`;
  if (result.status !== 0) throw new Error(`nx build ${project} failed in ${workspace}:\n${output.slice(-4000)}`);
  return output;
}

/**
 * Creates the plugin-less twin of the P3 workspace. Its `project.json` target
 * copies a prebuilt image to the same output path and has the same 1 GiB
 * payload as its input, so Nx caches and restores the same file without nx-peppy.
 */
function createPluginLessTwin(ctx, twin, workspace, image) {
  const folder = join(twin, 'nodes/large');
  mkdirSync(join(twin, 'prebuilt'), { recursive: true });
  mkdirSync(folder, { recursive: true });
  // Hard links: no second GiB on disk. The prebuilt image is git-ignored, so Nx does not hash it.
  linkSync(join(workspace, 'nodes/large/payload.bin'), join(folder, 'payload.bin'));
  linkSync(image, join(twin, 'prebuilt', LARGE_IMAGE));
  writeFileSync(join(twin, '.gitignore'), 'node_modules/\n.nx/\ndist/\nprebuilt/\n');
  const project = {
    name: 'large',
    targets: {
      build: {
        command: `mkdir -p dist/nodes/large && cp prebuilt/${LARGE_IMAGE} dist/nodes/large/${LARGE_IMAGE}`,
        cache: true,
        inputs: ['{projectRoot}/payload.bin'],
        outputs: [`{workspaceRoot}/dist/nodes/large/${LARGE_IMAGE}`],
      },
    },
  };
  writeFileSync(join(folder, 'project.json'), `${JSON.stringify(project, null, 2)}\n`);
  createWorkspace(twin, { packages: [`nx@${ctx.nxVersion}`, ctx.tarball], plugins: [] });
}

function cacheHitOrFail(workspace, project, env) {
  const output = buildOrFail(workspace, project, env);
  if (!/local cache|existing outputs match the cache/.test(output)) {
    throw new Error(`expected a cache hit from nx build ${project} in ${workspace}, but Nx ran the build:\n${output.slice(-2000)}`);
  }
}

/**
 * P3: restore of a deleted 1 GiB image from the local cache, against `cp` of
 * the cached copy. Two more commands split the cost: `nx show projects` in the
 * same workspace (Nx's start and warm graph without a task), and the same
 * restore in a plugin-less workspace.
 */
export async function runRestoreBenchmark(ctx) {
  const workspace = join(ctx.workRoot, 'restore');
  const twin = join(ctx.workRoot, 'restore-plugin-less');
  mkdirSync(workspace, { recursive: true });
  ctx.log(`P3: writing a ${LARGE_IMAGE_BYTES / 1024 ** 3} GiB random payload and installing nx and nx-peppy into ${workspace}`);
  writeLargeNode(workspace, 'nodes/large', 'large', LARGE_IMAGE_BYTES);
  createWorkspace(workspace, { packages: [`nx@${ctx.nxVersion}`, ctx.tarball], plugins: ['nx-peppy'] });

  const image = join(workspace, 'dist/nodes/large', LARGE_IMAGE);
  // Nx 24 keeps its cache under ~/.nx by default. A folder of this run is removed with it.
  const cache = join(ctx.workRoot, 'restore-nx-cache');
  const env = { PATH: ctx.apptainer.path, NX_CACHE_DIRECTORY: cache };
  ctx.log('P3: building the image once (cache miss, stores it in the Nx cache)');
  const buildStart = process.hrtime.bigint();
  buildOrFail(workspace, 'large', env);
  const buildSeconds = Number(process.hrtime.bigint() - buildStart) / 1e9;
  const imageBytes = statSync(image).size;
  const expected = await sha256(image);

  const cached = findFile(cache, LARGE_IMAGE);
  if (!cached) throw new Error(`no cached copy of ${LARGE_IMAGE} found under ${cache}`);
  const cachedPath = `NX_CACHE_DIRECTORY/${relative(cache, cached).replace(/^[^/]+\//, 'HASH/')}`;

  ctx.log(`P3: creating the plugin-less twin in ${twin}`);
  createPluginLessTwin(ctx, twin, workspace, image);
  const twinImage = join(twin, 'dist/nodes/large', LARGE_IMAGE);
  const twinEnv = { NX_CACHE_DIRECTORY: join(ctx.workRoot, 'restore-plugin-less-nx-cache') };
  buildOrFail(twin, 'large', twinEnv);

  // One restore of each outside the timing, to check that both are cache hits.
  for (const [root, file, variables] of [[workspace, image, env], [twin, twinImage, twinEnv]]) {
    rmSync(file);
    cacheHitOrFail(root, 'large', variables);
  }

  const commands = [
    { label: 'cp of the cached image', argv: ['cp', cached, image], prepare: ['rm', '-f', image], display: `cp ${cachedPath} dist/nodes/large/${LARGE_IMAGE}` },
    { label: 'nx build, cache hit', argv: nxCommand(workspace, ['build', 'large'], env), prepare: ['rm', '-f', image], display: 'nx build large (after deleting the image)' },
    { label: 'nx show projects, same workspace', argv: nxCommand(workspace, ['show', 'projects', '--json'], env), display: 'nx show projects --json (Nx start and warm project graph only)' },
    { label: 'plugin-less nx build, cache hit', argv: nxCommand(twin, ['build', 'large'], twinEnv), prepare: ['rm', '-f', twinImage], display: 'nx build large in the plugin-less twin (after deleting the image)' },
  ];
  ctx.log(`P3: ${ctx.rounds.restore} alternating rounds of ${commands.length} commands`);
  const measurement = measureAlternating(commands, { rounds: ctx.rounds.restore, warmup: 1, timer: ctx.timer, log: ctx.log });

  rmSync(image);
  cacheHitOrFail(workspace, 'large', env);
  if ((await sha256(image)) !== expected) throw new Error('the image restored by nx build differs from the built one');

  const figures = commands.map((command, index) => ({ label: command.label, display: command.display, stats: summarize(measurement.times[index]) }));
  return {
    imageBytes,
    buildSeconds,
    cachedPath,
    anchor: figures[0],
    subject: figures[1],
    figures,
    ratio: ratio(measurement, 1, 0),
    graphOnlyRatio: ratio(measurement, 2, 0),
    pluginLessRatio: ratio(measurement, 3, 0),
    target: 1.3,
  };
}

/** P4: cache-miss `nx build` of the debootstrap image, against `apptainer build` by hand. */
export async function runBuildBenchmark(ctx) {
  const workspace = join(ctx.workRoot, 'debootstrap');
  const cache = join(ctx.workRoot, 'debootstrap-nx-cache');
  const handImage = join(ctx.workRoot, 'debootstrap-by-hand.sif');
  mkdirSync(workspace, { recursive: true });
  writeDebootstrapNode(workspace, 'nodes/deb_node', ctx.debianMirror);
  ctx.log(`P4: installing nx and nx-peppy into ${workspace}`);
  createWorkspace(workspace, { packages: [`nx@${ctx.nxVersion}`, ctx.tarball], plugins: ['nx-peppy'] });

  const image = join(workspace, `dist/nodes/deb_node/deb_node_${NODE_TAG}.sif`);
  const env = { PATH: ctx.apptainer.path, NX_CACHE_DIRECTORY: cache };
  const commands = [
    {
      label: 'apptainer build by hand',
      argv: ['env', '-C', join(workspace, 'nodes/deb_node'), `PATH=${ctx.apptainer.path}`, 'apptainer', 'build', '--fakeroot', '--force', handImage, 'apptainer.def'],
      prepare: ['rm', '-f', handImage],
      display: 'cd nodes/deb_node && apptainer build --fakeroot --force OUT.sif apptainer.def',
    },
    {
      label: 'nx build, cache miss',
      argv: nxCommand(workspace, ['build', 'deb_node'], env),
      // An empty Nx cache and no image: a real miss that also stores the new image.
      prepare: ['rm', '-rf', cache, image],
      display: 'nx build deb_node (after removing the Nx cache and the image)',
    },
  ];
  ctx.log(`P4: ${ctx.rounds.build} alternating rounds of two builds of about a minute each, no warm-up`);
  const measurement = measureAlternating(commands, { rounds: ctx.rounds.build, warmup: 0, timer: ctx.timer, log: ctx.log });
  if (!existsSync(image) || !existsSync(handImage)) throw new Error('P4: a build exited 0 but left no image');

  const result = {
    definition: debootstrapDefinition(ctx.debianMirror),
    imageBytes: statSync(image).size,
    handImageBytes: statSync(handImage).size,
    anchor: { label: commands[0].label, display: commands[0].display, stats: summarize(measurement.times[0]) },
    subject: { label: commands[1].label, display: commands[1].display, stats: summarize(measurement.times[1]) },
    ratio: ratio(measurement, 1, 0),
    target: 1.05,
  };
  // With three rounds the mirror's speed moves the ratio by more than the 5% margin, so the phases are always recorded.
  ctx.log('P4: one more nx build with timestamped output lines, to see where the time goes');
  // The stream output style prints the task's lines as they arrive, but the static style prints them only when the task ends.
  const profiled = await timestampedRun(['sh', '-c', `${commandText(commands[1].prepare)} && exec ${commandText([...commands[1].argv, '--outputStyle=stream'])}`]);
  result.profile = { seconds: profiled.seconds, phases: buildPhases(profiled), status: profiled.status };
  return result;
}
