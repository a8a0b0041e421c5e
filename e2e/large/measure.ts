import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const GNU_TIME = '/usr/bin/time';
const SAMPLE_INTERVAL_MS = 100;
/** Linux page size on x86-64 and arm64 with 4 KiB pages, the unit of /proc/<pid>/statm. */
const PAGE_SIZE = 4096;

/** Peak memory of one process of the measured tree. */
export interface ProcessPeak {
  pid: number;
  command: string;
  rssBytes: number;
}

export interface Measurement {
  status: number | null;
  output: string;
  seconds: number;
  /**
   * Highest sum of the resident set sizes of the command and all its
   * descendants, sampled every 100 ms from /proc. Pages shared between
   * processes count once per process, so this is an upper bound.
   */
  peakTreeRssBytes: number;
  /** The three processes with the highest sampled peak RSS, highest first. */
  topProcesses: ProcessPeak[];
  /**
   * Peak RSS of the largest single process of the tree as the kernel counted
   * it (GNU time's "Maximum resident set size"), which also catches peaks
   * shorter than the sampling interval. Undefined when /usr/bin/time is missing.
   */
  gnuTimeMaxRssBytes?: number;
}

function parentPid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name in field 2 may contain spaces and parentheses, so fields are counted after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[1]);
  } catch {
    return undefined;
  }
}

function residentBytes(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * PAGE_SIZE;
  } catch {
    return 0;
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ').slice(0, 160);
  } catch {
    return '?';
  }
}

/** Returns the pid and every descendant that is alive now. */
function processTree(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const parent = parentPid(pid);
    if (parent === undefined) continue;
    const siblings = children.get(parent) ?? [];
    siblings.push(pid);
    children.set(parent, siblings);
  }

  const tree: number[] = [];
  const pending = [rootPid];
  while (pending.length > 0) {
    const pid = pending.pop()!;
    tree.push(pid);
    pending.push(...(children.get(pid) ?? []));
  }
  return tree;
}

function gnuTimeMaxRss(report: string): number | undefined {
  const match = /Maximum resident set size \(kbytes\): (\d+)/.exec(report);
  return match ? Number(match[1]) * 1024 : undefined;
}

/**
 * Runs a command without blocking the event loop (the cache server lives in
 * this process) and records its wall time and peak memory. The command runs
 * under GNU time when /usr/bin/time exists (Debian package `time`).
 */
export async function measure(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; reportFile: string }): Promise<Measurement> {
  const useGnuTime = existsSync(GNU_TIME);
  const child = useGnuTime
    ? spawn(GNU_TIME, ['-v', '-o', options.reportFile, command, ...args], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });

  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));

  const peaks = new Map<number, ProcessPeak>();
  let peakTreeRssBytes = 0;
  const sample = () => {
    if (child.pid === undefined) return;
    let total = 0;
    for (const pid of processTree(child.pid)) {
      const rss = residentBytes(pid);
      total += rss;
      const known = peaks.get(pid);
      if (!known) peaks.set(pid, { pid, command: commandLine(pid), rssBytes: rss });
      else if (rss > known.rssBytes) known.rssBytes = rss;
    }
    peakTreeRssBytes = Math.max(peakTreeRssBytes, total);
  };

  const started = process.hrtime.bigint();
  const timer = setInterval(sample, SAMPLE_INTERVAL_MS);
  const status = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  }).finally(() => clearInterval(timer));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;

  let gnuTimeMaxRssBytes: number | undefined;
  if (useGnuTime && existsSync(options.reportFile)) {
    gnuTimeMaxRssBytes = gnuTimeMaxRss(readFileSync(options.reportFile, 'utf8'));
    rmSync(options.reportFile, { force: true });
  }

  const topProcesses = [...peaks.values()]
    .filter((peak) => peak.pid !== child.pid || !useGnuTime)
    .sort((a, b) => b.rssBytes - a.rssBytes)
    .slice(0, 3);
  return { status, output: Buffer.concat(chunks).toString('utf8'), seconds, peakTreeRssBytes, topProcesses, gnuTimeMaxRssBytes };
}

/** Total size of the regular files below a folder, 0 when it does not exist. */
export function folderBytes(folder: string): number {
  if (!existsSync(folder)) return 0;
  let total = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  }
  return total;
}
