import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { isProcessAlive } from '../runtime/process-alive';
import { serializeRuntimeConfig, type RuntimeConfig } from './runtime-config';

const PREFIX = 'nx-peppy-run-';
const RUNTIME_CONFIG_FILE = 'runtime_config.json5';
const WORKING_DIR = 'work';

export interface RunFolder {
  /** The temporary folder of this run; everything below is removed by `dispose`. */
  path: string;
  /** A fresh, empty folder the node starts in. */
  workingDir: string;
  /** The generated runtime config, beside (not inside) the working folder. */
  runtimeConfigFile: string;
  /** Writes a private file (mode 600) into the run folder and returns its path. */
  writePrivateFile(name: string, content: string): string;
  /** Removes the folder; safe to call more than once. */
  dispose(): void;
}

export interface RunFolderOptions {
  /** Parent folder; default the system temp folder. Lima needs one under the home folder. */
  parent?: string;
}

/**
 * Removes run folders whose task process is gone. A task killed with
 * SIGKILL cannot clean up after itself, so the next run does it. The folder
 * name carries the owner's process id.
 */
export function removeStaleRunFolders(parent: string = tmpdir()): string[] {
  let entries: string[];
  try {
    entries = readdirSync(parent);
  } catch {
    return [];
  }

  const removed: string[] = [];
  for (const entry of entries) {
    const match = new RegExp(`^${PREFIX}(\\d+)-`).exec(entry);
    if (!match || isProcessAlive(Number(match[1]))) continue;
    rmSync(join(parent, entry), { recursive: true, force: true });
    removed.push(join(parent, entry));
  }
  return removed;
}

/**
 * Creates the folder of one node run: an empty working folder and the
 * runtime config. PeppyOS keeps these apart too (`instances/<id>` and
 * `runtime/`), so the node's working folder starts empty.
 */
export function createRunFolder(config: RuntimeConfig | undefined, options: RunFolderOptions = {}): RunFolder {
  const parent = options.parent ?? tmpdir();
  mkdirSync(parent, { recursive: true });
  const path = mkdtempSync(join(parent, `${PREFIX}${process.pid}-`));
  const workingDir = join(path, WORKING_DIR);
  mkdirSync(workingDir);

  const runtimeConfigFile = join(path, RUNTIME_CONFIG_FILE);
  if (config) writeFileSync(runtimeConfigFile, `${serializeRuntimeConfig(config)}\n`);

  return {
    path,
    workingDir,
    runtimeConfigFile,
    writePrivateFile(name, content) {
      const file = join(path, name);
      writeFileSync(file, content, { mode: 0o600 });
      return file;
    },
    dispose: () => rmSync(path, { recursive: true, force: true }),
  };
}
