import { realpathSync } from 'node:fs';
import { posix } from 'node:path';

import type { Problem } from '../errors';
import { describeSpec, specAtPath, type GroupSpec } from './parameter-schema';
import type { ParameterValue } from './parameter-types';

/**
 * Top-level folders PeppyOS refuses as mount sources (`mount_policy.rs`),
 * and their macOS `/private` twins. Subfolders of them are allowed.
 */
const BLOCKED_SOURCES = ['/', '/bin', '/dev', '/etc', '/home', '/opt', '/sbin', '/tmp', '/usr', '/var'];
function realPathOf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

const BLOCKED = new Set([...BLOCKED_SOURCES, '/private', ...BLOCKED_SOURCES.filter((path) => path !== '/').map((path) => `/private${path}`)]);

/** Sources the host provides: never created, because a missing one is a real error. */
const HOST_PROVIDED = ['/dev', '/proc', '/run', '/sys'];

const PARAMETER_REFERENCE = /\$\{parameters:([^}]*)\}/g;

export interface MountContext {
  /** Manifest path and the field of `mount_paths`, for messages. */
  file: string;
  field: string;
  schema: GroupSpec;
  /** Resolved `node_instance.arguments`. */
  parameters: Record<string, ParameterValue>;
  /** Home folder of the user running the task, for `~`. */
  homeDir: string;
  /** Tells whether a host path exists; injected so that tests need no files. */
  pathExists: (path: string) => boolean;
}

export interface MountPlan {
  /** `--bind` values, in manifest order. */
  binds: string[];
  /** Host sources of the binds. */
  sources: string[];
  /** `/dev/...` entries left to Apptainer's own `/dev` mount. */
  skippedDevices: string[];
  /** Missing sources to create before the run. */
  missingSources: string[];
  problems: Problem[];
}

/** Tells whether a normalized absolute path is, or is below, one of the folders. */
export function isUnder(path: string, folders: readonly string[]): boolean {
  return folders.some((folder) => path === folder || path.startsWith(`${folder}/`));
}

/** Collapses `//`, resolves `.` and `..`, and strips a trailing `/`, like PeppyOS's mount check. */
export function normalizeMountPath(path: string): string {
  const normalized = posix.normalize(path);
  return normalized.length > 1 && normalized.endsWith('/') ? normalized.slice(0, -1) : normalized;
}

/**
 * Resolves `mount_paths` entries (`host[:container[:ro|rw]]`) the way
 * `peppy node run` does: `${parameters:a.b}` substitution, then `~`
 * expansion, then the blocked-folder check. `/dev/...` entries that keep
 * their path are skipped, because a bind adds `nodev` and Apptainer already
 * mounts the host's `/dev`.
 */
export function resolveMountPaths(entries: readonly string[], context: MountContext): MountPlan {
  const plan: MountPlan = { binds: [], sources: [], skippedDevices: [], missingSources: [], problems: [] };

  entries.forEach((entry, index) => {
    const field = `${context.field}[${index}]`;
    const problem = (message: string, fix: string) => plan.problems.push({ file: context.file, field, message, fix });

    const substituted = substituteParameters(entry, context, problem);
    if (substituted === undefined) return;

    const [rawSource, rawDestination, options, ...rest] = substituted.split(':');
    if (rest.length > 0) {
      problem(`invalid mount path "${entry}": more than two ":" separators`, 'write host[:container[:ro|rw]]');
      return;
    }
    if (options !== undefined && options !== 'ro' && options !== 'rw') {
      problem(`invalid mount option "${options}" in "${entry}"`, 'use ro or rw as the third part');
      return;
    }
    if (substituted.includes(',')) {
      problem(`mount path "${substituted}" contains ",", which Apptainer reads as a separator between binds`, 'use paths without commas');
      return;
    }

    const source = expandSource(rawSource, context.homeDir, entry, problem);
    if (source === undefined) return;
    if (BLOCKED.has(source)) {
      problem(
        `invalid mount path "${entry}": top-level system folders (${BLOCKED_SOURCES.join(' ')}) cannot be mount sources`,
        `mount a subfolder instead, for example ${source === '/' ? '' : source}/my_app`,
      );
      return;
    }

    // Apptainer follows a symlinked source, so the check applies to its target too.
    const target = realPathOf(source);
    if (target !== source && BLOCKED.has(target)) {
      problem(
        `invalid mount path "${entry}": ${source} is a symlink to ${target}, a top-level system folder that cannot be a mount source`,
        `mount a subfolder of ${target} directly, or point the symlink at one`,
      );
      return;
    }

    let destination: string | undefined;
    if (rawDestination !== undefined && rawDestination !== '') {
      if (!rawDestination.startsWith('/')) {
        problem(`invalid container path "${rawDestination}" in "${entry}": it must be absolute`, 'start the container path with /');
        return;
      }
      destination = normalizeMountPath(rawDestination);
    }

    if (source.startsWith('/dev/') && (destination === undefined || destination === source)) {
      plan.skippedDevices.push(source);
      return;
    }

    if (!context.pathExists(source) && !isUnder(source, HOST_PROVIDED)) plan.missingSources.push(source);
    plan.sources.push(source);
    plan.binds.push(bindValue(source, destination, options));
  });

  return plan;
}

function bindValue(source: string, destination: string | undefined, options: string | undefined): string {
  if (options) return `${source}:${destination ?? source}:${options}`;
  return destination ? `${source}:${destination}` : source;
}

function substituteParameters(entry: string, context: MountContext, problem: (message: string, fix: string) => void): string | undefined {
  let failed = false;
  const result = entry.replace(PARAMETER_REFERENCE, (reference, name: string) => {
    const path = name.split('.');
    const spec = specAtPath(context.schema, path);
    if (!spec) {
      problem(`invalid parameter reference ${reference} in mount path: the parameter is not declared`, `declare "${name}" as a string parameter, or correct the name`);
      failed = true;
      return reference;
    }
    if (spec.kind !== 'primitive' || spec.type !== 'string') {
      if (spec.kind !== 'invalid') {
        problem(`invalid parameter reference ${reference} in mount path: the parameter must be of type string, found ${describeSpec(spec)}`, `make "${name}" a string parameter`);
      }
      failed = true;
      return reference;
    }

    const value = valueAt(context.parameters, path);
    // A missing value is already reported as a missing parameter.
    if (typeof value !== 'string') {
      failed = true;
      return reference;
    }
    if (value.includes(':')) {
      problem(`parameter "${name}" = "${value}" contains ":", which would split the mount path`, 'pass a path without ":"');
      failed = true;
    }
    return value;
  });
  return failed ? undefined : result;
}

function valueAt(values: Record<string, ParameterValue>, path: readonly string[]): ParameterValue | undefined {
  let node: ParameterValue | undefined = values;
  for (const segment of path) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
    node = (node as Record<string, ParameterValue>)[segment];
  }
  return node;
}

function expandSource(raw: string, homeDir: string, entry: string, problem: (message: string, fix: string) => void): string | undefined {
  if (raw === '') {
    problem(`invalid mount path "${entry}": the host path is empty`, 'write host[:container[:ro|rw]]');
    return undefined;
  }

  let path = raw;
  if (raw === '~' || raw.startsWith('~/')) {
    path = homeDir + raw.slice(1);
  } else if (raw.startsWith('~')) {
    problem(`invalid mount path "${entry}": ~user is not supported`, 'write the absolute path, or ~/ for the home folder of the user running the task');
    return undefined;
  }

  if (!path.startsWith('/')) {
    problem(`invalid mount path "${entry}": the host path must be absolute or start with ~/`, 'write an absolute host path');
    return undefined;
  }
  return normalizeMountPath(path);
}
