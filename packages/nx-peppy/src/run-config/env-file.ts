import type { Problem } from '../errors';

export interface ParsedEnvFile {
  variables: Record<string, string>;
  /** The 1-based line of each variable, for messages. */
  lines: Record<string, number>;
  problems: Problem[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Checks a variable name the way shells and PeppyOS do: a letter or `_`, then letters, digits and `_`. */
export function isValidVariableName(name: string): boolean {
  return NAME.test(name);
}

/**
 * Reads `KEY=value` lines. Blank lines and lines starting with `#` are
 * skipped, a leading `export ` is allowed, and one pair of matching quotes
 * around the whole value is removed. Nothing else is interpreted: no escapes,
 * no `$VAR` expansion, so the value is the text between the quotes.
 */
export function parseEnvFile(text: string, file: string): ParsedEnvFile {
  const variables: Record<string, string> = {};
  const lines: Record<string, number> = {};
  const problems: Problem[] = [];

  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;

    const assignment = line.startsWith('export ') ? line.slice('export '.length).trimStart() : line;
    const separator = assignment.indexOf('=');
    if (separator <= 0) {
      problems.push({ file, line: index + 1, message: `expected KEY=value, got "${raw}"`, fix: 'write one KEY=value per line; start comments with #' });
      return;
    }

    const name = assignment.slice(0, separator).trim();
    if (!isValidVariableName(name)) {
      problems.push({ file, line: index + 1, message: `invalid variable name "${name}"`, fix: 'use letters, digits and _, not starting with a digit' });
      return;
    }
    variables[name] = unquote(assignment.slice(separator + 1).trim());
    lines[name] = index + 1;
  });

  return { variables, lines, problems };
}

function unquote(value: string): string {
  if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value[value.length - 1] === value[0]) return value.slice(1, -1);
  return value;
}
