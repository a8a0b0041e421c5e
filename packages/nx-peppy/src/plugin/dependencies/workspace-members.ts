import { posix } from 'node:path';

import { globToRegExp, hasGlobSyntax, InvalidGlobError } from './glob';
import type { InvalidEntry, PathReference, WorkspaceMemberGlobs } from './types';

/**
 * The tool whose `exclude` rule applies. uv's `is_excluded_from_workspace`
 * (crate uv-workspace) matches each exclude glob against every member folder
 * with `glob::Pattern::matches_path`, whose `*` also matches `/`. Cargo's
 * `members_paths` expands `members` without reading `exclude`, so nothing is
 * excluded for Cargo.
 */
export type ExcludeRule = 'uv' | 'cargo';

/** The folders one glob entry of `members` matches. */
export interface MemberGlobMatch {
  entry: string;
  /** Workspace-relative folders, in sorted order. */
  folders: string[];
}

export interface ExpandedMembers {
  /** Entries without glob syntax, to resolve like any other path. */
  paths: PathReference[];
  globs: MemberGlobMatch[];
  invalid: InvalidEntry[];
}

export interface MemberSearch {
  /** Absolute path of the workspace root, which an absolute glob is matched under. */
  workspaceRoot: string;
  /** Workspace-relative folder of the file that declares the workspace. */
  baseFolder: string;
  /** Workspace-relative folders that contain a member manifest, the only folders a glob can match. */
  candidates: readonly string[];
  /** `pyproject.toml` or `Cargo.toml`, for messages. */
  manifestFile: string;
  excludeRule: ExcludeRule;
}

/** Normalises a pattern or path the way a folder walk reads it: no `.` segments and no trailing `/`. */
function normalizePattern(pattern: string): string {
  const normalized = posix.normalize(pattern.replace(/\\/g, '/')).replace(/(.)\/+$/, '$1');
  return normalized === '' ? '.' : normalized;
}

/** Returns the path of `folder` relative to the base folder, `.` for the base folder itself. */
function relativeToBase(baseFolder: string, folder: string): string {
  const relative = posix.relative(baseFolder, folder);
  return relative === '' ? '.' : relative;
}

function excludeMatchers(exclude: readonly PathReference[], rule: ExcludeRule, invalid: InvalidEntry[]): RegExp[] {
  if (rule === 'cargo') return [];

  const matchers: RegExp[] = [];
  for (const pattern of exclude) {
    try {
      matchers.push(globToRegExp(normalizePattern(pattern.path), { matchSeparators: true }));
    } catch (error) {
      if (!(error instanceof InvalidGlobError)) throw error;
      invalid.push({ entry: pattern.entry, reason: error.message });
    }
  }
  return matchers;
}

/**
 * Splits workspace `members` into plain paths and glob matches. A glob
 * matches folders that contain the member manifest, as uv and Cargo require
 * of every member.
 */
export function expandWorkspaceMembers(workspace: WorkspaceMemberGlobs, search: MemberSearch): ExpandedMembers {
  const result: ExpandedMembers = { paths: [], globs: [], invalid: [] };
  const excluders = excludeMatchers(workspace.exclude, search.excludeRule, result.invalid);
  const isExcluded = (relative: string) => excluders.some((matcher) => matcher.test(relative));

  for (const member of workspace.members) {
    if (!hasGlobSyntax(member.path)) {
      if (!isExcluded(normalizePattern(member.path))) result.paths.push(member);
      continue;
    }

    let matcher: RegExp;
    try {
      matcher = globToRegExp(normalizePattern(member.path), { matchSeparators: false });
    } catch (error) {
      if (!(error instanceof InvalidGlobError)) throw error;
      result.invalid.push({ entry: member.entry, reason: error.message });
      continue;
    }

    const absolute = posix.isAbsolute(normalizePattern(member.path));
    const folders = search.candidates
      .filter((folder) => {
        const relative = relativeToBase(search.baseFolder, folder);
        const matched = absolute ? matcher.test(posix.join(search.workspaceRoot, folder)) : matcher.test(relative);
        return matched && !isExcluded(relative);
      })
      .sort();

    if (folders.length === 0) {
      result.invalid.push({ entry: member.entry, reason: `the glob matches no folder that contains a ${search.manifestFile}` });
      continue;
    }
    result.globs.push({ entry: member.entry, folders });
  }

  return result;
}
