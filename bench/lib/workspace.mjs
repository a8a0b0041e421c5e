// Bench workspaces: a folder with package.json, nx.json and git, where npm
// installs Nx and the packed plugin as a user's `npm i -D` would.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Environment of every Nx command the benchmarks run. */
export const NX_ENV = {
  NX_DAEMON: 'false',
  NX_TUI: 'false',
  NX_NO_CLOUD: 'true',
  CI: 'true',
  FORCE_COLOR: '0',
  NO_COLOR: '1',
};

export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'], ...options });
  if (result.error) throw new Error(`${command} ${args.join(' ')} failed to start: ${result.error.message}`);
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.slice(-4000);
    throw new Error(`${command} ${args.join(' ')} exited with status ${result.status} in ${options.cwd ?? process.cwd()}:\n${output}`);
  }
  return result.stdout;
}

/** Builds the plugin and packs it the way `npm publish` would; returns the tarball path. */
export function packPlugin(repositoryRoot, destination) {
  run('npm', ['run', 'build', '--silent'], { cwd: repositoryRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  mkdirSync(destination, { recursive: true });
  run('npm', ['pack', '--silent', '--pack-destination', destination], { cwd: join(repositoryRoot, 'packages', 'nx-peppy') });
  const tarball = readdirSync(destination).find((file) => file.startsWith('nx-peppy-') && file.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack wrote no nx-peppy tarball into ${destination}`);
  return join(destination, tarball);
}

/**
 * Writes package.json and nx.json into `root` (which may already hold the
 * fixture files), installs `packages` with npm and commits everything, so
 * later edits show up as git changes.
 */
export function createWorkspace(root, { packages, plugins }) {
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'package.json'), `${JSON.stringify({ name: 'bench-workspace', private: true }, null, 2)}\n`);
  writeFileSync(join(root, 'nx.json'), `${JSON.stringify({ $schema: './node_modules/nx/schemas/nx-schema.json', plugins }, null, 2)}\n`);
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '-D', ...packages], { cwd: root });
  run('git', ['init', '-q'], { cwd: root });
  commitAll(root, 'fixture');
}

export function commitAll(root, message) {
  run('git', ['add', '-A'], { cwd: root });
  run('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@localhost', 'commit', '-q', '--no-gpg-sign', '-m', message], { cwd: root });
}

export function nxBin(root) {
  return join(root, 'node_modules', '.bin', 'nx');
}

/** Variables that change what Nx caches or where it runs plugins; every bench command starts without them. */
const UNSET = ['NX_SKIP_NX_CACHE', 'NX_CACHE_PROJECT_GRAPH', 'NX_ISOLATE_PLUGINS', 'NX_CACHE_DIRECTORY', 'NX_PERF_LOGGING'];

/**
 * Nx 24 keeps its cache and task database under ~/.nx unless NX_CACHE_DIRECTORY
 * is set. The benchmarks keep both inside the workspace, so they leave nothing
 * behind and each workspace starts empty.
 */
function workspaceEnv(root, env) {
  return { ...NX_ENV, NX_CACHE_DIRECTORY: join(root, '.nx', 'cache'), ...env };
}

function benchEnv(root, env) {
  const result = { ...process.env };
  for (const name of UNSET) delete result[name];
  return { ...result, ...workspaceEnv(root, env) };
}

/** Runs the workspace's `nx` with the bench environment and returns its standard output. */
export function nx(root, args, env = {}) {
  return run(nxBin(root), args, { cwd: root, env: benchEnv(root, env) });
}

/** Like `nx`, but returns the exit status, the standard output and the standard error. */
export function nxResult(root, args, env = {}) {
  const result = spawnSync(nxBin(root), args, { cwd: root, env: benchEnv(root, env), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

/**
 * Returns the argument vector of an `nx` call for the timing tools. `env` sets
 * the working folder and the variables, so the printed command is complete.
 */
export function nxCommand(root, args, env = {}) {
  const variables = Object.entries(workspaceEnv(root, env)).map(([name, value]) => `${name}=${value}`);
  return ['env', '-C', root, ...UNSET.flatMap((name) => ['-u', name]), ...variables, nxBin(root), ...args];
}

export function installedVersion(root, name) {
  return JSON.parse(execFileSync('node', ['-p', `JSON.stringify(require('${name}/package.json').version)`], { cwd: root, encoding: 'utf8' }));
}
