import { NxPeppyError, type Problem } from '../../errors';

/** Names Apptainer can substitute for `{{ NAME }}`. */
const BUILD_ARG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Characters a `--build-arg` value cannot carry: Apptainer 1.4 reads each
 * `--build-arg` as a comma-separated CSV record, so a comma splits the value
 * and a double quote is a parse error, and a line break would add lines to
 * the templated definition file.
 */
const UNSAFE_VALUE = /[,"\r\n\u0000]/;

function describeCharacter(value: string): string {
  const found = UNSAFE_VALUE.exec(value)?.[0] ?? '';
  const names: Record<string, string> = { ',': 'a comma', '"': 'a double quote', '\r': 'a carriage return', '\n': 'a line break', '\u0000': 'a NUL character' };
  return names[found] ?? JSON.stringify(found);
}

/**
 * Checks the `buildArgs` option before anything reaches Apptainer and returns
 * it with every value as a string. Nx parses `--buildArgs.VERSION=3` as the
 * number 3, so numbers and booleans are written back as text. Lists every
 * problem at once.
 */
export function checkBuildArgs(buildArgs: Record<string, unknown> | undefined, source: string): Record<string, string> | undefined {
  const problems: Problem[] = [];
  const checked: Record<string, string> = {};

  for (const [name, raw] of Object.entries(buildArgs ?? {})) {
    const value = typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : raw;
    if (!BUILD_ARG_NAME.test(name)) {
      problems.push({
        file: source,
        field: 'buildArgs',
        message: `invalid build argument name ${JSON.stringify(name)}: a name has letters, digits and "_" only, and does not start with a digit`,
        fix: 'rename the argument here and in the definition file, for example "MY_ARG"',
      });
      continue;
    }
    if (typeof value !== 'string' || UNSAFE_VALUE.test(value)) {
      problems.push({
        file: source,
        field: `buildArgs.${name}`,
        message: `invalid value for build argument ${name}: ${typeof value === 'string' ? `it contains ${describeCharacter(value)}, which` : 'a value that is not a string, number or boolean'} Apptainer cannot take in --build-arg`,
        fix: `remove that character, or set the value in the %arguments section of the definition file`,
      });
      continue;
    }
    checked[name] = value;
  }

  if (problems.length > 0) throw new NxPeppyError(problems);
  return buildArgs === undefined ? undefined : checked;
}
