import { logger } from '@nx/devkit';

import { WarningLog } from './warnings';

afterEach(() => {
  jest.restoreAllMocks();
});

describe('WarningLog', () => {
  it('logs each text once', () => {
    const warn = jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const log = new WarningLog();

    log.warn('a/pyproject.toml', 'entry x is ignored.');
    log.warn('a/pyproject.toml', 'entry x is ignored.');
    log.warn('b/pyproject.toml', 'entry x is ignored.');

    expect(warn.mock.calls).toEqual([['nx-peppy: a/pyproject.toml: entry x is ignored.'], ['nx-peppy: b/pyproject.toml: entry x is ignored.']]);
  });
});
