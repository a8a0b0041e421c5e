import { NxPeppyError, type Problem } from '../errors';
import type { Definition, DefinitionDiagnostic } from './types';

/** Collects the diagnostics of one definition file. */
export class DiagnosticList {
  readonly items: DefinitionDiagnostic[] = [];

  constructor(private readonly file: string) {}

  error(code: string, line: number, message: string, fix: string): void {
    this.items.push({ severity: 'error', file: this.file, line, message, fix, code });
  }

  warning(code: string, line: number, message: string, fix: string): void {
    this.items.push({ severity: 'warning', file: this.file, line, message, fix, code });
  }

  /** Returns the diagnostics ordered by line, those without a line last. */
  sorted(): DefinitionDiagnostic[] {
    const position = (diagnostic: DefinitionDiagnostic) => (diagnostic.line === 0 ? Infinity : diagnostic.line);
    return [...this.items].sort((a, b) => position(a) - position(b));
  }
}

/** Maximum characters of a value quoted in a message: a line of a hostile file can be megabytes long. */
const MAX_QUOTED_CHARS = 100;

/** Cuts text for a message after `MAX_QUOTED_CHARS` characters, marking the cut with "…". */
export function clip(text: string): string {
  return text.length > MAX_QUOTED_CHARS ? `${text.slice(0, MAX_QUOTED_CHARS)}…` : text;
}

/**
 * Quotes a value for a message, with control characters such as a TAB shown as `\t`. A value
 * longer than `MAX_QUOTED_CHARS` is cut, and its length follows the quote.
 */
export function quote(value: string): string {
  if (value.length <= MAX_QUOTED_CHARS) return JSON.stringify(value);
  return `${JSON.stringify(value.slice(0, MAX_QUOTED_CHARS))}… (${value.length} characters)`;
}

/** Names a stage in a message: `stage 2 ("final")`, numbered from 1 as a reader counts. */
export function describeStage(index: number, name?: string): string {
  return name ? `stage ${index + 1} (${quote(name)})` : `stage ${index + 1}`;
}

/** Throws an `NxPeppyError` listing every error diagnostic of the definition. Warnings do not throw. */
export function assertNoErrors(definition: Definition): void {
  const problems: Problem[] = definition.diagnostics
    .filter((diagnostic) => diagnostic.severity === 'error')
    .map((diagnostic) => ({
      file: diagnostic.file,
      line: diagnostic.line === 0 ? undefined : diagnostic.line,
      message: diagnostic.message,
      fix: diagnostic.fix,
    }));

  if (problems.length > 0) throw new NxPeppyError(problems);
}
