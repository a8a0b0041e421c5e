import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { logger } from '@nx/devkit';

import type { Definition } from '../definition';
import { isProcessAlive } from '../runtime/process-alive';

/**
 * Bootstrap agents that write into Apptainer's cache folder: the registry
 * agents pull into it, and the OCI agents, local ones included, convert
 * through its blob cache. Concurrent writes into one cache can fail with "no
 * descriptor found for reference" or "hash does not match", so builds that
 * use one of these agents take turns.
 */
const CACHING_AGENTS = new Set(['docker', 'library', 'oras', 'shub', 'oci', 'oci-archive', 'docker-archive', 'docker-daemon']);

export function usesApptainerCache(definition: Definition): boolean {
  return definition.stages.some((stage) => stage.bootstrap !== undefined && CACHING_AGENTS.has(stage.bootstrap));
}

/** Returns Apptainer's cache folder: `APPTAINER_CACHEDIR`, else `~/.apptainer/cache`. */
export function apptainerCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.APPTAINER_CACHEDIR || join(env.HOME || homedir(), '.apptainer', 'cache');
}

function holderIsAlive(lockFile: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(lockFile, 'utf8').trim());
  } catch {
    return false;
  }
  return isProcessAlive(pid);
}

/**
 * Runs `body` while holding a lock file in the cache folder. A lock whose
 * process has died (a killed build) is taken over; `pollMs` paces the wait.
 */
export async function withCacheLock<T>(cacheDir: string, body: () => Promise<T>, pollMs = 500): Promise<T> {
  mkdirSync(cacheDir, { recursive: true });
  const lockFile = join(cacheDir, '.nx-peppy-build.lock');
  let announced = false;

  for (;;) {
    try {
      const fd = openSync(lockFile, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (!holderIsAlive(lockFile)) {
        rmSync(lockFile, { force: true });
        continue;
      }
      if (!announced) {
        logger.info(`Waiting for another build that uses the Apptainer cache ${cacheDir}`);
        announced = true;
      }
      await sleep(pollMs);
    }
  }

  try {
    return await body();
  } finally {
    rmSync(lockFile, { force: true });
  }
}
