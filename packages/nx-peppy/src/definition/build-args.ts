import { NxPeppyError, type Problem } from '../errors';
import { quote } from './diagnostics';
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
