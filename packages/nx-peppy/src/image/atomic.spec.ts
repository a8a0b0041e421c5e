import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

import { discardImage, publishImage, removeStaleTemporaryImages, temporaryImagePath } from './atomic';

/** Returns the pid of a child process that has exited and been reaped. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  if (child.pid === undefined) throw new Error('could not start a child process');
  return child.pid;
}

let folder: string;
let image: string;

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'nx-peppy-atomic-'));
  image = join(folder, 'my_node_v1.sif');
});

afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

describe('temporaryImagePath', () => {
  it('in the same folder as the image', () => {
    expect(dirname(temporaryImagePath(image))).toBe(folder);
  });

  it('hidden name with our pid and a .sif suffix', () => {
    const name = basename(temporaryImagePath(image));

    expect(name.startsWith(`.my_node_v1.sif.tmp-${process.pid}-`)).toBe(true);
    expect(name.endsWith('.sif')).toBe(true);
  });

  it('differs on each call', () => {
    expect(temporaryImagePath(image)).not.toBe(temporaryImagePath(image));
  });

  it('found by removeStaleTemporaryImages of the same image', () => {
    const temporary = temporaryImagePath(image);
    writeFileSync(temporary, '');

    expect(removeStaleTemporaryImages(image)).toEqual([basename(temporary)]);
  });
});

describe('removeStaleTemporaryImages', () => {
  it('removes the file of a dead pid', () => {
    const stale = `.my_node_v1.sif.tmp-${deadPid()}-0a1b2c3d.sif`;
    writeFileSync(join(folder, stale), 'partial image');

    expect(removeStaleTemporaryImages(image)).toEqual([stale]);
    expect(existsSync(join(folder, stale))).toBe(false);
  });

  it('removes a sandbox folder of a dead pid', () => {
    const stale = `.my_node_v1.sif.tmp-${deadPid()}-0a1b2c3d.sif`;
    mkdirSync(join(folder, stale, 'usr', 'bin'), { recursive: true });

    removeStaleTemporaryImages(image);

    expect(existsSync(join(folder, stale))).toBe(false);
  });

  it('keeps the file of a live pid other than ours', () => {
    const live = `.my_node_v1.sif.tmp-${process.ppid}-0a1b2c3d.sif`;
    writeFileSync(join(folder, live), 'build in progress');

    expect(removeStaleTemporaryImages(image)).toEqual([]);
    expect(readFileSync(join(folder, live), 'utf8')).toBe('build in progress');
  });

  it('removes a file of our own pid', () => {
    const own = `.my_node_v1.sif.tmp-${process.pid}-0a1b2c3d.sif`;
    writeFileSync(join(folder, own), '');

    expect(removeStaleTemporaryImages(image)).toEqual([own]);
  });

  it('keeps unrelated files', () => {
    const unrelated = [
      'my_node_v1.sif',
      'notes.txt',
      `.other_node_v1.sif.tmp-${deadPid()}-0a1b2c3d.sif`,
      `.my_node_v2.sif.tmp-${deadPid()}-0a1b2c3d.sif`,
      `my_node_v1.sif.tmp-${deadPid()}-0a1b2c3d.sif`,
    ];
    for (const name of unrelated) writeFileSync(join(folder, name), '');

    expect(removeStaleTemporaryImages(image)).toEqual([]);
    expect(readdirSync(folder).sort()).toEqual([...unrelated].sort());
  });

  it('mixed folder: only the stale file goes', () => {
    const stale = `.my_node_v1.sif.tmp-${deadPid()}-00000001.sif`;
    const live = `.my_node_v1.sif.tmp-${process.ppid}-00000002.sif`;
    for (const name of [stale, live, 'my_node_v1.sif']) writeFileSync(join(folder, name), '');

    expect(removeStaleTemporaryImages(image)).toEqual([stale]);
    expect(readdirSync(folder).sort()).toEqual([live, 'my_node_v1.sif'].sort());
  });

  it('missing folder gives an empty list', () => {
    expect(removeStaleTemporaryImages(join(folder, 'missing', 'a.sif'))).toEqual([]);
  });
});

describe('publishImage', () => {
  it('replaces the image with the temporary file', () => {
    writeFileSync(image, 'old');
    const temporary = temporaryImagePath(image);
    writeFileSync(temporary, 'new');

    publishImage(temporary, image);

    expect(readFileSync(image, 'utf8')).toBe('new');
    expect(existsSync(temporary)).toBe(false);
  });

  it('creates the image when none exists', () => {
    const temporary = temporaryImagePath(image);
    writeFileSync(temporary, 'first');

    publishImage(temporary, image);

    expect(readFileSync(image, 'utf8')).toBe('first');
  });
});

describe('discardImage', () => {
  it('removes the temporary file and keeps the image', () => {
    writeFileSync(image, 'old');
    const temporary = temporaryImagePath(image);
    writeFileSync(temporary, 'partial');

    discardImage(temporary);

    expect(existsSync(temporary)).toBe(false);
    expect(readFileSync(image, 'utf8')).toBe('old');
  });

  it('missing file is not an error', () => {
    expect(() => discardImage(join(folder, '.missing.sif'))).not.toThrow();
  });
});
