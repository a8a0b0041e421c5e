import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

/** The wrapper that runs Apptainer from the test root under bubblewrap. */
export const WRAPPER_BIN_DIR = join(__dirname, 'apptainer', 'bin');

function findOnPath(command: string, path: string): string | undefined {
  for (const dir of path.split(delimiter)) {
    const candidate = join(dir, command);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

function isWrapper(file: string): boolean {
  return readFileSync(realpathSync(file), 'utf8').includes('NX_PEPPY_APPTAINER_ROOT');
}

/**
 * The folder holding the `apptainer` the tests use: a native one on PATH when
 * present, otherwise the wrapper (which needs `setup.sh` to have run).
 */
export function apptainerBinDir(): string {
  const native = findOnPath('apptainer', process.env.PATH ?? '');
  if (native && !isWrapper(native)) return dirname(native);
  return WRAPPER_BIN_DIR;
}

/** PATH with the tests' Apptainer first. */
export function pathWithApptainer(): string {
  return [apptainerBinDir(), pathWithoutApptainer()].join(delimiter);
}

/** PATH with every folder that contains an `apptainer` removed. */
export function pathWithoutApptainer(): string {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => dir && !existsSync(join(dir, 'apptainer')))
    .join(delimiter);
}

export function apptainer(args: string[], cwd: string): string {
  return execFileSync(join(apptainerBinDir(), 'apptainer'), args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** `apptainer inspect --labels` as a map. */
export function imageLabels(image: string): Record<string, string> {
  const output = apptainer(['inspect', '--labels', '--json', image], dirname(image));
  const parsed = JSON.parse(output) as { data?: { attributes?: { labels?: Record<string, string> } } };
  return parsed.data?.attributes?.labels ?? {};
}
