import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { EXIT_STATUS_FILE_VARIABLE, readExitStatus, recordExitStatus } from './exit-status';

describe('exit status file', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nx-peppy-status-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('written where the variable points', () => {
    recordExitStatus(3, { [EXIT_STATUS_FILE_VARIABLE]: join(dir, 'status') });

    expect(readFileSync(join(dir, 'status'), 'utf8')).toBe('3\n');
  });

  it('nothing written without the variable', () => {
    expect(() => recordExitStatus(3, {})).not.toThrow();
  });

  it('unwritable path is ignored', () => {
    expect(() => recordExitStatus(3, { [EXIT_STATUS_FILE_VARIABLE]: join(dir, 'missing', 'status') })).not.toThrow();
  });

  it.each([
    ['3\n', 3],
    ['143', 143],
    ['0', 0],
    ['256', undefined],
    ['x', undefined],
  ])('read %j', (text, expected) => {
    writeFileSync(join(dir, 'status'), text);

    expect(readExitStatus(join(dir, 'status'))).toBe(expected);
  });

  it('missing file reads as undefined', () => {
    expect(readExitStatus(join(dir, 'none'))).toBeUndefined();
  });
});
