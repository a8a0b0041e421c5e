import { formatProblem, NxPeppyError, type Problem } from '../../errors';

/**
 * The problem a bad input must produce. `field` or `line` is its place, and a
 * row with neither is a problem of the whole file, such as an empty file.
 */
export interface ExpectedProblem {
  file: string;
  field?: string;
  line?: number;
  message: string | RegExp;
  fix: string | RegExp;
}

/** Calls `body` and returns the NxPeppyError it throws. Fails when it returns or throws anything else. */
export function captureProblems(body: () => unknown): NxPeppyError {
  try {
    body();
  } catch (error) {
    if (error instanceof NxPeppyError) return error;
    throw error;
  }
  throw new Error('the input was accepted, but an NxPeppyError was expected');
}

/** Async form of `captureProblems`. */
export async function captureProblemsAsync(body: () => Promise<unknown>): Promise<NxPeppyError> {
  try {
    await body();
  } catch (error) {
    if (error instanceof NxPeppyError) return error;
    throw error;
  }
  throw new Error('the input was accepted, but an NxPeppyError was expected');
}

function matches(text: string, expected: string | RegExp): boolean {
  return typeof expected === 'string' ? text.includes(expected) : expected.test(text);
}

/**
 * Checks that `problems` contains the expected problem, and that its
 * formatted text names the file, then the line or field, and has a fix.
 */
export function expectProblem(problems: readonly Problem[], expected: ExpectedProblem): void {
  const found = problems.find((problem) => matches(problem.message, expected.message));
  if (!found) {
    throw new Error(`no problem with the message ${String(expected.message)}; got:\n${problems.map(formatProblem).join('\n')}`);
  }

  expect({ file: found.file, field: found.field, line: found.line }).toEqual({ file: expected.file, field: expected.field, line: expected.line });
  expect(matches(found.fix, expected.fix) ? expected.fix : found.fix).toEqual(expected.fix);
  expect(found.fix.trim().length).toBeGreaterThan(10);

  const text = formatProblem(found);
  let where = `${expected.file}: `;
  if (expected.field !== undefined) where = `${expected.file}: ${expected.field}:`;
  if (expected.line !== undefined) where = `${expected.file}:${expected.line}`;
  expect(text.startsWith(where)).toBe(true);
  expect(text).toContain('\n  Fix: ');
}
