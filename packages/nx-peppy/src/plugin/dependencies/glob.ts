/**
 * Glob patterns as the Rust `glob` crate reads them, which uv and Cargo use
 * for workspace `members`: `?`, `*`, `[abc]`, `[a-z]`, `[!abc]`, and `**` as a
 * whole path segment for any number of folders. There is no escape character:
 * `[*]` matches a literal `*`.
 */

/** Raised for a pattern that the `glob` crate rejects. */
export class InvalidGlobError extends Error {
  constructor(pattern: string, reason: string) {
    super(`invalid glob "${pattern}": ${reason}`);
    this.name = 'InvalidGlobError';
  }
}

export interface GlobOptions {
  /**
   * Whether `*`, `?` and `[...]` also match `/`. Walking folders with `glob::glob` matches one
   * segment at a time (false); `glob::Pattern::matches_path` with default options does not (true).
   */
  matchSeparators: boolean;
}

/** Returns true when the pattern contains `*`, `?` or `[`, so it can match more than one path. */
export function hasGlobSyntax(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Returns the index of the `]` that closes the class opened at `open`, or -1. */
function findClassEnd(segment: string, open: number): number {
  let index = open + 1;
  if (segment[index] === '!') index++;
  // A `]` right after `[` or `[!` is a member of the class, not its end.
  if (segment[index] === ']') index++;
  return segment.indexOf(']', index);
}

function translateClass(body: string, matchSeparators: boolean): string {
  const negated = body.startsWith('!');
  const members = (negated ? body.slice(1) : body).replace(/[\\^\]]/g, '\\$&').replace(/\[/g, '\\[');
  if (!negated) return `[${members}]`;
  return matchSeparators ? `[^${members}]` : `[^${members}/]`;
}

function translateSegment(pattern: string, segment: string, matchSeparators: boolean): string {
  const anyCharacter = matchSeparators ? '.' : '[^/]';
  let source = '';

  for (let index = 0; index < segment.length; index++) {
    const character = segment[index];

    if (character === '*') {
      source += `${anyCharacter}*`;
    } else if (character === '?') {
      source += anyCharacter;
    } else if (character === '[') {
      const end = findClassEnd(segment, index);
      if (end < 0) throw new InvalidGlobError(pattern, 'a "[" has no closing "]"');
      source += translateClass(segment.slice(index + 1, end), matchSeparators);
      index = end;
    } else {
      source += escapeRegExp(character);
    }
  }

  return source;
}

/** Translates a glob pattern to an anchored regular expression over `/`-separated paths. */
export function globToRegExp(pattern: string, options: GlobOptions): RegExp {
  const segments = pattern.split('/');
  const last = segments.length - 1;
  let source = '';
  let afterRecursiveWildcard = false;

  segments.forEach((segment, index) => {
    if (segment === '**') {
      if (index === 0) source += index === last ? '.*' : '(?:[^/]+/)*';
      else source += index === last ? '(?:/[^/]+)*' : '/(?:[^/]+/)*';
      afterRecursiveWildcard = true;
      return;
    }
    if (segment.includes('**')) {
      throw new InvalidGlobError(pattern, '"**" must be a whole path segment, such as "libs/**/crate"');
    }

    if (index > 0 && !afterRecursiveWildcard) source += '/';
    source += translateSegment(pattern, segment, options.matchSeparators);
    afterRecursiveWildcard = false;
  });

  return new RegExp(`^${source}$`);
}
