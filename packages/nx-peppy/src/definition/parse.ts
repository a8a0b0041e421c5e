import { type BuildArgOrigin, checkBuildArgs, mergeBuildArgs } from './build-args';
import { clip, describeStage, DiagnosticList, quote } from './diagnostics';
import { splitLines } from './lines';
import { isBlankOutline, outlineStage, splitStageChunks } from './outline';
import { emptyStage, readStage, type StageReading } from './stage';
import type { Definition, ParseOptions, Stage } from './types';

/**
 * Reports placeholders with no value, once per name and stage, where Apptainer stops at the
 * first. The message points at any other stage whose `%arguments` declares the name, because
 * `%arguments` values never cross stages.
 */
function checkUndefinedArguments(readings: StageReading[], diagnostics: DiagnosticList): void {
  for (const reading of readings) {
    const label = describeStage(reading.stage.index, reading.stage.name);

    for (const [name, line] of reading.undefinedNames) {
      const declaring = readings.filter((other) => other !== reading && other.defaults.has(name));
      const elsewhere =
        declaring.length > 0
          ? `; ${declaring.map((other) => describeStage(other.stage.index, other.stage.name)).join(' and ')} declares it in %arguments, but those values apply only to their own stage`
          : '';

      diagnostics.error(
        'undefined-build-arg',
        line,
        `build argument ${quote(name)} is not defined for ${label}${elsewhere}`,
        `add ${name}=VALUE to the %arguments section of ${label}, or pass --build-arg ${name}=VALUE`,
      );
    }
  }
}

/** Reports `%files from` sections that name no stage, or a stage that is not built yet. */
function checkStageCopies(readings: StageReading[], diagnostics: DiagnosticList): void {
  const names = readings.map((reading) => reading.stage.name).filter((name): name is string => name !== undefined);

  for (const reading of readings) {
    const label = describeStage(reading.stage.index, reading.stage.name);

    for (const copy of reading.copies) {
      // Apptainer takes the first stage with that name, wherever it is in the file.
      const source = readings.find((other) => other.stage.name === copy.fromStage);

      if (!source) {
        diagnostics.error(
          'unknown-stage',
          copy.line,
          `"%files from ${clip(copy.fromStage)}" in ${label}: no stage is named ${quote(copy.fromStage)}`,
          names.length > 0
            ? `use the name of an earlier stage (${names.map((name) => quote(name)).join(', ')}); a stage is named by "Stage: NAME" in its header`
            : `name the stage to copy from with "Stage: ${clip(copy.fromStage)}" in its header`,
        );
        continue;
      }

      const sourceIndex = source.stage.index;
      if (sourceIndex >= reading.stage.index) {
        const target = sourceIndex === reading.stage.index ? 'this stage itself' : describeStage(sourceIndex, source.stage.name);
        diagnostics.error(
          'files-from-later-stage',
          copy.line,
          `"%files from ${clip(copy.fromStage)}" in ${label} names ${target}, but Apptainer builds stages in file order and copies only from a stage built before`,
          `copy from an earlier stage, or move stage ${quote(copy.fromStage)} above ${label}`,
        );
      }
    }
  }
}

function checkDuplicateStageNames(readings: StageReading[], diagnostics: DiagnosticList): void {
  for (const reading of readings) {
    const name = reading.stage.name;
    if (name === undefined) continue;

    const first = readings.find((other) => other.stage.name === name);
    if (!first || first === reading) continue;

    diagnostics.warning(
      'duplicate-stage-name',
      reading.stage.headerLines.stage,
      `stage name ${quote(name)} is used by ${describeStage(first.stage.index)} and ${describeStage(reading.stage.index)}; "%files from ${clip(name)}" copies from the first`,
      'give every stage its own name',
    );
  }
}

function checkUnusedBuildArgs(
  readings: StageReading[],
  origins: Map<string, BuildArgOrigin>,
  warnOnly: boolean,
  diagnostics: DiagnosticList,
): void {
  const used = new Set(readings.flatMap((reading) => [...reading.used]));

  for (const [name, origin] of origins) {
    if (used.has(name)) continue;

    const report = warnOnly ? diagnostics.warning.bind(diagnostics) : diagnostics.error.bind(diagnostics);
    report(
      'unused-build-arg',
      0,
      `build argument ${quote(name)} from ${origin} is not used by any stage, which Apptainer treats as an error; a placeholder after a "#" on its line does not count as a use`,
      origin === '--build-arg'
        ? `use {{ ${name} }} in the definition file, or drop --build-arg ${name}`
        : `use {{ ${name} }} in the definition file, or delete ${name} from the build-arg file`,
    );
  }
}

/** Characters read to tell a binary file from a text file. */
const BINARY_SAMPLE_CHARS = 8_192;

/**
 * Returns the share of characters in the sample that no text file has: control characters other
 * than TAB, line feed, form feed and carriage return, and U+FFFD, which `readFileSync(path, 'utf8')`
 * puts in place of bytes that are not UTF-8.
 */
function binaryShare(sample: string): number {
  let binary = 0;
  for (let index = 0; index < sample.length; index++) {
    const code = sample.charCodeAt(index);
    const control = (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0c && code !== 0x0d) || code === 0x7f;
    if (control || code === 0xfffd) binary++;
  }
  return sample.length === 0 ? 0 : binary / sample.length;
}

/**
 * Parses an Apptainer definition file as Apptainer 1.4/1.5 reads it, with `--build-arg` values,
 * and reports what Apptainer would reject, plus warnings for what the Nx cache cannot see.
 * Bad input does not throw: each problem is returned as a diagnostic.
 */
/**
 * Apptainer 1.4 reads each section with Go's bufio.Scanner, whose default
 * token limit is 64 KiB: a longer section fails the build with "token too
 * long" (measured: a 64,521-byte section builds, a 65,547-byte one fails).
 */
const MAX_SECTION_BYTES = 64 * 1024;

function checkSectionSizes(stages: Stage[], diagnostics: DiagnosticList): void {
  for (const stage of stages) {
    for (const section of stage.sections) {
      const bytes = section.lines.reduce((total, line) => total + Buffer.byteLength(line.text, 'utf8') + 1, 0);
      if (bytes < MAX_SECTION_BYTES) continue;
      diagnostics.error(
        'section-too-long',
        section.line,
        `section %${section.name} is ${bytes} bytes long; Apptainer fails on sections of 64 KiB or more ("token too long")`,
        'move the script into a file, copy it in with %files and run it from the section',
      );
    }
  }
}

export function parseDefinition(text: string, options: ParseOptions): Definition {
  const diagnostics = new DiagnosticList(options.file);

  // A binary file would yield an error on nearly every line, so it gets one error instead. A third
  // is far above a text file with a few stray bytes, and random bytes reach about 60%.
  const sample = text.slice(0, BINARY_SAMPLE_CHARS);
  const share = binaryShare(sample);
  if (share > 1 / 3) {
    diagnostics.error(
      'binary-file',
      1,
      `the definition file is not text: ${Math.round(share * 100)}% of its first ${sample.length} characters are control characters or bytes that are not UTF-8`,
      'check that the path names the Apptainer definition file, a text file that starts with a header such as "Bootstrap: docker"',
    );
    const stage = emptyStage(0);
    return { file: options.file, stages: [stage], finalStage: stage, diagnostics: diagnostics.sorted() };
  }

  const passedArgs = checkBuildArgs(options.buildArgs ?? {}, diagnostics);
  const { values: buildArgs, origins } = mergeBuildArgs(passedArgs, options.buildArgFile);

  const lines = splitLines(text);
  const outlines = splitStageChunks(lines)
    .map(outlineStage)
    .filter((outline) => !isBlankOutline(outline));

  if (outlines.length === 0) {
    diagnostics.error(
      'missing-header',
      1,
      lines.length === 0 ? 'the definition file is empty' : 'the definition file has no header and no section',
      'start the file with a header such as "Bootstrap: docker" and "From: IMAGE@sha256:DIGEST", followed by sections such as %files and %post',
    );
    const stage = emptyStage(0);
    return { file: options.file, stages: [stage], finalStage: stage, diagnostics: diagnostics.sorted() };
  }

  const readings = outlines.map((outline, index) => readStage(outline, index, outlines.length, buildArgs, diagnostics));

  checkUndefinedArguments(readings, diagnostics);
  checkStageCopies(readings, diagnostics);
  checkDuplicateStageNames(readings, diagnostics);
  checkUnusedBuildArgs(readings, origins, options.warnUnusedBuildArgs ?? false, diagnostics);

  const stages = readings.map((reading) => reading.stage);
  checkSectionSizes(stages, diagnostics);
  return {
    file: options.file,
    stages,
    finalStage: stages[stages.length - 1],
    diagnostics: diagnostics.sorted(),
  };
}
