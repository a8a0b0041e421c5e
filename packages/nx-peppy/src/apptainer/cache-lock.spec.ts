import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { parseDefinition } from '../definition';
import { apptainerCacheDir, usesApptainerCache, withCacheLock } from './cache-lock';

describe('withCacheLock', () => {
  let cacheDir: string;

  beforeEach(() => {
    cacheDir = mkdtempSync(join(tmpdir(), 'nx-peppy-lock-'));
  });
  afterEach(() => rmSync(cacheDir, { recursive: true, force: true }));

  it('serialises two builds', async () => {
    const events: string[] = [];
    const build = (name: string) =>
      withCacheLock(
        cacheDir,
        async () => {
          events.push(`${name} start`);
          await sleep(50);
          events.push(`${name} end`);
        },
        5,
      );

    await Promise.all([build('a'), build('b')]);

    expect(events).toEqual(['a start', 'a end', 'b start', 'b end']);
  });

  it('takes over a lock of a dead process', async () => {
    writeFileSync(join(cacheDir, '.nx-peppy-build.lock'), '999999999');

    const result = await withCacheLock(cacheDir, async () => 'built', 5);

    expect(result).toBe('built');
  });

  it('releases the lock when the build throws', async () => {
    await expect(withCacheLock(cacheDir, async () => Promise.reject(new Error('failed')), 5)).rejects.toThrow('failed');

    expect(existsSync(join(cacheDir, '.nx-peppy-build.lock'))).toBe(false);
  });
});

describe('usesApptainerCache', () => {
  it.each([
    ['docker', true],
    ['library', true],
    ['oci', true],
    ['oci-archive', true],
    ['docker-archive', true],
    ['localimage', false],
    ['scratch', false],
    ['debootstrap', false],
  ])('Bootstrap: %s is %s', (agent, expected) => {
    const definition = parseDefinition(`Bootstrap: ${agent}\nFrom: x\n`, { file: 'apptainer.def' });
    expect(usesApptainerCache(definition)).toBe(expected);
  });
});

describe('apptainerCacheDir', () => {
  it('prefers APPTAINER_CACHEDIR', () => {
    expect(apptainerCacheDir({ APPTAINER_CACHEDIR: '/cache', HOME: '/home/robot' })).toBe('/cache');
  });

  it('falls back to the home folder', () => {
    expect(apptainerCacheDir({ HOME: '/home/robot' })).toBe('/home/robot/.apptainer/cache');
  });
});
