import type { z } from 'zod';

import type { Problem } from '../errors';

/** Keys renamed between the two formats, so a mixed-up manifest gets a precise fix. */
const RENAMED_KEYS: Record<string, string> = {
  add_cmd: 'build_cmd',
  build_cmd: 'add_cmd',
  start_cmd: 'run_cmd',
  run_cmd: 'start_cmd',
};

function fieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

function unknownKeyFix(key: string): string {
  const renamed = RENAMED_KEYS[key];
  const hint = renamed ? `; the other manifest format calls this field "${renamed}"` : '';
  return `remove "${key}" or correct its spelling (PeppyOS rejects unknown keys)${hint}`;
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
        problems.push({ file, field: fieldPath([...issue.path, key]), message: `unknown key "${key}"`, fix: unknownKeyFix(key) });
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
      const found = 'input' in issue ? ` ${JSON.stringify(issue.input)}` : '';
      problems.push({ file, field, message: `invalid value${found}`, fix: `use ${describeExpected(issue)}` });
      continue;
    }

    problems.push({ file, field, message: issue.message, fix: fixForRule(field) });
  }

  return problems;
}

function fixForRule(field: string): string {
  if (field === 'manifest.name') return 'rename the node with letters, digits, "_" and "-" only, for example "my_node"';
  if (field.endsWith('_cmd')) return `give "${field}" at least the program to run, for example ["./run.sh"]`;
  return `correct "${field}" to match the PeppyOS manifest format`;
}
