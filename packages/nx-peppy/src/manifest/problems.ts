import type { z } from 'zod';

import type { Problem } from '../errors';

/**
 * Keys renamed between the two formats, so a mixed-up manifest gets a precise fix. A Map,
 * because a plain object would also return Object.prototype members for keys such as "toString".
 */
const RENAMED_KEYS = new Map<string, string>([
  ['add_cmd', 'build_cmd'],
  ['build_cmd', 'add_cmd'],
  ['start_cmd', 'run_cmd'],
  ['run_cmd', 'start_cmd'],
]);

/** Maximum characters of a value, key or field path quoted in a message; longer ones end in "…". */
const MAX_QUOTED_CHARS = 100;

function clip(text: string): string {
  return text.length > MAX_QUOTED_CHARS ? `${text.slice(0, MAX_QUOTED_CHARS)}…` : text;
}

/** Formats a path such as `['execution', 'run_cmd', 0]` as `execution.run_cmd[0]`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${clip(String(part))}`))
    .join('');
}

/**
 * Formats a JSON5 value for a message, as JSON cut after `MAX_QUOTED_CHARS` characters. It
 * serializes only the part it shows, so a huge value costs little, and a value nested
 * thousands of levels deep cannot overflow the stack: every level adds a character, so
 * the recursion stops within `MAX_QUOTED_CHARS` levels.
 */
export function quoteValue(value: unknown): string {
  const parts: string[] = [];
  let length = 0;
  const budget = MAX_QUOTED_CHARS + 1;

  // Each call returns false once the output is long enough, which ends the walk.
  const emit = (text: string): boolean => {
    parts.push(text);
    length += text.length;
    return length < budget;
  };
  const write = (item: unknown): boolean => {
    if (typeof item === 'string') return emit(JSON.stringify(item.slice(0, budget)));
    if (Array.isArray(item)) {
      if (!emit('[')) return false;
      for (let index = 0; index < item.length; index++) {
        if (index > 0 && !emit(',')) return false;
        if (!write(item[index])) return false;
      }
      return emit(']');
    }
    if (item !== null && typeof item === 'object') {
      if (!emit('{')) return false;
      let first = true;
      for (const key of Object.keys(item)) {
        if (!first && !emit(',')) return false;
        first = false;
        if (!emit(`${JSON.stringify(key.slice(0, budget))}:`)) return false;
        if (!write((item as Record<string, unknown>)[key])) return false;
      }
      return emit('}');
    }
    // Numbers as written: JSON.stringify would show JSON5's Infinity and NaN as null.
    return emit(String(item));
  };

  write(value);
  return clip(parts.join(''));
}

function unknownKeyFix(key: string): string {
  const renamed = RENAMED_KEYS.get(key);
  const hint = renamed ? `; the other manifest format calls this field "${renamed}"` : '';
  return `remove ${quoteValue(key)} or correct its spelling (PeppyOS rejects unknown keys)${hint}`;
}

function describeExpected(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_value') {
    return issue.values.map((value) => JSON.stringify(value)).join(' or ');
  }
  if (issue.code === 'invalid_type') return `a value of type ${issue.expected}`;
  return 'a valid value';
}

/** Turns zod issues into problems that name the manifest field and the fix. */
export function problemsFromZodIssues(file: string, issues: readonly z.core.$ZodIssue[]): Problem[] {
  const problems: Problem[] = [];

  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        problems.push({ file, field: fieldPath([...issue.path, key]), message: `unknown key ${quoteValue(key)}`, fix: unknownKeyFix(key) });
      }
      continue;
    }

    const field = fieldPath(issue.path) || '(top level)';
    // zod leaves `input` out when the key is absent.
    const missing = (issue.code === 'invalid_type' || issue.code === 'invalid_value') && (!('input' in issue) || issue.input === undefined);
    if (missing) {
      problems.push({ file, field, message: 'required field is missing', fix: `add "${field}" (${describeExpected(issue)})` });
      continue;
    }

    if (issue.code === 'invalid_type' || issue.code === 'invalid_value') {
      const found = 'input' in issue ? ` ${quoteValue(issue.input)}` : '';
      problems.push({ file, field, message: `invalid value${found}`, fix: `use ${describeExpected(issue)}` });
      continue;
    }

    problems.push({ file, field, message: issue.message, fix: fixForRule(field) });
  }

  return problems;
}

function fixForRule(field: string): string {
  if (field === 'manifest.name') return 'rename the node with letters, digits, "_" and "-" only, for example "my_node"';
  if (field === 'manifest.tag') return 'choose a tag of letters, digits, "_" and "-" that starts with a letter, for example "v1" or "v2-rc1"';
  if (field.endsWith('_cmd')) return `give "${field}" at least the program to run, for example ["./run.sh"]`;
  return `correct "${field}" to match the PeppyOS manifest format`;
}
