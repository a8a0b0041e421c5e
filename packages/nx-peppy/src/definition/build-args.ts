import { NxPeppyError, type Problem } from '../errors';
import { type DiagnosticList, quote } from './diagnostics';
import { splitLines } from './lines';
import { splitKeyValue } from './template';

/** A build argument name that a `{{ NAME }}` placeholder can use. */
const ARGUMENT_NAME = /^[0-9A-Za-z_]+$/;

/**
 * Parses the text of a `--build-arg-file` as Apptainer 1.4/1.5 reads it. Each line is
 * `KEY=value`, split at the first `=`, with key and value trimmed, and a later line wins.
 * Apptainer skips lines without `=` or with an empty key (with a warning), so blank lines are
 * harmless.
 *
 * Throws an `NxPeppyError` naming each line whose key cannot be a placeholder name, such as
 * `# NOTE=x` or `export A=1`. Apptainer has no comments in this file and keeps such a key, and
 * since no placeholder can use it, the build then fails as an unused build argument.
 */
export function parseBuildArgFile(text: string, file: string): Record<string, string> {
  const values: Record<string, string> = {};
  const problems: Problem[] = [];

  for (const { text: lineText, line } of splitLines(text)) {
    const pair = splitKeyValue(lineText);
    if (!pair) continue;

    if (!ARGUMENT_NAME.test(pair.key)) {
      problems.push({
        file,
        line,
        message: `build argument name ${quote(pair.key)} is invalid: a {{ NAME }} placeholder uses only letters, digits and "_", so Apptainer would fail the build with an unused build argument`,
        fix: 'write the line as NAME=value; a build-arg file has no comments, so delete comment lines',
      });
      continue;
    }
    values[pair.key] = pair.value;
  }

  if (problems.length > 0) throw new NxPeppyError(problems);
  return values;
}

/**
 * Characters that a `--build-arg` value cannot carry, each with the reason and the fix for an
 * argument NAME. Apptainer 1.4 reads each `--build-arg` as a CSV record (a pflag string slice),
 * so a comma splits the value and a double quote is CSV quoting. A `--build-arg-file` is read
 * line by line without CSV. Apptainer inserts the value into the definition file as text, where a
 * line break or carriage return changes the lines. A NUL character ends a command-line argument.
 */
const UNPASSABLE_CHARACTERS: ReadonlyMap<string, { reason: string; fix: (name: string) => string }> = new Map([
  [',', { reason: 'a comma, where Apptainer splits a --build-arg value', fix: moveToArgFile }],
  ['"', { reason: 'a double quote, which Apptainer reads as CSV quoting in a --build-arg value', fix: moveToArgFile }],
  ['\n', { reason: 'a line break, which would add lines to the definition file', fix: moveIntoDefinition }],
  ['\r', { reason: 'a carriage return, which would change the lines of the definition file', fix: moveIntoDefinition }],
  ['\u0000', { reason: 'a NUL character, which ends a command-line argument', fix: (name: string) => `remove the NUL character from the value of ${name}` }],
]);

function moveToArgFile(name: string): string {
  return `put ${name}=VALUE in a --build-arg-file, which Apptainer reads line by line without splitting at commas, or set ${name} in the %arguments section`;
}

function moveIntoDefinition(name: string): string {
  return `remove the line break from the value of ${name}, or write the multi-line text into the definition file instead of passing it in ${name}`;
}

/**
 * Reports `--build-arg` names that no `{{ NAME }}` placeholder can use and values that cannot
 * reach Apptainer as written. Returns the arguments with a valid name, so that an invalid one is
 * not also reported as unused.
 */
export function checkBuildArgs(buildArgs: Record<string, string>, diagnostics: DiagnosticList): Record<string, string> {
  const valid: Record<string, string> = {};

  for (const [name, value] of Object.entries(buildArgs)) {
    if (!ARGUMENT_NAME.test(name)) {
      diagnostics.error(
        'invalid-build-arg-name',
        0,
        `build argument name ${quote(name)} is invalid: a {{ NAME }} placeholder uses only letters, digits and "_", so no placeholder can use it and Apptainer fails the build with an unused build argument`,
        'rename the argument with letters, digits and "_" only, here and in the {{ NAME }} placeholders, for example MY_ARG',
      );
      continue;
    }

    // Options read from project.json reach the project graph unchecked, so a value may be a
    // number; `--build-arg NAME=${value}` passes its text, and so does templating here.
    const text = String(value);
    valid[name] = text;

    for (const [character, { reason, fix }] of UNPASSABLE_CHARACTERS) {
      if (!text.includes(character)) continue;
      diagnostics.error('invalid-build-arg-value', 0, `build argument ${quote(name)} has a value that --build-arg cannot pass: it contains ${reason}`, fix(name));
      break;
    }
  }

  return valid;
}

/** Source of a build argument value, named in the unused-argument message. */
export type BuildArgOrigin = '--build-arg' | '--build-arg-file';

/** Merges `--build-arg-file` values with `--build-arg` values, which win as in Apptainer. */
export function mergeBuildArgs(
  buildArgs: Record<string, string> = {},
  buildArgFile: Record<string, string> = {},
): { values: Map<string, string>; origins: Map<string, BuildArgOrigin> } {
  const values = new Map<string, string>();
  const origins = new Map<string, BuildArgOrigin>();

  for (const [name, value] of Object.entries(buildArgFile)) {
    values.set(name, value);
    origins.set(name, '--build-arg-file');
  }
  for (const [name, value] of Object.entries(buildArgs)) {
    values.set(name, value);
    origins.set(name, '--build-arg');
  }

  return { values, origins };
}
