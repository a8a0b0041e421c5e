import { join } from 'node:path';

import type { Problem } from '../errors';

/** A host path that Apptainer must see. */
export interface HostPath {
  path: string;
  /** Role of the path in messages, such as `image` or `mount source`. */
  role: string;
}

/**
 * Returns the folder where limactl keeps its instances. That is `LIMA_HOME`
 * when set, else PeppyOS's `~/.peppy/lima-data` when it contains the instance
 * (PeppyOS runs its own limactl with that `LIMA_HOME`), else Lima's `~/.lima`.
 */
export function resolveLimaHome(env: NodeJS.ProcessEnv, homeDir: string, instance: string, exists: (path: string) => boolean): string {
  if (env.LIMA_HOME) return env.LIMA_HOME;
  const peppyLimaHome = join(homeDir, '.peppy', 'lima-data');
  if (exists(join(peppyLimaHome, instance))) return peppyLimaHome;
  return join(homeDir, '.lima');
}

function unquote(value: string): string {
  const trimmed = value.trim();
  if (trimmed.length >= 2 && (trimmed[0] === '"' || trimmed[0] === "'") && trimmed.endsWith(trimmed[0])) return trimmed.slice(1, -1);
  return trimmed;
}

function expandHome(path: string, homeDir: string): string {
  const templated = path.replace(/\{\{\s*\.Home\s*\}\}/g, homeDir);
  if (templated === '~') return homeDir;
  if (templated.startsWith('~/')) return homeDir + templated.slice(1);
  return templated;
}

/**
 * Reads the host folders an instance's `lima.yaml` mounts at the same path
 * in the guest. Only the `mounts:` list is read, line by line: each item's
 * `location` counts unless a `mountPoint` puts it elsewhere.
 */
export function limaSameMountPaths(yaml: string, homeDir: string): string[] {
  // NOTE: a line reader, not a YAML parser: flow-style lists (`mounts: [...]`)
  // and anchors are not understood, and such mounts count as not visible.
  const folders: string[] = [];
  let inMounts = false;
  let current: { location?: string; mountPoint?: string } | undefined;

  const flush = () => {
    if (current?.location) {
      const location = expandHome(current.location, homeDir);
      const mountPoint = current.mountPoint === undefined ? location : expandHome(current.mountPoint, homeDir);
      if (location === mountPoint) folders.push(location.replace(/\/+$/, '') || '/');
    }
    current = undefined;
  };

  for (const raw of yaml.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s+)#.*$/, '');
    if (line.trim() === '') continue;
    // YAML lets list items of a top-level key start in column 0 too.
    if (/^[^\s-]/.test(line)) {
      flush();
      inMounts = /^mounts:\s*$/.test(line);
      continue;
    }
    if (!inMounts) continue;

    const item = /^\s*-\s*(.*)$/.exec(line);
    const body = item ? item[1] : line.trim();
    if (item) {
      flush();
      current = {};
    }
    const field = /^(location|mountPoint):\s*(.+)$/.exec(body);
    if (field && current) current[field[1] as 'location' | 'mountPoint'] = unquote(field[2]);
  }
  flush();
  return folders;
}

/**
 * Lists the paths the Lima guest cannot see: each must be below the home
 * folder or a folder the instance mounts at the same path. Host-only
 * folders (`/dev`, `/proc`, `/run`, `/sys`) never reach the guest.
 */
export function invisiblePathProblems(paths: readonly HostPath[], visibleFolders: readonly string[], instance: string, limaHome: string): Problem[] {
  const problems: Problem[] = [];
  const under = (path: string, folder: string) => path === folder || path.startsWith(folder.endsWith('/') ? folder : `${folder}/`);

  for (const { path, role } of paths) {
    if (['/dev', '/proc', '/run', '/sys'].some((folder) => under(path, folder))) {
      problems.push({
        file: `Lima instance ${instance}`,
        message: `${role} ${path} is a host device or system path, which cannot be passed into the Lima VM`,
        fix: 'remove it on macOS; USB, CAN and serial devices cannot be forwarded into the VM',
      });
      continue;
    }
    if (visibleFolders.some((folder) => under(path, folder))) continue;
    problems.push({
      file: `Lima instance ${instance}`,
      message: `${role} ${path} is outside your home folder, so the Lima VM cannot see it`,
      fix: `add it to the mounts of ${join(limaHome, instance, 'lima.yaml')} (mounts: [{location: "${path}", writable: true}]) and restart the instance with \`limactl stop ${instance} && limactl start ${instance}\`, or move it under your home folder`,
    });
  }
  return problems;
}
