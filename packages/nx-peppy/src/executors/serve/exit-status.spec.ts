import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { EXECUTOR_PID_FILE_VARIABLE, EXIT_STATUS_FILE_VARIABLE, readExecutorPid, readExitStatus, recordExecutorPid, recordExitStatus } from './exit-status';

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

describe('executor pid file', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nx-peppy-pid-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('written while running, removed by the returned function', () => {
    const file = join(dir, 'pid');
    const forget = recordExecutorPid({ [EXECUTOR_PID_FILE_VARIABLE]: file }, 4321);

    expect(readExecutorPid(file)).toBe(4321);
    forget();
    expect(existsSync(file)).toBe(false);
  });

  it('nothing written without the variable', () => {
    expect(() => recordExecutorPid({})()).not.toThrow();
  });

  it.each([
    ['12\n', 12],
    ['0', undefined],
    ['-3', undefined],
    ['', undefined],
  ])('read %j', (text, expected) => {
    writeFileSync(join(dir, 'pid'), text);

    expect(readExecutorPid(join(dir, 'pid'))).toBe(expected);
  });
});
