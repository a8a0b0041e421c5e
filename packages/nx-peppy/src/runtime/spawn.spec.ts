import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { NxPeppyError } from '../errors';
import { spawnCommand, StopSignals } from './spawn';

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

  it('only the first signal reaches the group', async () => {
    const ready = join(dir, 'ready');
    const log = join(dir, 'log');
    const script = `trap 'echo INT >> ${log}' INT; trap 'echo TERM >> ${log}; exit 7' TERM; echo $$ > ${ready}; while true; do sleep 0.05; done`;
    const running = spawnCommand('sh', ['-c', script], { cwd: dir, killGraceMs: 500 });
    await waitFor(() => readFileSync(ready, { flag: 'a+' }).length > 0);

    process.emit('SIGINT', 'SIGINT');
    await waitFor(() => readFileSync(log, { flag: 'a+' }).length > 0);
    process.emit('SIGTERM', 'SIGTERM');

    // A forwarded SIGTERM would have ended it with 7, so 137 shows it was not forwarded.
    expect((await running).exitCode).toBe(137);
    expect(readFileSync(log, 'utf8')).toBe('INT\n');
  });

  it('closed IPC channel sends SIGTERM to the group', async () => {
    const ready = join(dir, 'ready');
    const running = spawnCommand('sh', ['-c', `trap 'exit 7' TERM; echo $$ > ${ready}; while true; do sleep 0.05; done`], { cwd: dir });
    await waitFor(() => readFileSync(ready, { flag: 'a+' }).length > 0);

    process.emit('disconnect');

    expect((await running).exitCode).toBe(7);
  });

  it('stop requested before the spawn: nothing starts, 128 + 2', async () => {
    const stop = new StopSignals();
    try {
      stop.request('SIGINT');

      const result = await spawnCommand('sh', ['-c', `touch ${join(dir, 'started')}`], { cwd: dir, stop });

      expect(result.exitCode).toBe(130);
      expect(existsSync(join(dir, 'started'))).toBe(false);
    } finally {
      stop.dispose();
    }
  });

  it('caller-owned stop signals keep listening after the command', async () => {
    const before = process.listenerCount('SIGTERM');
    const stop = new StopSignals();

    await spawnCommand('sh', ['-c', 'exit 0'], { cwd: dir, stop });
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    process.emit('SIGTERM', 'SIGTERM');
    expect(stop.requested).toBe('SIGTERM');

    stop.dispose();
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });

  it('missing command is an input error with the fix', async () => {
    await expect(spawnCommand('nx-peppy-no-such-command', [], { cwd: dir, missingCommandFix: 'install it' })).rejects.toThrow(NxPeppyError);
  });
});
