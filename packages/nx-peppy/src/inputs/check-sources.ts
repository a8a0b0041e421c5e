import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { minimatch } from 'minimatch';

import type { Problem } from '../errors';
import type { BuildContextPlan, PlannedSource } from './plan';

export interface SourceCheck {
  errors: Problem[];
  warnings: Problem[];
  /** Sources that exist on disk but that Nx does not hash (git ignores them); staged anyway. */
  unhashed: string[];
}

function isUnder(path: string, file: string): boolean {
  return path === '.' || file === path || file.startsWith(`${path}/`);
}

/** Lookup of a `%files` line's destination by its line number. */
export type DestinationLookup = (line: number) => string | undefined;

/**
 * Checks each host `%files` source against the files Nx hashes, before
 * Apptainer starts. A glob with no match or a missing path is an error with
 * the line and the fix. Several glob matches copied to a destination without
 * a trailing `/` get a warning, because each match overwrites the previous one.
 */
export function checkSources(plan: BuildContextPlan, hashedFiles: readonly string[], workspaceRoot: string, destinationOf: DestinationLookup): SourceCheck {
  const check: SourceCheck = { errors: [], warnings: [], unhashed: [] };

  for (const source of plan.sources) {
    if (source.path === undefined || source.wholeNodeFolder) continue;

    if (/[*?[]/.test(source.path)) {
      checkGlob(source, plan, hashedFiles, destinationOf, check);
      continue;
    }

    if (hashedFiles.some((file) => isUnder(source.path as string, file))) continue;

    if (existsSync(join(workspaceRoot, source.path))) {
      check.unhashed.push(source.path);
      check.warnings.push({
        file: plan.defFile,
        line: source.line,
        message: `the %files source "${source.source}" is ignored by git, so the Nx cache does not hash it`,
        fix: 'stop ignoring it in .gitignore, or rebuild with --skip-nx-cache after changing it',
      });
      continue;
    }

    check.errors.push({
      file: plan.defFile,
      line: source.line,
      message: `the %files source "${source.source}" does not exist (looked for ${source.path})`,
      fix: 'create it, or correct the path: %files sources are relative to the node folder',
    });
  }
  return check;
}

function checkGlob(source: PlannedSource, plan: BuildContextPlan, hashedFiles: readonly string[], destinationOf: DestinationLookup, check: SourceCheck): void {
  const pattern = source.path as string;
  // The shell glob matches folder entries; a file below a matched folder counts too.
  const matches = new Set<string>();
  for (const file of hashedFiles) {
    const parts = file.split('/');
    for (let length = 1; length <= parts.length; length++) {
      const candidate = parts.slice(0, length).join('/');
      if (minimatch(candidate, pattern, { dot: false })) {
        matches.add(candidate);
        break;
      }
    }
  }

  if (matches.size === 0) {
    check.errors.push({
      file: plan.defFile,
      line: source.line,
      message: `the %files pattern "${source.source}" matches no file (looked for ${pattern}); Apptainer fails the build on an empty match`,
      fix: 'create a matching file, or correct or remove the line',
    });
    return;
  }

  const destination = destinationOf(source.line);
  if (matches.size > 1 && destination !== undefined && !destination.endsWith('/')) {
    check.warnings.push({
      file: plan.defFile,
      line: source.line,
      message: `the %files pattern "${source.source}" matches ${matches.size} entries copied to "${destination}"; each match overwrites the previous one`,
      fix: `end the destination with "/" ("${destination}/") to copy every match into that folder`,
    });
  }
}

