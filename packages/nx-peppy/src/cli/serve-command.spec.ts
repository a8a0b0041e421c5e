import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { findNxCli, serveExitStatus } from './serve-command';

describe('serveExitStatus', () => {
  it.each([
    ['nx succeeded', 0, null, undefined, 0],
    ['node exit status wins over nx 1', 1, null, 3, 3],
    ['signal status of the node', 1, null, 143, 143],
    ['no recorded status: nx status', 1, null, undefined, 1],
    ['recorded 0 but nx failed later', 1, null, 0, 1],
    ['nx interrupted', 130, null, undefined, 130],
    ['nx killed by a signal', null, 'SIGKILL', undefined, 137],
  ] as const)('%s', (_label, code, signal, recorded, expected) => {
    expect(serveExitStatus(code, signal, recorded)).toBe(expected);
  });
});

describe('findNxCli', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'nx-peppy-cli-'));
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('bin of the workspace nx package', () => {
    mkdirSync(join(root, 'node_modules/nx'), { recursive: true });
    writeFileSync(join(root, 'node_modules/nx/package.json'), JSON.stringify({ name: 'nx', bin: { nx: './dist/bin/nx.js' } }));

    expect(findNxCli(root)).toBe(join(root, 'node_modules/nx/dist/bin/nx.js'));
  });

  it('undefined outside a workspace', () => {
    expect(findNxCli('/')).toBeUndefined();
  });
});
