import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { parseDefinition } from '../definition';
import { findSymlinks, linkSearchRoots, planBuildContext } from '.';

const HEADER = 'Bootstrap: localimage\nFrom: ../base/base.sif\n\n';
const NODE = 'robots/arm';

let workspace: string;
let outside: string;

function write(path: string, text = 'content\n'): void {
  mkdirSync(dirname(join(workspace, path)), { recursive: true });
  writeFileSync(join(workspace, path), text);
}

function link(target: string, path: string): void {
  mkdirSync(dirname(join(workspace, path)), { recursive: true });
  symlinkSync(target, join(workspace, path));
}

/** Plans the node's build from a definition body and returns the symlinks found, as `path target` strings. */
function symlinksFor(body: string): string[] {
  write(`${NODE}/apptainer.def`, HEADER + body);
  const definition = parseDefinition(HEADER + body, { file: `${NODE}/apptainer.def` });
  const plan = planBuildContext(NODE, `${NODE}/apptainer.def`, definition, workspace);
  return findSymlinks(linkSearchRoots(plan), workspace).map((found) => `${found.path} ${found.target}`);
}

beforeEach(() => {
  workspace = mkdtempSync(join(tmpdir(), 'nx-peppy-links-'));
  outside = mkdtempSync(join(tmpdir(), 'nx-peppy-outside-'));
  writeFileSync(join(outside, 'calib.yaml'), 'offset: 1\n');
  mkdirSync(join(outside, 'models'));
});

afterEach(() => {
  rmSync(workspace, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

describe('linkSearchRoots', () => {
  it('definition file, then each source', () => {
    const definition = parseDefinition(HEADER + '%files\n    src /opt/src\n    config/*.yaml /opt/config/\n', { file: `${NODE}/apptainer.def` });
    const plan = planBuildContext(NODE, `${NODE}/apptainer.def`, definition, '/workspace');

    expect(linkSearchRoots(plan)).toEqual([
      { path: `${NODE}/apptainer.def`, skipped: [], origin: 'definition' },
      { path: `${NODE}/src`, skipped: [], origin: 'files', source: 'src', line: 5 },
      { path: `${NODE}/config`, pattern: `${NODE}/config/*.yaml`, skipped: [], origin: 'files', source: 'config/*.yaml', line: 6 },
    ]);
  });

  it('whole node folder skips the excluded folders', () => {
    const definition = parseDefinition(HEADER + '%files\n    . /opt/arm\n', { file: `${NODE}/apptainer.def` });
    const plan = planBuildContext(NODE, `${NODE}/apptainer.def`, definition, '/workspace');

    expect(linkSearchRoots(plan)[1]).toEqual(expect.objectContaining({ path: NODE, origin: 'files', line: 5 }));
    expect(linkSearchRoots(plan)[1].skipped).toEqual(expect.arrayContaining(['node_modules', '.git', 'dist']));
  });

  it('%setup makes the node folder a root', () => {
    const definition = parseDefinition(HEADER + '%setup\n    true\n', { file: `${NODE}/apptainer.def` });
    const plan = planBuildContext(NODE, `${NODE}/apptainer.def`, definition, '/workspace');

    expect(linkSearchRoots(plan)[1]).toEqual(expect.objectContaining({ path: NODE, origin: 'host-sections' }));
  });

  it('definition file outside the workspace is no root', () => {
    const definition = parseDefinition(HEADER, { file: '../far.def' });
    const plan = planBuildContext(NODE, '../far.def', definition, '/workspace');

    expect(linkSearchRoots(plan)).toEqual([]);
  });
});

describe('findSymlinks', () => {
  it('whole node folder: file, folder and dangling links', () => {
    link(join(outside, 'calib.yaml'), `${NODE}/calib.yaml`);
    link(join(outside, 'models'), `${NODE}/models`);
    link(join(outside, 'gone.txt'), `${NODE}/deep/er/gone.txt`);
    write(`${NODE}/main.py`);

    expect(symlinksFor('%files\n    . /opt/arm\n')).toEqual([`${NODE}/calib.yaml file`, `${NODE}/deep/er/gone.txt missing`, `${NODE}/models folder`]);
  });

  it('excluded folders are not searched', () => {
    link(join(outside, 'calib.yaml'), `${NODE}/node_modules/pkg/calib.yaml`);
    link(join(outside, 'calib.yaml'), `${NODE}/src/dist/calib.yaml`);

    expect(symlinksFor('%files\n    . /opt/arm\n')).toEqual([]);
  });

  it('explicit file source that is a symlink', () => {
    link(join(outside, 'calib.yaml'), `${NODE}/calib.yaml`);
    link(join(outside, 'calib.yaml'), `${NODE}/unlisted.yaml`);

    expect(symlinksFor('%files\n    calib.yaml /opt/calib.yaml\n')).toEqual([`${NODE}/calib.yaml file`]);
  });

  it('folder source is searched without excludes', () => {
    link(join(outside, 'calib.yaml'), `${NODE}/config/dist/calib.yaml`);

    expect(symlinksFor('%files\n    config /opt/config\n')).toEqual([`${NODE}/config/dist/calib.yaml file`]);
  });

  it('glob source keeps only matching links', () => {
    link(join(outside, 'calib.yaml'), `${NODE}/config/arm.yaml`);
    link(join(outside, 'calib.yaml'), `${NODE}/config/arm.txt`);

    expect(symlinksFor('%files\n    config/*.yaml /opt/config/\n')).toEqual([`${NODE}/config/arm.yaml file`]);
  });

  it('resolved path of a link inside the workspace', () => {
    write('libs/calibration/arm.yaml');
    link('../../libs/calibration/arm.yaml', `${NODE}/arm.yaml`);
    link(join(outside, 'calib.yaml'), `${NODE}/outside.yaml`);
    write(`${NODE}/apptainer.def`, HEADER + '%files\n    . /opt/arm\n');
    const definition = parseDefinition(HEADER + '%files\n    . /opt/arm\n', { file: `${NODE}/apptainer.def` });
    const plan = planBuildContext(NODE, `${NODE}/apptainer.def`, definition, workspace);

    const found = findSymlinks(linkSearchRoots(plan), workspace);

    expect(found.map((link) => [link.path, link.resolved])).toEqual([
      [`${NODE}/arm.yaml`, 'libs/calibration/arm.yaml'],
      [`${NODE}/outside.yaml`, undefined],
    ]);
  });

  it('source in another folder of the workspace', () => {
    link(join(outside, 'calib.yaml'), 'shared/calib.yaml');

    expect(symlinksFor('%files\n    ../../shared /opt/shared\n')).toEqual(['shared/calib.yaml file']);
  });

  it('symlinked definition file', () => {
    writeFileSync(join(outside, 'apptainer.def'), HEADER);
    link(join(outside, 'apptainer.def'), `${NODE}/apptainer.def`);
    const definition = parseDefinition(HEADER, { file: `${NODE}/apptainer.def` });
    const plan = planBuildContext(NODE, `${NODE}/apptainer.def`, definition, workspace);

    expect(findSymlinks(linkSearchRoots(plan), workspace).map((found) => found.path)).toEqual([`${NODE}/apptainer.def`]);
  });

  it('link found twice is listed once', () => {
    link(join(outside, 'calib.yaml'), `${NODE}/calib.yaml`);

    expect(symlinksFor('%files\n    . /opt/arm\n    calib.yaml /opt/calib.yaml\n')).toEqual([`${NODE}/calib.yaml file`]);
  });

  it('symlinked folder is not entered', () => {
    writeFileSync(join(outside, 'models', 'inner.txt'), 'x');
    symlinkSync(join(outside, 'calib.yaml'), join(outside, 'models', 'inner-link.yaml'));
    link(join(outside, 'models'), `${NODE}/models`);

    expect(symlinksFor('%files\n    . /opt/arm\n')).toEqual([`${NODE}/models folder`]);
  });

  it('symlink loop is reported as missing', () => {
    link('loop-b', `${NODE}/loop-a`);
    link('loop-a', `${NODE}/loop-b`);

    expect(symlinksFor('%files\n    . /opt/arm\n')).toEqual([`${NODE}/loop-a missing`, `${NODE}/loop-b missing`]);
  });

  it('missing source finds nothing', () => {
    expect(symlinksFor('%files\n    absent /opt/absent\n')).toEqual([]);
  });
});
