import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { logger, type ExecutorContext } from '@nx/devkit';
import JSON5 from 'json5';

import buildExecutor from './executor';
import type { BuildExecutorSchema } from './schema';

// Nx's hash planner needs a real workspace and project graph; the stand-in
// returns every file of the node folder, as `{projectRoot}/**/*` does.
jest.mock('../../staging', () => {
  const actual = jest.requireActual('../../staging');
  return { ...actual, resolveTaskInputFiles: jest.fn() };
});

// eslint-disable-next-line @typescript-eslint/no-require-imports
const staging = require('../../staging') as { resolveTaskInputFiles: jest.Mock };

/**
 * Stand-in `apptainer`: records its arguments, then writes the image that
 * `apptainer build` would write (the last argument but one).
 */
const RECORDER = `#!/usr/bin/env node
const fs = require('fs');
const args = process.argv.slice(2);
fs.writeFileSync(process.env.RECORD_FILE, JSON.stringify({ args, cwd: process.cwd() }));
if (args[0] === 'build') fs.writeFileSync(args[args.length - 2], 'SIF image');
process.exit(0);
`;

const MANIFEST = {
  peppy_schema: 'node/v1',
  manifest: { name: 'cam', tag: 'v1' },
  execution: { language: 'python', container: { def_file: 'apptainer.def' } },
};

/** A definition whose label carries the build argument X, so every value has a use. */
const LABEL_DEFINITION = 'Bootstrap: localimage\nFrom: /images/base.sif\n\n%files\n    . /opt/cam\n\n%labels\n    Value {{ X }}\n';

const IMAGE = 'dist/nodes/cam/cam_v1.sif';

describe('build executor with bad options', () => {
  /** Temporary folder holding the workspace, so paths that leave the workspace stay inside it. */
  let parent: string;
  let root: string;
  let record: string;
  let errors: string[];
  let warnings: string[];
  const saved = { ...process.env };

  function write(file: string, text: string): void {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), text);
  }

  /** Workspace-relative files below the node folder, as Nx would hash them. */
  function nodeFiles(): string[] {
    const files: string[] = [];
    const visit = (folder: string) => {
      for (const entry of readdirSync(join(root, folder), { withFileTypes: true })) {
        const path = `${folder}/${entry.name}`;
        if (entry.isDirectory()) visit(path);
        else files.push(path);
      }
    };
    visit('nodes/cam');
    return files.sort();
  }

  function context(): ExecutorContext {
    return {
      root,
      cwd: root,
      isVerbose: false,
      projectName: 'cam',
      targetName: 'build',
      projectsConfigurations: { version: 2, projects: { cam: { root: 'nodes/cam', targets: {} } } },
      nxJsonConfiguration: {},
      projectGraph: { nodes: {}, dependencies: {} },
    } as ExecutorContext;
  }

  async function build(options: BuildExecutorSchema) {
    staging.resolveTaskInputFiles.mockResolvedValue({ files: nodeFiles(), depOutputs: [] });
    return buildExecutor({ apptainerPath: join(root, 'bin', 'apptainer'), ...options }, context());
  }

  function recordedArgs(): string[] | undefined {
    return existsSync(record) ? (JSON.parse(readFileSync(record, 'utf8')) as { args: string[] }).args : undefined;
  }

  function argAfter(args: string[], flag: string): string[] {
    return args.flatMap((arg, index) => (args[index - 1] === flag ? [arg] : []));
  }

  beforeEach(() => {
    parent = mkdtempSync(join(tmpdir(), 'nx-peppy-build-bad-'));
    root = join(parent, 'workspace');
    record = join(root, 'record.json');
    write('nodes/cam/peppy.json5', JSON5.stringify(MANIFEST, null, 2));
    write('nodes/cam/apptainer.def', LABEL_DEFINITION);
    write('nodes/cam/src/main.py', 'print("cam")\n');
    write('bin/apptainer', RECORDER);
    chmodSync(join(root, 'bin/apptainer'), 0o755);
    process.env.RECORD_FILE = record;

    errors = [];
    warnings = [];
    jest.spyOn(logger, 'error').mockImplementation((message) => void errors.push(String(message)));
    jest.spyOn(logger, 'warn').mockImplementation((message) => void warnings.push(String(message)));
    jest.spyOn(logger, 'info').mockImplementation(() => undefined);
    jest.spyOn(logger, 'verbose').mockImplementation(() => undefined);
    jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });

  afterEach(() => {
    jest.restoreAllMocks();
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
    rmSync(parent, { recursive: true, force: true });
  });

  it('valid options build through the stand-in', async () => {
    const result = await build({ buildArgs: { X: 'plain' } });

    expect(result).toEqual({ success: true });
    expect(readFileSync(join(root, IMAGE), 'utf8')).toBe('SIF image');
    expect(argAfter(recordedArgs() ?? [], '--build-arg')).toEqual(['X=plain']);
  });

  /**
   * Values that no shell may interpret. Each reaches Apptainer as one
   * `--build-arg X=value` argument, unchanged, and no marker file appears.
   */
  describe('build argument values passed literally', () => {
    const marker = join(tmpdir(), `nx-peppy-pwned-${process.pid}-${Date.now()}`);

    afterAll(() => rmSync(marker, { force: true }));

    it.each([
      ['a semicolon', 'a;touch MARKER'],
      ['a command substitution', '$(touch MARKER)'],
      ['backticks', '`touch MARKER`'],
      ['single quotes', "it's 'quoted'"],
      ['inner spaces', 'two  spaces'],
      ['a dollar variable', '$HOME and ${PATH}'],
      ['a pipe and redirection', 'a | tee MARKER > MARKER'],
      ['a glob', '*'],
    ])('%s', async (_label, template) => {
      const value = template.replace(/MARKER/g, marker);

      const result = await build({ buildArgs: { X: value } });

      expect(result).toEqual({ success: true });
      expect(argAfter(recordedArgs() ?? [], '--build-arg')).toEqual([`X=${value}`]);
      expect(existsSync(marker)).toBe(false);
    });
  });

  /**
   * Apptainer 1.4 reads each `--build-arg` as a comma-separated (CSV) list:
   * a comma splits the value (`"b" is not a key=value pair`), a double quote
   * is a parse error (`bare " in non-quoted-field`), and a line break in a
   * value adds lines, even sections, to the definition file. Such a value
   * must be rejected before Apptainer starts, naming `buildArgs.X`, or reach
   * Apptainer another way than a `--build-arg` flag.
   */
  describe('build argument values Apptainer cannot take as --build-arg', () => {
    it.each([
      ['a comma', 'a,b'],
      ['a double quote', 'say "hi"'],
      ['a line break', 'one\n%post\n    touch /tmp/nx-peppy-injected'],
      ['a carriage return', 'one\rtwo'],
      ['a NUL character', 'one\u0000two'],
    ])('%s is rejected or kept off --build-arg', async (_label, value) => {
      const result = await build({ buildArgs: { X: value } });

      const passed = argAfter(recordedArgs() ?? [], '--build-arg');
      if (result.success) {
        expect(passed).not.toContain(`X=${value}`);
        return;
      }
      expect(recordedArgs()).toBeUndefined();
      expect(errors.join('\n')).toMatch(/buildArgs\.X/);
      expect(errors.join('\n')).toContain('Fix: ');
    });
  });

  describe('build argument values Nx parses as numbers or booleans', () => {
    it.each([
      ['a number', 3, 'X=3'],
      ['a decimal', 1.5, 'X=1.5'],
      ['a boolean', true, 'X=true'],
    ])('%s is passed as text', async (_label, value, expected) => {
      const result = await build({ buildArgs: { X: value } });

      expect(result).toEqual({ success: true });
      expect(argAfter(recordedArgs() ?? [], '--build-arg')).toEqual([expected]);
    });

    it('an object is rejected', async () => {
      const result = await build({ buildArgs: { X: { nested: 'no' } as unknown as string } });

      expect(result.success).toBe(false);
      expect(recordedArgs()).toBeUndefined();
      expect(errors.join('\n')).toMatch(/buildArgs\.X.*not a string, number or boolean/);
    });
  });

  describe('build argument names', () => {
    it.each([
      ['a space', 'X Y'],
      ['an equals sign', 'A=B'],
      ['an empty name', ''],
      ['a hyphen', 'MY-ARG'],
    ])('%s is rejected as an invalid name', async (_label, name) => {
      const result = await build({ buildArgs: { X: 'used', [name]: '1' } });

      expect(result).toEqual({ success: false });
      expect(recordedArgs()).toBeUndefined();
      const message = errors.join('\n');
      expect(message).toContain(JSON.stringify(name));
      expect(message).toMatch(/invalid|letters, digits and "_"/);
      expect(message).toContain('Fix: ');
      expect(message).not.toContain(`{{ ${name} }}`);
    });
  });

  describe('outputPath', () => {
    it.each([
      ['empty', ''],
      ['spaces', '  '],
      ['a dot', '.'],
      ['a trailing slash', 'dist/images/'],
    ])('%s is rejected before Apptainer', async (_label, outputPath) => {
      const result = await build({ outputPath, buildArgs: { X: '1' } });

      expect(result).toEqual({ success: false });
      expect(recordedArgs()).toBeUndefined();
      expect(errors.join('\n')).toMatch(/options: outputPath: invalid image path/);
      expect(errors.join('\n')).toContain('Fix: ');
    });

    it('existing folder is rejected and kept', async () => {
      write('dist/images/keep.txt', 'keep me');

      const result = await build({ outputPath: 'dist/images', buildArgs: { X: '1' } });

      expect(result).toEqual({ success: false });
      expect(recordedArgs()).toBeUndefined();
      expect(errors.join('\n')).toContain('outputPath: invalid image path "dist/images": a folder with that name exists');
      expect(readFileSync(join(root, 'dist/images/keep.txt'), 'utf8')).toBe('keep me');
    });

    it('workspace root ".." is rejected and nothing deleted', async () => {
      const result = await build({ outputPath: '..', buildArgs: { X: '1' } });

      expect(result).toEqual({ success: false });
      expect(existsSync(join(root, 'nodes/cam/peppy.json5'))).toBe(true);
    });

    it('existing manifest is never overwritten', async () => {
      const before = readFileSync(join(root, 'nodes/cam/peppy.json5'), 'utf8');

      const result = await build({ outputPath: 'nodes/cam/peppy.json5', buildArgs: { X: '1' } });

      expect(readFileSync(join(root, 'nodes/cam/peppy.json5'), 'utf8')).toBe(before);
      expect(result).toEqual({ success: false });
      expect(errors.join('\n')).toMatch(/outputPath/);
    });

    it('image inside the node folder is rejected or warned about', async () => {
      // `%files .` would copy this image into the next one, and the image
      // would be a hashed input of its own build.
      const result = await build({ outputPath: 'nodes/cam/cam.sif', buildArgs: { X: '1' } });

      expect(result.success ? warnings.join('\n') : errors.join('\n')).toMatch(/outputPath/);
    });

    it.each([
      ['a parent path', (): string => '../outside/cam.sif'],
      ['an absolute path', (): string => join(parent, 'absolute', 'cam.sif')],
    ])('%s outside the workspace is rejected or warned about', async (_label, outputPath) => {
      // Nx caches only outputs inside the workspace, so such an image is never restored.
      const result = await build({ outputPath: outputPath(), buildArgs: { X: '1' } });

      expect(result.success ? warnings.join('\n') : errors.join('\n')).toMatch(/outputPath/);
    });

    it('shell characters in the name stay literal', async () => {
      const outputPath = 'dist/odd/a;$(touch pwned) `id` b.sif';

      const result = await build({ outputPath, buildArgs: { X: '1' } });

      expect(result).toEqual({ success: true });
      expect(readFileSync(join(root, outputPath), 'utf8')).toBe('SIF image');
      expect(existsSync(join(root, 'pwned'))).toBe(false);
      expect(readdirSync(join(root, 'dist/odd'))).toEqual(['a;$(touch pwned) `id` b.sif']);
    });
  });

  describe('defFile', () => {
    // Nx hashes only the definition file here, so no file of the node folder
    // is staged. Apptainer still runs from the staged node folder.
    it('in a sibling folder, with no hashed file in the node folder', async () => {
      write('nodes/shared/apptainer.def', 'Bootstrap: localimage\nFrom: /images/base.sif\n\n%labels\n    Value {{ X }}\n');

      staging.resolveTaskInputFiles.mockResolvedValue({ files: ['nodes/shared/apptainer.def'], depOutputs: [] });
      const result = await buildExecutor({ apptainerPath: join(root, 'bin', 'apptainer'), defFile: '../shared/apptainer.def', buildArgs: { X: '1' } }, context());

      expect(errors.join('\n')).not.toContain('command not found');
      expect(result).toEqual({ success: true });
      expect((JSON.parse(readFileSync(record, 'utf8')) as { cwd: string }).cwd).toMatch(/\.sif\.context\/nodes\/cam$/);
    });

    it('missing file names the option and the fix', async () => {
      const result = await build({ defFile: 'missing.def' });

      expect(result).toEqual({ success: false });
      expect(errors.join('\n')).toBe(
        'cam:build options: defFile: definition file not found: nodes/cam/missing.def\n' +
          '  Fix: create the definition file, or point the field at an existing one (relative to the node folder)',
      );
    });

    it('file outside the workspace is rejected or warned about', async () => {
      write('../outside/apptainer.def', LABEL_DEFINITION);

      const result = await build({ defFile: '../../../outside/apptainer.def', buildArgs: { X: '1' } });

      expect(result.success ? warnings.join('\n') : errors.join('\n')).toMatch(/defFile|outside the workspace/);
    });

    it('symlink to a file outside the workspace is rejected or warned about', async () => {
      write('../outside/apptainer.def', LABEL_DEFINITION);
      symlinkSync(join(parent, 'outside/apptainer.def'), join(root, 'nodes/cam/linked.def'));

      const result = await build({ defFile: 'linked.def', buildArgs: { X: '1' } });

      expect(result.success ? warnings.join('\n') : errors.join('\n')).toMatch(/linked\.def/);
    });
  });

  it('missing Apptainer names the option in the fix', async () => {
    const result = await build({ apptainerPath: join(root, 'bin', 'no-such-apptainer'), buildArgs: { X: '1' } });

    expect(result).toEqual({ success: false });
    expect(errors.join('\n')).toContain(`command not found: ${join(root, 'bin', 'no-such-apptainer')}`);
    expect(errors.join('\n')).toContain('set the executor option "apptainerPath"');
    expect(readdirSync(join(root, 'dist/nodes/cam'))).toEqual([]);
  });
});
