import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { NxPeppyError } from '../errors';
import { spawnCommand } from './spawn';

function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (condition()) resolve();
      else if (Date.now() - started > timeoutMs) reject(new Error('timed out waiting'));
      else setTimeout(poll, 20);
    };
    poll();
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('spawnCommand', () => {
  let dir: string;
  let writeSpy: jest.SpyInstance;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nx-peppy-spawn-'));
    writeSpy = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });

  afterEach(() => {
    writeSpy.mockRestore();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exit status of the command', async () => {
    expect((await spawnCommand('sh', ['-c', 'exit 3'], { cwd: dir })).exitCode).toBe(3);
  });

  it('environment without the host when extendEnv is false', async () => {
    process.env.NX_PEPPY_SPAWN_TEST = 'host';
    try {
      const result = await spawnCommand('/bin/sh', ['-c', 'echo "[$NX_PEPPY_SPAWN_TEST][$A]"'], { cwd: dir, env: { A: '1' }, extendEnv: false });

      expect(result.tail).toContain('[][1]');
    } finally {
      delete process.env.NX_PEPPY_SPAWN_TEST;
    }
  });

  it('SIGTERM to this process reaches the group: 128 + 15', async () => {
    const ready = join(dir, 'ready');
    const running = spawnCommand('sh', ['-c', `echo $$ > ${ready}; sleep 30 & wait`], { cwd: dir, killGraceMs: 5000 });
    await waitFor(() => readFileSync(ready, { flag: 'a+' }).length > 0);

    process.emit('SIGTERM', 'SIGTERM');

    const result = await running;
    expect(result.exitCode).toBe(143);
    expect(result.signal).toBe('SIGTERM');
  });

  it('group that ignores SIGTERM is killed after the grace period', async () => {
    const ready = join(dir, 'ready');
    const started = Date.now();
    const running = spawnCommand('sh', ['-c', `trap '' TERM; echo $$ > ${ready}; while true; do sleep 0.1; done`], { cwd: dir, killGraceMs: 300 });
    await waitFor(() => readFileSync(ready, { flag: 'a+' }).length > 0);
    const pid = Number(readFileSync(ready, 'utf8'));

    process.emit('SIGTERM', 'SIGTERM');

    const result = await running;
    expect(result.exitCode).toBe(137);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(isAlive(pid)).toBe(false);
  });

  it('missing command is an input error with the fix', async () => {
    await expect(spawnCommand('nx-peppy-no-such-command', [], { cwd: dir, missingCommandFix: 'install it' })).rejects.toThrow(NxPeppyError);
  });
});
