/**
 * Location of a problem: the file, and the field path or line inside it.
 * Every user-facing error of the plugin carries one, plus the fix.
 */
export interface ProblemLocation {
  file: string;
  /** Dotted field path inside a manifest, such as `container.def_file`. */
  field?: string;
  /** 1-based line number inside a text file. */
  line?: number;
  /** 1-based column, where the parser reports one. */
  column?: number;
}

export interface Problem extends ProblemLocation {
  message: string;
  fix: string;
}

/** Formats a problem as `file:line:column: field: message` followed by the fix. */
export function formatProblem(problem: Problem): string {
  let where = problem.file;
  if (problem.line !== undefined) {
    where += `:${problem.line}`;
    if (problem.column !== undefined) where += `:${problem.column}`;
  }
  const field = problem.field ? ` ${problem.field}:` : '';
  return `${where}:${field} ${problem.message}\n  Fix: ${problem.fix}`;
}

/**
 * An error caused by the user's input (manifest, definition file, options).
 * Executors print its message without a stack trace; anything else is a bug.
 */
export class NxPeppyError extends Error {
  readonly problems: Problem[];

  constructor(problems: Problem[] | Problem) {
    const list = Array.isArray(problems) ? problems : [problems];
    super(list.map(formatProblem).join('\n'));
    this.name = 'NxPeppyError';
    this.problems = list;
  }
}
