import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { logger } from '@nx/devkit';

import { withCacheLock } from '../../apptainer';
import { removeStaleTemporaryImages } from '../../image';

/**
 * Starts a process that has ended but is not reaped: a zombie, as a build
 * killed with its parent becomes when the init process of a container does
 * not reap orphans. `sleep` never waits for the background child, so the
 * child stays a zombie until the `sleep` ends.
 */
function startZombie(): Promise<{ pid: number; holder: ChildProcess }> {
  const holder = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
  return new Promise((resolve) => {
    holder.stdout?.once('data', (chunk: Buffer) => {
      const pid = Number(chunk.toString().trim());
      const check = () => {
        if (readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] === 'Z') resolve({ pid, holder });
        else setTimeout(check, 10);
      };
      check();
    });
  });
}

/**
 * Files of a killed build: the next build removes them when their process
 * is gone, and must not mistake a zombie for a build still running.
 */
describe('leftovers of a killed build', () => {
  let folder: string;
  let zombie: { pid: number; holder: ChildProcess } | undefined;

  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'nx-peppy-killed-build-'));
  });

  afterEach(() => {
    zombie?.holder.kill('SIGKILL');
    zombie = undefined;
    rmSync(folder, { recursive: true, force: true });
    jest.restoreAllMocks();
  });

  it('zombie stand-in is a zombie', async () => {
    zombie = await startZombie();

    expect(readFileSync(`/proc/${zombie.pid}/stat`, 'utf8').split(' ')[2]).toBe('Z');
  });

  it('temporary image of a zombie build is removed', async () => {
    zombie = await startZombie();
    const image = join(folder, 'cam_v1.sif');
    const stale = `.cam_v1.sif.tmp-${zombie.pid}-0a1b2c3d.sif`;
    writeFileSync(join(folder, stale), 'complete but never published');
    writeFileSync(join(folder, `${stale}.context`), '');

    const removed = removeStaleTemporaryImages(image);

    expect(removed.sort()).toEqual([stale, `${stale}.context`].sort());
    expect(readdirSync(folder)).toEqual([]);
  });

  it('cache lock of a zombie build is taken over', async () => {
    zombie = await startZombie();
    jest.spyOn(logger, 'info').mockImplementation(() => undefined);
    writeFileSync(join(folder, '.nx-peppy-build.lock'), String(zombie.pid));

    const lock = withCacheLock(folder, async () => 'ran', 20);
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([lock, new Promise<string>((resolve) => (timer = setTimeout(() => resolve('still waiting after 2 s'), 2_000)))]);
    clearTimeout(timer);
    // Ending the zombie's parent lets init reap it, so a waiting lock ends too.
    zombie.holder.kill('SIGKILL');
    await lock;

    expect(outcome).toBe('ran');
    expect(existsSync(join(folder, '.nx-peppy-build.lock'))).toBe(false);
  }, 30_000);
});
