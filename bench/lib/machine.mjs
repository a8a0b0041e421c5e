// Facts about the machine and the software versions, for the page.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { delimiter, join } from 'node:path';

function output(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

function osName() {
  try {
    return /^PRETTY_NAME="?(.*?)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/** Returns the file system of `path` (device, type, size and free space) as df reports it. */
export function diskOf(path) {
  const line = output('df', ['--output=source,fstype,size,avail,target', '-h', path])?.split('\n').pop().trim().split(/\s+/);
  if (!line) return undefined;
  const rotational = readRotational(line[0]);
  return { source: line[0], type: line[1], size: line[2], available: line[3], mount: line[4], rotational };
}

function readRotational(source) {
  const device = source.replace(/^\/dev\//, '').replace(/p?\d+$/, '');
  const file = `/sys/block/${device}/queue/rotational`;
  if (!existsSync(file)) return undefined;
  return readFileSync(file, 'utf8').trim() === '1';
}

export function loadAverage() {
  return os.loadavg().map((value) => value.toFixed(2)).join(', ');
}

export function machineFacts(workRoot) {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model.trim(),
    memoryGiB: os.totalmem() / 1024 ** 3,
    os: osName(),
    kernel: os.release(),
    arch: process.arch,
    disk: diskOf(workRoot),
  };
}

function isWrapper(file) {
  try {
    return readFileSync(file, 'utf8').includes('NX_PEPPY_APPTAINER_ROOT');
  } catch {
    return false;
  }
}

/**
 * The Apptainer the image benchmarks use: a native `apptainer` on PATH, else
 * the repository's wrapper around the prepared Debian root. Returns the PATH
 * to run it with and its version, or the reason it cannot run.
 */
export function findApptainer(repositoryRoot) {
  const path = process.env.PATH ?? '';
  const native = path
    .split(delimiter)
    .filter(Boolean)
    .map((folder) => join(folder, 'apptainer'))
    .find((file) => existsSync(file) && !isWrapper(file));
  const wrapperDir = join(repositoryRoot, 'e2e', 'support', 'apptainer', 'bin');
  const usePath = native ? path : [wrapperDir, ...path.split(delimiter).filter((entry) => !existsSync(join(entry, 'apptainer')))].join(delimiter);
  const result = spawnSync('apptainer', ['--version'], { encoding: 'utf8', env: { ...process.env, PATH: usePath } });
  const kind = native ? `native (${native})` : 'the e2e wrapper (bubblewrap root)';
  if (result.status !== 0) {
    return { error: `apptainer --version failed with ${kind}: ${(result.stderr || result.error?.message || '').trim()}`, path: usePath, kind };
  }
  return { path: usePath, kind, version: result.stdout.trim() };
}

export function softwareFacts(repositoryRoot) {
  const gitCommit = output('git', ['rev-parse', '--short', 'HEAD'], { cwd: repositoryRoot });
  const dirty = output('git', ['status', '--porcelain', '--', 'packages'], { cwd: repositoryRoot });
  const pluginVersion = JSON.parse(readFileSync(join(repositoryRoot, 'packages', 'nx-peppy', 'package.json'), 'utf8')).version;
  return {
    node: process.version,
    npm: output('npm', ['--version']),
    git: output('git', ['--version']),
    coreutils: output('cp', ['--version'])?.split('\n')[0],
    plugin: `nx-peppy ${pluginVersion}`,
    commit: gitCommit ? `${gitCommit}${dirty ? ' with uncommitted changes' : ''}` : undefined,
  };
}
