import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { apptainer, pathWithApptainer } from './apptainer';

const repositoryRoot = join(__dirname, '..', '..');

function packedPlugin(): string {
  const tarball = process.env.NX_PEPPY_TARBALL;
  if (!tarball) throw new Error('NX_PEPPY_TARBALL is not set: run the e2e tests through jest so the global setup packs the plugin');
  return tarball;
}

function nxVersion(): string {
  return (JSON.parse(readFileSync(join(repositoryRoot, 'node_modules', 'nx', 'package.json'), 'utf8')) as { version: string }).version;
}

export interface CommandResult {
  status: number | null;
  output: string;
}

function toResult(result: SpawnSyncReturns<string>): CommandResult {
  return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

/** A fresh Nx workspace in a temp folder with the packed plugin installed. */
export class TestWorkspace {
  readonly root: string;

  constructor(prefix = 'nx-peppy-e2e-') {
    this.root = mkdtempSync(join(tmpdir(), prefix));
  }

  /** Creates package.json, nx.json and git, then installs nx and the plugin tarball. */
  install(): this {
    this.createNxWorkspace([`nx@${nxVersion()}`, packedPlugin()]);
    return this;
  }

  /** Like `install`, but adds the plugin the way users do: `nx add nx-peppy`. */
  installWithNxAdd(): this {
    this.createNxWorkspace([`nx@${nxVersion()}`]);
    const add = this.nx(['add', `nx-peppy@file:${packedPlugin()}`]);
    if (add.status !== 0) throw new Error(`nx add failed:\n${add.output}`);
    return this;
  }

  private createNxWorkspace(packages: string[]): void {
    if (!existsSync(this.path('package.json'))) this.write('package.json', JSON.stringify({ name: 'robot-workspace', private: true }, null, 2));
    this.write('nx.json', JSON.stringify({ $schema: './node_modules/nx/schemas/nx-schema.json' }, null, 2));
    this.run('git', ['init', '-q']);
    const install = this.run('npm', ['install', '--no-audit', '--no-fund', '-D', ...packages]);
    if (install.status !== 0) throw new Error(`npm install failed:\n${install.output}`);
  }

  /** Copies a folder of `e2e/fixtures` into the workspace root. */
  copyFixture(name: string): this {
    cpSync(join(__dirname, '..', 'fixtures', name), this.root, { recursive: true });
    return this;
  }

  /** Commits everything, so `nx affected --base=HEAD` reports only later edits. */
  commitAll(message = 'fixture'): void {
    this.run('git', ['add', '-A']);
    const commit = this.run('git', ['-c', 'user.name=e2e', '-c', 'user.email=e2e@localhost', 'commit', '-q', '-m', message]);
    if (commit.status !== 0) throw new Error(`git commit failed:\n${commit.output}`);
  }

  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      ...process.env,
      PATH: pathWithApptainer(),
      NX_DAEMON: 'false',
      NX_TUI: 'false',
      NX_NO_CLOUD: 'true',
      FORCE_COLOR: '0',
      NO_COLOR: '1',
      NX_SKIP_NX_CACHE: undefined,
      CI: 'true',
      ...extra,
    };
  }

  run(command: string, args: string[], env: NodeJS.ProcessEnv = this.env()): CommandResult {
    return toResult(spawnSync(command, args, { cwd: this.root, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 }));
  }

  /** Runs the workspace's own `nx` with the given extra environment. */
  nx(args: string[], extraEnv: Record<string, string> = {}): CommandResult {
    return this.run(this.nxBin(), args, this.env(extraEnv));
  }

  /** Starts `nx` without waiting, for tests that send it signals. */
  spawnNx(args: string[], extraEnv: Record<string, string> = {}) {
    return spawn(this.nxBin(), args, {
      cwd: this.root,
      env: this.env(extraEnv),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  private nxBin(): string {
    return join(this.root, 'node_modules', '.bin', 'nx');
  }

  path(...parts: string[]): string {
    return join(this.root, ...parts);
  }

  read(file: string): string {
    return readFileSync(this.path(file), 'utf8');
  }

  write(file: string, content: string): void {
    mkdirSync(dirname(this.path(file)), { recursive: true });
    writeFileSync(this.path(file), content);
  }

  sha256(file: string): string {
    return createHash('sha256').update(readFileSync(this.path(file))).digest('hex');
  }

  remove(): void {
    if (!process.env.NX_PEPPY_KEEP_E2E) rmSync(this.root, { recursive: true, force: true });
  }
}

/**
 * Definition of a tiny offline base image: busybox from the host (or the
 * Apptainer test root), copied in by `%setup` on a `scratch` bootstrap.
 */
export const BUSYBOX_BASE_DEF = `Bootstrap: scratch

%setup
    mkdir -p "$APPTAINER_ROOTFS/bin" "$APPTAINER_ROOTFS/tmp" "$APPTAINER_ROOTFS/etc" "$APPTAINER_ROOTFS/opt"
    cp /bin/busybox "$APPTAINER_ROOTFS/bin/busybox"
    for tool in sh echo cat ls mkdir cp test env sleep printf id grep; do
        ln -sf busybox "$APPTAINER_ROOTFS/bin/$tool"
    done

%environment
    export PATH=/bin

%labels
    Name busybox-base
`;

/** Builds the busybox base image into `image` (absolute) with the tests' Apptainer; `help` varies its content. */
export function buildBusyboxBase(image: string, help?: string): void {
  mkdirSync(dirname(image), { recursive: true });
  const defFile = `${image}.def`;
  writeFileSync(defFile, help ? `${BUSYBOX_BASE_DEF}\n%help\n    ${help}\n` : BUSYBOX_BASE_DEF);
  apptainer(['build', '--fakeroot', '--force', image, defFile], dirname(image));
}
