import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { findNxCli, runServeCommand, serveExitStatus, signalTarget } from './serve-command';

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

describe('signalTarget', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nx-peppy-target-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('running executor', () => {
    writeFileSync(join(dir, 'pid'), `${process.pid}\n`);

    expect(signalTarget(join(dir, 'pid'), 1)).toBe(process.pid);
  });

  it('no pid file: nx', () => {
    expect(signalTarget(join(dir, 'pid'), 1234)).toBe(1234);
  });

  it('executor gone: nx', () => {
    writeFileSync(join(dir, 'pid'), '2147483646\n');

    expect(signalTarget(join(dir, 'pid'), 1234)).toBe(1234);
  });
});

/**
 * Stand-in for nx 24 with a forked executor. The executor writes its pid
 * when FAKE_RECORD_PID is set. On SIGTERM or SIGINT it records 7 or 8 and
 * ends, and nx then exits with 1, as for any failed task. A signal to nx
 * itself ends nx at once with 130 and no recorded status, so a command that
 * signals nx while the executor runs fails these tests.
 */
const FAKE_NX = `const fs = require('fs');
const { fork } = require('child_process');
if (process.argv[2] === 'executor') {
  if (process.env.FAKE_RECORD_PID) fs.writeFileSync(process.env.NX_PEPPY_SERVE_PID_FILE, String(process.pid));
  const stop = (status) => () => { fs.writeFileSync(process.env.NX_PEPPY_EXIT_STATUS_FILE, status); process.exit(1); };
  process.on('SIGTERM', stop('7'));
  process.on('SIGINT', stop('8'));
  // Ends with nx, so that no stand-in outlives the test.
  process.on('disconnect', () => process.exit(0));
  fs.writeFileSync(process.env.FAKE_READY, '');
  setInterval(() => {}, 1000);
} else {
  const executor = fork(__filename, ['executor'], { stdio: 'ignore' });
  process.on('SIGTERM', () => process.exit(130));
  process.on('SIGINT', () => process.exit(130));
  executor.on('exit', () => process.exit(1));
}
`;

describe('runServeCommand signals', () => {
  let root: string;
  const saved = { ...process.env };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'nx-peppy-cli-'));
    mkdirSync(join(root, 'node_modules/nx/bin'), { recursive: true });
    writeFileSync(join(root, 'node_modules/nx/package.json'), JSON.stringify({ name: 'nx', bin: { nx: './bin/nx.js' } }));
    writeFileSync(join(root, 'node_modules/nx/bin/nx.js'), FAKE_NX);
    process.env.FAKE_READY = join(root, 'ready');
  });

  afterEach(() => {
    process.env = { ...saved };
    rmSync(root, { recursive: true, force: true });
  });

  async function serveAndSignal(signal: NodeJS.Signals): Promise<number> {
    const running = runServeCommand(['cam'], root);
    const started = Date.now();
    while (!existsSync(join(root, 'ready'))) {
      if (Date.now() - started > 10_000) throw new Error('the stand-in executor did not start');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    process.emit(signal, signal);
    return running;
  }

  it.each([
    ['SIGTERM', 7],
    ['SIGINT', 8],
  ] as const)('%s goes to the executor: its status', async (signal, expected) => {
    process.env.FAKE_RECORD_PID = '1';

    expect(await serveAndSignal(signal)).toBe(expected);
  });

  it('executor not started yet: nx gets the signal', async () => {
    delete process.env.FAKE_RECORD_PID;

    expect(await serveAndSignal('SIGTERM')).toBe(130);
  });
});
