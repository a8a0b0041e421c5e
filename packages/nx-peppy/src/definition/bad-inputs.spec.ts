import { captureProblems, expectProblem, type ExpectedProblem } from '../__fixtures__/hardening/problem-rows';
import { assertNoErrors, parseDefinition } from './index';

const FILE = 'nodes/cam/apptainer.def';
const HEADER = 'Bootstrap: localimage\nFrom: /images/base.sif\n\n';
const LABEL = `${HEADER}%labels\n    Value {{ X }}\n`;

type Row = [label: string, text: string, buildArgs: Record<string, string> | undefined, expected: Omit<ExpectedProblem, 'file'>];

/** Definition texts and build arguments Apptainer rejects or misreads, each with the problem it must produce. */
const ROWS: Row[] = [
  ['empty file', '', undefined, { line: 1, message: 'the definition file is empty', fix: 'start the file with a header' }],
  ['comments only', '# one\n# two\n', undefined, { line: 1, message: 'has no header and no section', fix: 'start the file with a header' }],
  ['section without header', '%post\n    true\n', undefined, { line: 1, message: 'needs a "Bootstrap:" line', fix: '"Bootstrap: docker"' }],
  ['unknown header key', 'Bootstrap: docker\nFrom: ubuntu@sha256:00\nMaintainer: me\n', undefined, { line: 3, message: 'unknown header key "Maintainer"', fix: 'put metadata such as a maintainer in %labels' }],
  ['agent in capitals', 'Bootstrap: Docker\nFrom: ubuntu\n', undefined, { line: 1, message: 'Apptainer compares agent names case-sensitively', fix: 'write "Bootstrap: docker"' }],
  ['unknown agent', 'Bootstrap: podman\nFrom: x\n', undefined, { line: 1, message: 'unknown bootstrap agent "podman"', fix: 'use one of library' }],
  ['docker without From', 'Bootstrap: docker\n\n%post\n    true\n', undefined, { line: 1, message: 'has no "From:" value', fix: 'add "From: IMAGE"' }],
  ['header line without colon', 'Bootstrap docker\n', undefined, { line: 1, message: 'header line "Bootstrap docker" has no ":"', fix: 'write it as "key: value"' }],
  ['byte order mark', '\ufeffBootstrap: docker\nFrom: x@sha256:00\n', undefined, { line: 1, message: 'byte order mark', fix: 'without a byte order mark' }],
  ['TAB after %files', `${HEADER}%files\t\n    a b\n`, undefined, { line: 4, message: 'a TAB after a section name is not a separator', fix: 'put a space or a newline after "%files"' }],
  ['indented section line', `${HEADER}  %post\n    true\n`, undefined, { line: 4, message: 'indented section line', fix: 'remove the whitespace before "%post"' }],
  ['unknown section', `${HEADER}%install\n    make\n`, undefined, { line: 4, message: 'unknown section "%install"', fix: 'use a section Apptainer knows' }],
  ['app section without name', `${HEADER}%apprun\n    true\n`, undefined, { line: 4, message: 'section "%apprun" has no app name', fix: '"%apprun NAME"' }],
  ['app section in capitals', `${HEADER}%APPRUN tool\n    true\n`, undefined, { line: 4, message: 'only in lowercase', fix: 'write "%apprun"' }],
  ['two carriage returns', `${HEADER}%post\r\r\n    true\n`, undefined, { line: 4, message: 'drops only one carriage return', fix: 'remove the extra carriage return' }],
  ['bare percent sign', `${HEADER}%\n`, undefined, { line: 4, message: 'has no name after "%"', fix: 'such as "%post"' }],
  ['undefined placeholder', `${HEADER}%post\n    echo {{ VERSION }}\n`, undefined, { line: 5, message: 'build argument "VERSION" is not defined for stage 1', fix: '--build-arg VERSION=VALUE' }],
  ['copy from a missing stage', `${HEADER}%files from builder\n    /a /b\n`, undefined, { line: 4, message: 'no stage is named "builder"', fix: '"Stage: builder"' }],
  [
    'copy from a later stage',
    'Bootstrap: localimage\nFrom: /a.sif\nStage: one\n%files from two\n    /x /y\nBootstrap: localimage\nFrom: /b.sif\nStage: two\n',
    undefined,
    { line: 4, message: 'copies only from a stage built before', fix: 'move stage "two" above' },
  ],
  ['single-quoted source', `${HEADER}%files\n    'my file' /opt/\n`, undefined, { line: 5, message: 'contains a single quote', fix: 'quote paths with double quotes' }],
  ['unterminated double quote', `${HEADER}%files\n    "my file /opt/\n`, undefined, { line: 5, message: 'unterminated double quote', fix: 'close the quote' }],
  ['continuation into a blank line', 'Bootstrap: docker\nFrom: ubuntu\\\n\n', undefined, { line: 2, message: 'ends with "\\" but the next line is blank', fix: 'remove the trailing "\\"' }],
  ['sections above Bootstrap', '%post\n    true\nBootstrap: docker\nFrom: x@sha256:00\n', undefined, { line: 1, message: 'form a stage of their own', fix: 'move these sections below a "Bootstrap:" line' }],
  ['NUL after the agent', 'Bootstrap: localimage\u0000\nFrom: /x.sif\n', undefined, { line: 1, message: 'unknown bootstrap agent "localimage\\u0000"', fix: 'use one of library' }],
  ['unused build argument', LABEL, { X: '1', EXTRA: '2' }, { message: 'build argument "EXTRA" from --build-arg is not used by any stage', fix: 'drop --build-arg EXTRA' }],
  // Apptainer reads `--build-arg` as a comma-separated list and templates the
  // whole stage text at once, so these values change the command line or
  // the definition file instead of arriving as written.
  ['build argument with a line break', LABEL, { X: 'one\n%post\n    touch /tmp/injected' }, { message: /build argument "X"/, fix: /X/ }],
  ['build argument with a carriage return', LABEL, { X: 'one\rtwo' }, { message: /build argument "X"/, fix: /X/ }],
  ['build argument with a comma', LABEL, { X: 'a,b' }, { message: /build argument "X"/, fix: /X/ }],
  ['build argument with a double quote', LABEL, { X: 'say "hi"' }, { message: /build argument "X"/, fix: /X/ }],
  ['build argument with a NUL character', LABEL, { X: 'a\u0000b' }, { message: /build argument "X"/, fix: /X/ }],
  // A `{{ NAME }}` placeholder uses only letters, digits and "_", so these
  // names can never be used; "use {{ X Y }}" would be a fix that cannot work.
  ['build argument name with a space', LABEL, { X: '1', 'X Y': '1' }, { message: /build argument name "X Y" is invalid/, fix: /letters, digits and "_"/ }],
  ['build argument name with a hyphen', LABEL, { X: '1', 'MY-ARG': '1' }, { message: /build argument name "MY-ARG" is invalid/, fix: /letters, digits and "_"/ }],
  ['empty build argument name', LABEL, { X: '1', '': '1' }, { message: /build argument name "" is invalid/, fix: /letters, digits and "_"/ }],
];

describe('bad definition files', () => {
  it('the table has rows for every kind of definition problem', () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(30);
  });

  it.each(ROWS)('%s', (_label, text, buildArgs, expected) => {
    const definition = parseDefinition(text, { file: FILE, buildArgs });
    const error = captureProblems(() => assertNoErrors(definition));
    expectProblem(error.problems, { file: FILE, ...expected });
  });
});

/** Peak resident memory of this process so far, in MB. */
function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/**
 * Parses `text` and returns the time taken and the rise of the process's
 * peak memory. The rise is a lower bound: an earlier test may have pushed
 * the peak higher already.
 */
function measureParse(text: string) {
  const peakBefore = peakRssMb();
  const started = Date.now();
  const definition = parseDefinition(text, { file: FILE });
  return { definition, elapsedMs: Date.now() - started, peakRiseMb: Math.round(peakRssMb() - peakBefore) };
}

/** Deterministic bytes in the full 0-255 range. */
function binaryText(size: number): string {
  const bytes = Buffer.alloc(size);
  for (let index = 0; index < size; index++) bytes[index] = (index * 2654435761) % 251;
  return bytes.toString('utf8');
}

describe('hostile definition files', () => {
  // Bounds for a noisy 2-core machine; the measured values are printed.
  const TIME_BOUND_MS = 20_000;
  // NOTE: a 10 MB line raised the peak by about 570 MB when measured, because
  // words are split character by character. The bound only catches worse.
  const MEMORY_BOUND_MB = 1_500;

  it('10 MB of %post lines', () => {
    const text = `${HEADER}%post\n${'    echo a line of a long build script that fills ten megabytes\n'.repeat(160_000)}`;
    expect(text.length).toBeGreaterThan(10_000_000);

    const { definition, elapsedMs, peakRiseMb } = measureParse(text);

    // Apptainer fails on sections of 64 KiB or more, so the parser reports it once, before a build.
    expect(definition.diagnostics.filter((diagnostic) => diagnostic.severity === 'error').map((diagnostic) => diagnostic.code)).toEqual(['section-too-long']);
    expect(elapsedMs).toBeLessThan(TIME_BOUND_MS);
    expect(peakRiseMb).toBeLessThan(MEMORY_BOUND_MB);
    process.stdout.write(`10 MB definition, 160,000 lines: ${elapsedMs} ms, peak memory rise ${peakRiseMb} MB\n`);
  });

  it('10 MB single %labels line', () => {
    const text = `${HEADER}%labels\n    Long ${'x'.repeat(10_000_000)}\n`;

    const { definition, elapsedMs, peakRiseMb } = measureParse(text);

    // Apptainer fails on sections of 64 KiB or more, so the parser reports it once, before a build.
    expect(definition.diagnostics.filter((diagnostic) => diagnostic.severity === 'error').map((diagnostic) => diagnostic.code)).toEqual(['section-too-long']);
    expect(elapsedMs).toBeLessThan(TIME_BOUND_MS);
    expect(peakRiseMb).toBeLessThan(MEMORY_BOUND_MB);
    process.stdout.write(`10 MB definition, one 10 MB line: ${elapsedMs} ms, peak memory rise ${peakRiseMb} MB\n`);
  });

  it('10 MB header line: short message', () => {
    const text = `${'X'.repeat(10_000_000)}\n`;

    const { definition, elapsedMs } = measureParse(text);
    const error = captureProblems(() => assertNoErrors(definition));

    expect(elapsedMs).toBeLessThan(TIME_BOUND_MS);
    expectProblem(error.problems, { file: FILE, line: 1, message: /has no ":"/, fix: 'write it as "key: value"' });
    // The message quotes the line, and a 10 MB quote is unreadable.
    expect(error.message.length).toBeLessThan(10_000);
  });

  it('1 MB binary file: one short error', () => {
    const { definition, elapsedMs } = measureParse(binaryText(1_000_000));
    const error = captureProblems(() => assertNoErrors(definition));

    expect(elapsedMs).toBeLessThan(TIME_BOUND_MS);
    expect(error.message).toContain(`${FILE}:1`);
    expect(error.message.length).toBeLessThan(10_000);
    process.stdout.write(`1 MB binary definition: ${elapsedMs} ms, ${error.problems.length} problems, message of ${error.message.length} characters\n`);
  });

  it('invalid UTF-8 in %post parses', () => {
    const text = Buffer.concat([Buffer.from(`${HEADER}%post\n    echo caf`), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('\n')]).toString('utf8');

    const definition = parseDefinition(text, { file: FILE });

    expect(definition.diagnostics).toEqual([]);
    expect(definition.finalStage.sections.map((section) => section.name)).toEqual(['post']);
  });

  it('invalid UTF-8 in a header key names its line', () => {
    const text = Buffer.concat([Buffer.from('Bootstrap: localimage\nFrom: /x.sif\nKe'), Buffer.from([0xff]), Buffer.from('y: v\n')]).toString('utf8');

    const error = captureProblems(() => assertNoErrors(parseDefinition(text, { file: FILE })));

    expectProblem(error.problems, { file: FILE, line: 3, message: /unknown header key "Ke.y"/, fix: 'remove the line or correct the key' });
  });

  it('200,000 sections parse in bounded time', () => {
    const text = `${HEADER}${'%labels\n    A b\n'.repeat(200_000)}`;

    const { definition, elapsedMs } = measureParse(text);

    expect(definition.finalStage.sections).toHaveLength(200_000);
    expect(elapsedMs).toBeLessThan(TIME_BOUND_MS);
    process.stdout.write(`200,000 sections: ${elapsedMs} ms\n`);
  });

  it('20,000 stages parse in bounded time', () => {
    const text = 'Bootstrap: localimage\nFrom: /x.sif\n%post\n    true\n'.repeat(20_000);

    const { definition, elapsedMs } = measureParse(text);

    expect(definition.stages).toHaveLength(20_000);
    expect(elapsedMs).toBeLessThan(TIME_BOUND_MS);
    process.stdout.write(`20,000 stages: ${elapsedMs} ms\n`);
  });
});
