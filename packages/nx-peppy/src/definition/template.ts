import { type DiagnosticList, quote } from './diagnostics';
import { type SourceLine, trimSpace } from './lines';
import type { RawSection } from './outline';
import { readSectionHeading } from './sections';

/**
 * A `{{ NAME }}` placeholder. Apptainer's pattern uses Go's ASCII classes: `\s` is TAB, LF, FF,
 * CR and space (no VT), and `\w` is `[0-9A-Za-z_]`, so `{{ my-name }}` is not a placeholder.
 */
const PLACEHOLDER = /\{\{[\t\n\f\r ]*([0-9A-Za-z_]+)[\t\n\f\r ]*\}\}/g;

/** A `NAME=value` line of a `%arguments` section, before templating. */
export interface ArgumentDefault {
  value: string;
  line: number;
}

/** Build arguments in force for a stage: command-line values first, then `%arguments` values. */
export interface ArgumentScope {
  /** `--build-arg` and `--build-arg-file` values, already merged. */
  buildArgs: ReadonlyMap<string, string>;
  defaults: ReadonlyMap<string, ArgumentDefault>;
}

export interface TemplatedLine extends SourceLine {
  /** Names replaced on this line. */
  used: string[];
  /** Names of placeholders that have no value. */
  undefinedNames: string[];
}

/**
 * Splits a `KEY=value` line at the first `=` and trims both parts, as Apptainer reads
 * `%arguments` lines and `--build-arg-file` lines. Returns undefined when there is no `=` or
 * the key is empty.
 */
export function splitKeyValue(text: string): { key: string; value: string } | undefined {
  const equals = text.indexOf('=');
  if (equals < 0) return undefined;

  const key = trimSpace(text.slice(0, equals));
  if (key === '') return undefined;
  return { key, value: trimSpace(text.slice(equals + 1)) };
}

/**
 * Reads the `NAME=value` lines of every `%arguments` section of a stage, before templating.
 * Apptainer reads them all before it replaces any placeholder, so a value may use a name
 * declared further down. Blank lines and lines starting with `#` are skipped. Apptainer skips
 * other lines without `=` with a warning, and so does this function.
 */
export function readArgumentDefaults(sections: RawSection[], diagnostics: DiagnosticList): Map<string, ArgumentDefault> {
  const defaults = new Map<string, ArgumentDefault>();

  for (const section of sections) {
    if (readSectionHeading(section.heading.text).name !== 'arguments') continue;

    for (const { text, line } of section.body) {
      const trimmed = trimSpace(text);
      if (trimmed === '' || trimmed.startsWith('#')) continue;

      const pair = splitKeyValue(trimmed);
      if (!pair) {
        diagnostics.warning(
          'invalid-argument-line',
          line,
          `line ${quote(trimmed)} in %arguments is not NAME=value, so Apptainer skips it`,
          'write it as NAME=value, or start it with "#" to make it a comment',
        );
        continue;
      }
      defaults.set(pair.key, { value: pair.value, line });
    }
  }

  return defaults;
}

/**
 * Replaces the placeholders inside a value one level deep, as Apptainer does before it inserts
 * the value: each name takes its command-line value, else its `%arguments` value as written.
 * A name with neither stays as it is, and Apptainer reports nothing for it.
 */
export function expandNestedPlaceholders(value: string, scope: ArgumentScope): string {
  let expanded = value;

  for (const match of value.matchAll(PLACEHOLDER)) {
    const name = match[1];
    const replacement = scope.buildArgs.get(name) ?? scope.defaults.get(name)?.value;
    // Apptainer replaces every copy of the placeholder text in the value built so far,
    // including copies a previous replacement brought in.
    if (replacement !== undefined) expanded = expanded.split(match[0]).join(replacement);
  }

  return expanded;
}

/** Returns the value `{{ name }}` takes in a stage, or undefined when it has none. */
export function resolveArgument(name: string, scope: ArgumentScope): string | undefined {
  const value = scope.buildArgs.get(name) ?? scope.defaults.get(name)?.value;
  return value === undefined ? undefined : expandNestedPlaceholders(value, scope);
}

/**
 * Returns true when the text between the line start (or the previous replaced placeholder)
 * and a placeholder contains a `#` followed by any character but `!`. Apptainer leaves such a
 * placeholder as it is and does not count it as used. The `!` exception keeps placeholders in
 * a `#!` line replaced.
 */
function isAfterComment(textBefore: string): boolean {
  for (let index = 0; index + 1 < textBefore.length; index++) {
    if (textBefore[index] === '#' && textBefore[index + 1] !== '!') return true;
  }
  return false;
}

/**
 * Replaces the placeholders of one line with their values in the scope.
 *
 * NOTE: Apptainer templates the whole stage text at once. This line-by-line version keeps line
 * numbers stable, but it misses a placeholder with a line break inside its braces, and it keeps
 * a value that contains a line break on one line of the model.
 */
export function templateLine(source: SourceLine, scope: ArgumentScope): TemplatedLine {
  const used: string[] = [];
  const undefinedNames: string[] = [];
  let output = '';
  let copiedUpTo = 0;

  for (const match of source.text.matchAll(PLACEHOLDER)) {
    const start = match.index;
    if (isAfterComment(source.text.slice(copiedUpTo, start))) continue;

    const name = match[1];
    const value = resolveArgument(name, scope);
    if (value === undefined) {
      if (!undefinedNames.includes(name)) undefinedNames.push(name);
      continue;
    }

    output += source.text.slice(copiedUpTo, start) + value;
    copiedUpTo = start + match[0].length;
    if (!used.includes(name)) used.push(name);
  }

  output += source.text.slice(copiedUpTo);
  return { text: output, line: source.line, used, undefinedNames };
}
