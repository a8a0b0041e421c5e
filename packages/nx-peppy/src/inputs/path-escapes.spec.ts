import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parseDefinition } from '../definition';
import { buildInputs, fileHashInput, planBuildContext } from './index';

const WORKSPACE = '/ws';
const ROOT = 'nodes/cam';
const HEADER = 'Bootstrap: localimage\nFrom: /images/base.sif\n\n';

function plan(files: string, defFile = `${ROOT}/apptainer.def`) {
  const definition = parseDefinition(`${HEADER}%files\n${files}`, { file: defFile });
  return planBuildContext(ROOT, defFile, definition, WORKSPACE);
}

/** Returns the runtime inputs of a build, which Nx runs in a shell and hashes by their output. */
function runtimeInputs(inputs: ReturnType<typeof buildInputs>): string[] {
  return inputs.flatMap((input) => (typeof input === 'object' && 'runtime' in input ? [input.runtime as string] : []));
}

describe('definition file outside the node folder', () => {
  // PeppyOS reads `def_file` relative to the node folder, so "../shared/apptainer.def"
  // is a valid manifest. The file must be an input wherever it lies.
  it('sibling folder: hashed as a workspace path', () => {
    const inputs = buildInputs(plan('    src /opt/src\n', 'nodes/shared/apptainer.def'));

    expect(inputs).toContain('{workspaceRoot}/nodes/shared/apptainer.def');
  });

  it('folder whose name starts like the node folder: hashed as a workspace path', () => {
    const inputs = buildInputs(plan('    src /opt/src\n', 'nodes/camera/apptainer.def'));

    expect(inputs).toContain('{workspaceRoot}/nodes/camera/apptainer.def');
    expect(inputs).not.toContain('{projectRoot}/era/apptainer.def');
  });

  it('subfolder of the node: hashed as a project path', () => {
    const inputs = buildInputs(plan('    src /opt/src\n', 'nodes/cam/defs/apptainer.def'));

    expect(inputs).toContain('{projectRoot}/defs/apptainer.def');
  });

  it('outside the workspace: hashed by content and warned about', () => {
    const built = plan('    src /opt/src\n', '../outside/apptainer.def');

    expect(built.diagnostics.map((diagnostic) => diagnostic.severity)).toContain('warning');
    expect(runtimeInputs(buildInputs(built)).some((command) => command.includes('outside/apptainer.def'))).toBe(true);
  });
});

describe('%files sources that leave the node folder', () => {
  it('.. inside the workspace: hashed as a workspace path', () => {
    const built = plan('    ../../shared/calib.yaml /opt/calib.yaml\n');

    expect(built.diagnostics).toEqual([]);
    expect(buildInputs(built)).toContain('{workspaceRoot}/shared/calib.yaml');
  });

  it('absolute path inside the workspace: hashed as a workspace path', () => {
    const built = plan('    /ws/shared/calib.yaml /opt/calib.yaml\n');

    expect(buildInputs(built)).toContain('{workspaceRoot}/shared/calib.yaml');
  });

  it('absolute path outside the workspace: warned about with its line', () => {
    const built = plan('    /etc/hostname /opt/hostname\n');

    expect(built.diagnostics).toEqual([
      expect.objectContaining({ severity: 'warning', code: 'source-outside-workspace', file: `${ROOT}/apptainer.def`, line: 5 }),
    ]);
  });

  // Apptainer reads an absolute source from the host whatever the working
  // folder is, so the file is an input of the image and must be hashed.
  it('absolute path outside the workspace: hashed by content', () => {
    const inputs = buildInputs(plan('    /etc/hostname /opt/hostname\n'));

    expect(runtimeInputs(inputs).some((command) => command.includes('/etc/hostname'))).toBe(true);
  });

  // The build runs from the staged copy of the node folder inside dist/, so a
  // relative source that climbs out of the workspace would name another file
  // there than it does in the node folder.
  it('.. outside the workspace: an error, or hashed at its real place', () => {
    const built = plan('    ../../../outside.txt /opt/outside.txt\n');
    const errors = built.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');

    if (errors.length > 0) {
      expect(errors[0]).toEqual(expect.objectContaining({ file: `${ROOT}/apptainer.def`, line: 5 }));
      return;
    }
    expect(runtimeInputs(buildInputs(built)).some((command) => command.includes('/outside.txt'))).toBe(true);
  });
});

describe('runtime hash input of a hostile path', () => {
  let folder: string;

  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'nx-peppy-hash-input-'));
  });

  afterEach(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  // Nx runs a runtime input as a shell command, so the path must reach node
  // as one literal argument whatever characters it holds.
  it.each([
    ['a single quote', "it's.sif"],
    ['a command substitution', '$(touch MARKER).sif'],
    ['backticks', '`touch MARKER`.sif'],
    ['a semicolon and spaces', 'a; touch MARKER b.sif'],
    ['a line break', 'one\ntwo.sif'],
    ['a double quote and a backslash', 'say "hi" \\ there.sif'],
  ])('%s stays literal', (_label, template) => {
    const marker = join(folder, 'pwned');
    const name = template.replace(/MARKER/g, marker.replace(/\//g, '_'));
    mkdirSync(join(folder, 'images'));
    writeFileSync(join(folder, 'images', name), 'image bytes');

    const command = fileHashInput(`images/${name}`).runtime;
    const output = execFileSync('/bin/sh', ['-c', command], { cwd: folder, encoding: 'utf8' }).trim();

    expect(output).toBe(`images/${name} ${createHash('sha256').update('image bytes').digest('hex')}`);
    expect(existsSync(marker)).toBe(false);
  });
});
