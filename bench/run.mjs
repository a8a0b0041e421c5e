// Runs the nx-peppy benchmarks P1 to P6 and rewrites docs/benchmarks.md.
//
// Usage: node bench/run.mjs [--only=affected,staging,restore,build,graph]
//                           [--out=FILE] [--keep] [--render=RESULTS.json]
//
// Needs the set-up of the README (npm ci, the plugin build, Apptainer). It
// builds and packs the plugin, creates its workspaces in a temporary folder
// and removes that folder at the end unless --keep is given. --render writes
// the page from a results file without measuring again. Every run writes its
// results to bench/results.json. A run with --only keeps the other benchmarks'
// results from that file, each with the date it was measured.
//
// Environment:
//   NX_PEPPY_BENCH_DIR        parent of the temporary folder (default: the OS temp folder)
//   NX_PEPPY_BENCH_TIMER=node time with the Node harness even when hyperfine is installed
//   NX_PEPPY_BENCH_ROUNDS     rounds of P3 and P5 (default 10)
//   NX_PEPPY_BENCH_GRAPH_ROUNDS rounds of P1 and P2 (default 20)
//   NX_PEPPY_BENCH_BUILD_ROUNDS rounds of P4, two builds of about a minute each (default 3)
//   NX_PEPPY_DEBIAN_MIRROR    mirror of the P4 image (default http://deb.debian.org/debian)
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { runAffectedBenchmark } from './affected.mjs';
import { runGraphBenchmarks } from './graph.mjs';
import { runBuildBenchmark, runRestoreBenchmark } from './images.mjs';
import { findApptainer, loadAverage, machineFacts, softwareFacts } from './lib/machine.mjs';
import { renderPage } from './lib/report.mjs';
import { ensureHyperfine } from './lib/timing.mjs';
import { installedVersion, packPlugin } from './lib/workspace.mjs';
import { runStagingBenchmark } from './staging.mjs';

const benchRoot = dirname(fileURLToPath(import.meta.url));
const repositoryRoot = resolve(benchRoot, '..');
const BENCHMARKS = ['affected', 'staging', 'restore', 'build', 'graph'];
/** Raw results of the last run, from which the page can be rendered again. */
const RESULTS_FILE = join(benchRoot, 'results.json');

function parseArguments(argv) {
  const options = { only: BENCHMARKS, out: join(repositoryRoot, 'docs', 'benchmarks.md'), keep: false, render: undefined };
  for (const argument of argv) {
    const [name, value] = argument.split(/=(.*)/s);
    if (name === '--only') {
      options.only = value.split(',').map((entry) => entry.trim());
      const unknown = options.only.filter((entry) => !BENCHMARKS.includes(entry));
      if (unknown.length > 0) throw new Error(`unknown benchmark "${unknown.join(', ')}"; choose from ${BENCHMARKS.join(', ')}`);
    } else if (name === '--out') options.out = resolve(value);
    else if (name === '--keep') options.keep = true;
    else if (name === '--render') options.render = resolve(value);
    else throw new Error(`unknown option "${argument}"; see the header of bench/run.mjs`);
  }
  return options;
}

function positiveInteger(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive whole number, got "${raw}"`);
  return value;
}

function log(message) {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

async function measure(options) {
  const started = Date.now();
  const workRoot = mkdtempSync(join(process.env.NX_PEPPY_BENCH_DIR ?? tmpdir(), 'nx-peppy-bench-'));
  log(`working in ${workRoot}`);

  const hyperfine = ensureHyperfine({ log });
  const rounds = positiveInteger('NX_PEPPY_BENCH_ROUNDS', 10);
  const ctx = {
    repositoryRoot,
    benchRoot,
    workRoot,
    log,
    timer: hyperfine ? 'hyperfine' : 'node',
    rounds: {
      graph: positiveInteger('NX_PEPPY_BENCH_GRAPH_ROUNDS', 20),
      profile: 3,
      restore: rounds,
      staging: rounds,
      build: positiveInteger('NX_PEPPY_BENCH_BUILD_ROUNDS', 3),
    },
    nxVersion: installedVersion(repositoryRoot, 'nx'),
    debianMirror: process.env.NX_PEPPY_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian',
  };
  const results = {
    date: new Date().toISOString(),
    only: options.only,
    timer: hyperfine ?? 'Node harness (bench/lib/timing.mjs)',
    rounds: ctx.rounds,
    machine: machineFacts(workRoot),
    software: { ...softwareFacts(repositoryRoot), nx: ctx.nxVersion },
    loadBefore: loadAverage(),
    benchmarks: {},
    errors: {},
  };

  const needsApptainer = options.only.some((name) => name === 'restore' || name === 'build');
  if (needsApptainer) {
    ctx.apptainer = findApptainer(repositoryRoot);
    results.software.apptainer = ctx.apptainer.version ? `${ctx.apptainer.version}, ${ctx.apptainer.kind}` : undefined;
  }

  log('building and packing the plugin');
  mkdirSync(join(workRoot, 'pack'));
  ctx.tarball = packPlugin(repositoryRoot, join(workRoot, 'pack'));

  const runners = {
    graph: runGraphBenchmarks,
    restore: runRestoreBenchmark,
    build: runBuildBenchmark,
    staging: runStagingBenchmark,
    affected: runAffectedBenchmark,
  };
  try {
    for (const name of options.only) {
      const start = Date.now();
      const loadBefore = loadAverage();
      let result = {};
      try {
        if ((name === 'restore' || name === 'build') && ctx.apptainer.error) throw new Error(ctx.apptainer.error);
        result = await runners[name](ctx);
      } catch (error) {
        log(`${name} failed: ${error.stack ?? error}`);
        results.errors[name] = String(error.message ?? error);
      }
      results.benchmarks[name] = { ...result, date: new Date(start).toISOString(), seconds: (Date.now() - start) / 1000, load: { before: loadBefore, after: loadAverage() } };
      // Each benchmark's files can be gigabytes; only the results are needed from here on.
      if (!options.keep) removeBenchmarkFiles(workRoot, name);
    }
  } finally {
    results.loadAfter = loadAverage();
    results.totalSeconds = (Date.now() - started) / 1000;
    writeFileSync(join(workRoot, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    if (options.keep) log(`kept ${workRoot}`);
  }
  if (!options.keep) rmSync(workRoot, { recursive: true, force: true });
  return results;
}

/**
 * Adds the benchmarks of an earlier run that this one skipped (--only), so
 * the page keeps every figure. Each benchmark keeps the date it was run.
 */
function mergeWithEarlier(results) {
  if (!existsSync(RESULTS_FILE)) return results;
  const earlier = JSON.parse(readFileSync(RESULTS_FILE, 'utf8'));
  // The Apptainer of an earlier run stays on the page while its P3 or P4 figures do.
  const software = { ...results.software, apptainer: results.software.apptainer ?? earlier.software?.apptainer };
  const merged = { ...results, software, benchmarks: {}, errors: {} };
  for (const name of BENCHMARKS) {
    if (results.only.includes(name)) {
      if (results.benchmarks[name]) merged.benchmarks[name] = results.benchmarks[name];
      if (results.errors[name]) merged.errors[name] = results.errors[name];
    } else {
      const benchmark = earlier.benchmarks?.[name];
      if (benchmark) {
        merged.benchmarks[name] = {
          ...benchmark,
          rounds: benchmark.rounds ?? earlier.rounds,
          date: benchmark.date ?? earlier.date,
          load: benchmark.load ?? { before: earlier.loadBefore, after: earlier.loadAfter },
        };
      }
      if (earlier.errors?.[name]) merged.errors[name] = earlier.errors[name];
    }
  }
  return merged;
}

function removeBenchmarkFiles(workRoot, name) {
  const folders = {
    graph: ['graph-nx'],
    restore: ['restore'],
    build: ['debootstrap'],
    staging: ['staging'],
    affected: ['affected'],
  }[name];
  for (const entry of readdirNames(workRoot)) {
    if (folders.some((prefix) => entry.startsWith(prefix))) rmSync(join(workRoot, entry), { recursive: true, force: true });
  }
}

function readdirNames(folder) {
  try {
    return readdirSync(folder);
  } catch {
    return [];
  }
}

const options = parseArguments(process.argv.slice(2));
let results;
if (options.render) {
  results = JSON.parse(readFileSync(options.render, 'utf8'));
} else {
  results = mergeWithEarlier(await measure(options));
  writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
}
writeFileSync(options.out, renderPage(results));
log(options.render ? `wrote ${options.out}` : `wrote ${options.out}; this run took ${(results.totalSeconds / 60).toFixed(1)} min`);
if (Object.keys(results.errors).length > 0) process.exitCode = 1;
