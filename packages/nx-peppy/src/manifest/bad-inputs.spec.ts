import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { captureProblems, expectProblem, type ExpectedProblem } from '../__fixtures__/hardening/problem-rows';
import { NxPeppyError } from '../errors';
import { parseNodeManifest, readNodeManifest } from './index';

const FILE = 'nodes/cam/peppy.json5';

/** Returns a valid node/v1 container manifest with `manifest` and `execution` fields replaced. */
function nodeV1(manifest: Record<string, unknown> = {}, execution?: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    peppy_schema: 'node/v1',
    manifest: { name: 'cam', tag: 'v1', ...manifest },
    execution: execution ?? { language: 'python', container: { def_file: 'apptainer.def' } },
    ...extra,
  });
}

function legacy(fields: Record<string, unknown>): string {
  return JSON.stringify({
    schema_version: 1,
    manifest: { name: 'cam', tag: '0.1.0', language: 'python' },
    process: { start_cmd: ['./run.sh'] },
    ...fields,
  });
}

const NAME_FIX = 'rename the node with letters, digits, "_" and "-" only, for example "my_node"';
const NAME_RULE = 'may contain only letters, digits, "_" and "-"';
const TAG_FIX = /tag/;

type Row = [label: string, text: string, expected: Omit<ExpectedProblem, 'file'>];

/** Manifest texts PeppyOS rejects, each with the problem it must produce. */
const ROWS: Row[] = [
  ['empty file', '', { message: 'the manifest is empty', fix: 'run `nx g nx-peppy:node`' }],
  ['whitespace only', ' \n\t\n', { message: 'the manifest is empty', fix: 'write the node manifest' }],
  ['an array', '[1, 2]', { message: 'the manifest is not an object', fix: 'wrap the manifest in { … }' }],
  ['null', 'null', { message: 'the manifest is not an object', fix: 'wrap the manifest in { … }' }],
  ['truncated object', '{ peppy_schema: "node/v1", manifest: {', { line: 1, message: 'invalid JSON5: invalid end of input', fix: 'a missing comma, quote or closing brace' }],
  ['double comma', '{\n  a: 1,,\n}', { line: 2, message: "invalid JSON5: invalid character ','", fix: 'correct the syntax at that position' }],
  ['unterminated string', '{ peppy_schema: "node/v1 }', { line: 1, message: 'invalid JSON5: invalid end of input', fix: 'correct the syntax at that position' }],
  ['no format key', '{ manifest: { name: "cam", tag: "v1" } }', { field: 'peppy_schema', message: 'the manifest declares no format', fix: 'add `peppy_schema: "node/v1"`' }],
  ['unknown format', nodeV1({}, undefined, { peppy_schema: 'node/v2' }), { field: 'peppy_schema', message: 'invalid value "node/v2"', fix: 'use "node/v1"' }],
  ['name with a semicolon', nodeV1({ name: 'cam;rm -rf /' }), { field: 'manifest.name', message: NAME_RULE, fix: NAME_FIX }],
  ['name with a command substitution', nodeV1({ name: '$(touch /tmp/pwned)' }), { field: 'manifest.name', message: NAME_RULE, fix: NAME_FIX }],
  ['name with backticks', nodeV1({ name: '`id`' }), { field: 'manifest.name', message: NAME_RULE, fix: NAME_FIX }],
  ['name with a space', nodeV1({ name: 'my node' }), { field: 'manifest.name', message: NAME_RULE, fix: NAME_FIX }],
  ['name with a line break', nodeV1({ name: 'cam\nevil' }), { field: 'manifest.name', message: NAME_RULE, fix: NAME_FIX }],
  ['name with a double quote', nodeV1({ name: 'ca"m' }), { field: 'manifest.name', message: NAME_RULE, fix: NAME_FIX }],
  ['name with a path', nodeV1({ name: '../cam' }), { field: 'manifest.name', message: NAME_RULE, fix: NAME_FIX }],
  ['empty name', nodeV1({ name: '' }), { field: 'manifest.name', message: 'must not be empty', fix: NAME_FIX }],
  ['name as a number', nodeV1({ name: 5 }), { field: 'manifest.name', message: 'invalid value 5', fix: 'use a value of type string' }],
  ['empty tag', nodeV1({ tag: '' }), { field: 'manifest.tag', message: 'must not be empty', fix: TAG_FIX }],
  // The tag becomes part of the image file name `<name>_<tag>.sif`; PeppyOS
  // checks it before it builds that name, as a guard against path traversal.
  ['tag with a path', nodeV1({ tag: '../../../../tmp/evil' }), { field: 'manifest.tag', message: /tag|character/, fix: TAG_FIX }],
  ['tag with a slash', nodeV1({ tag: 'v1/evil' }), { field: 'manifest.tag', message: /tag|character/, fix: TAG_FIX }],
  ['tag with a line break', nodeV1({ tag: 'v1\nevil' }), { field: 'manifest.tag', message: /tag|character/, fix: TAG_FIX }],
  ['tag with a command substitution', nodeV1({ tag: '$(id)' }), { field: 'manifest.tag', message: /tag|character/, fix: TAG_FIX }],
  ['unknown language', nodeV1({}, { language: 'go', container: { def_file: 'a.def' } }), { field: 'execution.language', message: 'invalid value "go"', fix: 'use "python" or "rust"' }],
  ['language in capitals', nodeV1({}, { language: 'Python', container: { def_file: 'a.def' } }), { field: 'execution.language', message: 'invalid value "Python"', fix: 'use "python" or "rust"' }],
  ['process and container', nodeV1({}, { language: 'python', run_cmd: ['x'], container: { def_file: 'a.def' } }), { field: 'execution.run_cmd, execution.container', message: 'either a process node or a container node', fix: 'remove the other' }],
  ['neither process nor container', nodeV1({}, { language: 'python' }), { field: 'execution.run_cmd | execution.container', message: 'declares neither a process nor a container', fix: 'def_file: "apptainer.def"' }],
  ['empty def_file', nodeV1({}, { language: 'python', container: { def_file: '' } }), { field: 'execution.container.def_file', message: 'must not be empty', fix: 'execution.container.def_file' }],
  ['def_file as a number', nodeV1({}, { language: 'python', container: { def_file: 3 } }), { field: 'execution.container.def_file', message: 'invalid value 3', fix: 'use a value of type string' }],
  ['misspelled container key', nodeV1({}, { language: 'python', container: { def_file: 'a.def', mounts: [] } }), { field: 'execution.container.mounts', message: 'unknown key "mounts"', fix: 'PeppyOS rejects unknown keys' }],
  ['mount_paths as a string', nodeV1({}, { language: 'python', container: { def_file: 'a.def', mount_paths: '/data' } }), { field: 'execution.container.mount_paths', message: 'invalid value "/data"', fix: 'use a value of type array' }],
  ['extra argument as a number', nodeV1({}, { language: 'python', container: { def_file: 'a.def', apptainer_build_extra_args: [1] } }), { field: 'execution.container.apptainer_build_extra_args[0]', message: 'invalid value 1', fix: 'use a value of type string' }],
  ['empty run_cmd', nodeV1({}, { language: 'python', run_cmd: [] }), { field: 'execution.run_cmd', message: 'must not be empty', fix: 'for example ["./run.sh"]' }],
  ['run_cmd as a shell string', nodeV1({}, { language: 'python', run_cmd: './run.sh --fast' }), { field: 'execution.run_cmd', message: 'invalid value "./run.sh --fast"', fix: 'use a value of type array' }],
  ['parameters as a number', nodeV1({}, { language: 'python', parameters: 5, container: { def_file: 'a.def' } }), { field: 'execution.parameters', message: 'invalid value 5', fix: 'use a value of type record' }],
  ['Nx settings in the manifest', nodeV1({}, undefined, { nx: { tags: [] } }), { field: 'nx', message: 'unknown key "nx"', fix: 'PeppyOS rejects unknown keys' }],
  ['legacy run_cmd', legacy({ process: { run_cmd: ['x'] } }), { field: 'process.run_cmd', message: 'unknown key "run_cmd"', fix: 'the other manifest format calls this field "start_cmd"' }],
  ['legacy version as text', legacy({ schema_version: '1' }), { field: 'schema_version', message: 'invalid value "1"', fix: 'use a value of type number' }],
  ['legacy version below 0', legacy({ schema_version: -1 }), { field: 'schema_version', message: /expected number to be >=0/, fix: 'schema_version' }],
  ['legacy manifest without language', legacy({ manifest: { name: 'cam', tag: '0.1.0' } }), { field: 'manifest.language', message: 'required field is missing', fix: '"python" or "rust"' }],
  // Keys that are also names of Object.prototype members must get the same
  // fix as any other unknown key, not a function's source text.
  ['key "__proto__"', '{ "__proto__": {}, peppy_schema: "node/v1", manifest: { name: "cam", tag: "v1" }, execution: { language: "python", run_cmd: ["x"] } }', { field: '__proto__', message: 'unknown key "__proto__"', fix: /^remove "__proto__" or correct its spelling \(PeppyOS rejects unknown keys\)$/ }],
  ['key "constructor"', '{ constructor: 1, peppy_schema: "node/v1", manifest: { name: "cam", tag: "v1" }, execution: { language: "python", run_cmd: ["x"] } }', { field: 'constructor', message: 'unknown key "constructor"', fix: /^remove "constructor" or correct its spelling \(PeppyOS rejects unknown keys\)$/ }],
  ['key "toString"', '{ toString: 1, peppy_schema: "node/v1", manifest: { name: "cam", tag: "v1" }, execution: { language: "python", run_cmd: ["x"] } }', { field: 'toString', message: 'unknown key "toString"', fix: /^remove "toString" or correct its spelling \(PeppyOS rejects unknown keys\)$/ }],
  // serde, which PeppyOS parses manifests with, rejects a field given twice;
  // JSON5.parse keeps the last value without a word.
  ['name given twice', '{ peppy_schema: "node/v1", manifest: { name: "cam", tag: "v1", name: "other" }, execution: { language: "python", run_cmd: ["x"] } }', { field: 'manifest.name', message: /twice|duplicate/, fix: /name/ }],
];

describe('bad manifests', () => {
  it('the table has rows for every kind of manifest problem', () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(40);
  });

  it.each(ROWS)('%s', (_label, text, expected) => {
    const error = captureProblems(() => parseNodeManifest(text, FILE));
    expectProblem(error.problems, { file: FILE, ...expected });
  });

  it('Object.prototype stays clean after a "__proto__" key', () => {
    captureProblems(() => parseNodeManifest('{ "__proto__": { "polluted": true }, peppy_schema: "node/v1" }', FILE));

    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('hostile manifests', () => {
  let folder: string;

  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'nx-peppy-hostile-manifest-'));
  });

  afterEach(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it('parameters nested 1,000 levels deep parse quickly', () => {
    const nested = '{ a: '.repeat(1000) + '"u16"' + ' }'.repeat(1000);
    const started = Date.now();

    const manifest = parseNodeManifest(`{ peppy_schema: "node/v1", manifest: { name: "cam", tag: "v1" }, execution: { language: "python", run_cmd: ["x"], parameters: { deep: ${nested} } } }`, FILE);

    expect(manifest.name).toBe('cam');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('labels nested 1,000 levels deep: short message', () => {
    const nested = '['.repeat(1000) + ']'.repeat(1000);

    const error = captureProblems(() => parseNodeManifest(`{ peppy_schema: "node/v1", manifest: { name: "cam", tag: "v1", labels: ${nested} }, execution: { language: "python", run_cmd: ["x"] } }`, FILE));

    expectProblem(error.problems, { file: FILE, field: 'manifest.labels[0]', message: 'invalid value', fix: 'use a value of type string' });
    // The message quotes the value; a quote of the whole input would make it unreadable.
    expect(error.message.length).toBeLessThan(1_000);
  });

  it('labels nested 10,000 levels deep: an input error, not a stack overflow', () => {
    const nested = '['.repeat(10_000) + ']'.repeat(10_000);
    const text = `{ peppy_schema: "node/v1", manifest: { name: "cam", tag: "v1", labels: ${nested} }, execution: { language: "python", run_cmd: ["x"] } }`;

    let thrown: unknown;
    try {
      parseNodeManifest(text, FILE);
    } catch (error) {
      thrown = error;
    }

    expect(thrown).toBeInstanceOf(NxPeppyError);
    expect((thrown as Error).message).toContain(FILE);
  });

  it('1 MB invalid value: the message stays short', () => {
    const value = 'x'.repeat(1_000_000);

    const error = captureProblems(() => parseNodeManifest(nodeV1({}, { language: value, run_cmd: ['x'] }), FILE));

    expectProblem(error.problems, { file: FILE, field: 'execution.language', message: 'invalid value', fix: 'use "python" or "rust"' });
    expect(error.message.length).toBeLessThan(2_000);
  });

  it('10 MB manifest parses in bounded time', () => {
    const labels = Array.from({ length: 700_000 }, (_, index) => `label_${index}`);
    const text = nodeV1({ labels });
    expect(text.length).toBeGreaterThan(10_000_000);
    const started = Date.now();

    const manifest = parseNodeManifest(text, FILE);

    const elapsed = Date.now() - started;
    expect(manifest.labels).toHaveLength(700_000);
    expect(elapsed).toBeLessThan(60_000);
    process.stdout.write(`10 MB manifest (700,000 labels) parsed in ${elapsed} ms\n`);
  });

  it('binary manifest: one syntax error with a line', () => {
    const bytes = Buffer.alloc(64 * 1024);
    for (let index = 0; index < bytes.length; index++) bytes[index] = (index * 131 + 7) % 256;
    writeFileSync(join(folder, 'peppy.json5'), bytes);

    const error = captureProblems(() => readNodeManifest(join(folder, 'peppy.json5'), FILE));

    expect(error.problems).toHaveLength(1);
    expectProblem(error.problems, { file: FILE, line: 1, message: /^invalid JSON5: invalid character/, fix: 'correct the syntax at that position' });
    expect(error.message.length).toBeLessThan(1_000);
  });

  it('invalid UTF-8 in a comment is ignored', () => {
    const text = Buffer.concat([
      Buffer.from('// caf'),
      Buffer.from([0xc3, 0x28, 0xff, 0xfe]),
      Buffer.from('\n{ peppy_schema: "node/v1", manifest: { name: "cam", tag: "v1" }, execution: { language: "python", run_cmd: ["x"] } }\n'),
    ]);
    writeFileSync(join(folder, 'peppy.json5'), text);

    expect(readNodeManifest(join(folder, 'peppy.json5'), FILE).name).toBe('cam');
  });

  it('invalid UTF-8 in the name is an error on manifest.name', () => {
    const text = Buffer.concat([
      Buffer.from('{ peppy_schema: "node/v1", manifest: { name: "ca'),
      Buffer.from([0xff]),
      Buffer.from('m", tag: "v1" }, execution: { language: "python", run_cmd: ["x"] } }\n'),
    ]);
    writeFileSync(join(folder, 'peppy.json5'), text);

    const error = captureProblems(() => readNodeManifest(join(folder, 'peppy.json5'), FILE));

    expectProblem(error.problems, { file: FILE, field: 'manifest.name', message: NAME_RULE, fix: NAME_FIX });
  });

  it('manifest path that is a folder', () => {
    const error = captureProblems(() => readNodeManifest(folder, FILE));

    expectProblem(error.problems, { file: FILE, message: 'cannot read the manifest: it is a folder', fix: 'create peppy.json5 in the node folder' });
  });
});
