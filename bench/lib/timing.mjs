// Timing of commands that are compared with each other: hyperfine when it is
// installed, a small Node harness otherwise. Either way the commands of one
// comparison run in alternating rounds, so a slow minute on a shared machine
// hits all of them alike.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Single-quotes an argument for a POSIX shell, and for hyperfine's own splitting of `-N` commands. */
export function quote(argument) {
  return /^[\w@%+=:,./-]+$/.test(argument) ? argument : `'${argument.replace(/'/g, `'\\''`)}'`;
}

export function commandText(argv) {
  return argv.map(quote).join(' ');
}

function hyperfineVersion() {
  const result = spawnSync('hyperfine', ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/**
 * Installs hyperfine from Debian's packages when it is missing and this runs
 * as root with apt-get; returns its version, or undefined for the Node harness.
 */
export function ensureHyperfine({ install = true, log = console.log } = {}) {
  if (process.env.NX_PEPPY_BENCH_TIMER === 'node') return undefined;
  let version = hyperfineVersion();
  if (version || !install) return version;

  const apt = spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' });
  if (process.getuid?.() !== 0 || apt.status !== 0) {
    log('hyperfine is not installed and apt-get cannot install it here (needs root); timing with the Node harness');
    return undefined;
  }
  log('installing hyperfine with apt-get');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let attempt = spawnSync('apt-get', ['install', '-y', '-qq', 'hyperfine'], { env, encoding: 'utf8' });
  if (attempt.status !== 0) {
    spawnSync('apt-get', ['update', '-qq'], { env, encoding: 'utf8' });
    attempt = spawnSync('apt-get', ['install', '-y', '-qq', 'hyperfine'], { env, encoding: 'utf8' });
  }
  version = hyperfineVersion();
  if (!version) log(`apt-get install hyperfine failed (${(attempt.stderr ?? '').trim().split('\n').pop()}); timing with the Node harness`);
  return version;
}

function runChecked(argv, description) {
  const result = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${description} failed (${commandText(argv)}), status ${result.status}:\n${(result.stderr ?? '').slice(-3000)}`);
}

/** Runs one round with the Node harness: each prepare command untimed, then its command, timed from spawn to exit. */
function nodeRound(commands, warmup) {
  for (const command of commands) {
    for (let index = 0; index < warmup; index++) {
      if (command.prepare) runChecked(command.prepare, `prepare of ${command.label}`);
      runChecked(command.argv, command.label);
    }
  }
  return commands.map((command) => {
    if (command.prepare) runChecked(command.prepare, `prepare of ${command.label}`);
    const start = process.hrtime.bigint();
    runChecked(command.argv, command.label);
    return Number(process.hrtime.bigint() - start) / 1e9;
  });
}

/** Runs one round with hyperfine: every command once, each after its own prepare command. */
function hyperfineRound(commands, warmup) {
  const folder = mkdtempSync(join(tmpdir(), 'nx-peppy-bench-hyperfine-'));
  try {
    const json = join(folder, 'round.json');
    const args = ['-N', '--runs', '1', '--style', 'none', '--export-json', json];
    if (warmup > 0) args.push('--warmup', String(warmup));
    for (const command of commands) args.push('--prepare', command.prepare ? commandText(command.prepare) : 'true');
    for (const command of commands) args.push('--command-name', command.label);
    for (const command of commands) args.push(commandText(command.argv));

    const result = spawnSync('hyperfine', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (result.status !== 0) {
      throw new Error(`hyperfine failed with status ${result.status}:\n${(result.stderr ?? '').slice(-3000)}\ncommand: hyperfine ${commandText(args)}`);
    }
    const results = JSON.parse(readFileSync(json, 'utf8')).results;
    return results.map((entry) => entry.times[0]);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/**
 * Times `commands` (each `{ label, argv, prepare? }`) in `rounds` rounds. In
 * every round each command runs once; the order rotates from round to round.
 * The first round starts with `warmup` untimed runs of each command.
 * Returns, per command, its times in seconds, and per round all times.
 */
export function measureAlternating(commands, { rounds, warmup = 1, timer, log = () => {} }) {
  const times = commands.map(() => []);
  const byRound = [];
  for (let round = 0; round < rounds; round++) {
    const shift = round % commands.length;
    const order = commands.map((_, index) => (index + shift) % commands.length);
    // Odd rounds run the rotated order backwards, so no command always follows the same one.
    if (round % 2 === 1) order.reverse();
    const ordered = order.map((index) => commands[index]);
    const roundWarmup = round === 0 ? warmup : 0;

    const measured = timer === 'hyperfine' ? hyperfineRound(ordered, roundWarmup) : nodeRound(ordered, roundWarmup);
    const roundTimes = new Array(commands.length);
    order.forEach((index, position) => {
      times[index].push(measured[position]);
      roundTimes[index] = measured[position];
    });
    byRound.push(roundTimes);
    log(`  round ${round + 1}/${rounds}: ${commands.map((command, index) => `${command.label} ${roundTimes[index].toFixed(3)} s`).join(', ')}`);
  }
  return { times, byRound };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Median, extremes and quartiles (by the nearest-rank method) of a list of times. */
export function summarize(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (fraction) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))];
  return { n: sorted.length, median: median(sorted), min: sorted[0], max: sorted[sorted.length - 1], q1: rank(0.25), q3: rank(0.75) };
}

/**
 * Computes the ratio of the medians of `subject` over `anchor`, and the
 * median, lowest and highest of the ratios of their times in the same round.
 */
export function ratio(measurement, subject, anchor) {
  const paired = measurement.byRound.map((round) => round[subject] / round[anchor]);
  return {
    value: median(measurement.times[subject]) / median(measurement.times[anchor]),
    pairedMedian: median(paired),
    pairedMin: Math.min(...paired),
    pairedMax: Math.max(...paired),
  };
}
