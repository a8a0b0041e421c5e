import { randomBytes } from 'node:crypto';
import { readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

import { isProcessAlive } from '../runtime/process-alive';

/**
 * Temporary images live beside the final path, so the rename that publishes
 * them stays on one file system and is atomic.
 */
const TEMP_MARKER = '.tmp-';

export function temporaryImagePath(imagePath: string): string {
  const suffix = `${process.pid}-${randomBytes(4).toString('hex')}`;
  return join(dirname(imagePath), `.${basename(imagePath)}${TEMP_MARKER}${suffix}.sif`);
}

/**
 * Removes temporary images left by builds that were killed (SIGKILL leaves no
 * chance to clean up). Files of a build still running are kept.
 */
export function removeStaleTemporaryImages(imagePath: string): string[] {
  const prefix = `.${basename(imagePath)}${TEMP_MARKER}`;
  const removed: string[] = [];

  let entries: string[];
  try {
    entries = readdirSync(dirname(imagePath));
  } catch {
    return removed;
  }

  for (const entry of entries) {
    if (!entry.startsWith(prefix)) continue;
    const pid = Number(entry.slice(prefix.length).split('-')[0]);
    if (Number.isInteger(pid) && pid !== process.pid && isProcessAlive(pid)) continue;
    rmSync(join(dirname(imagePath), entry), { force: true, recursive: true });
    removed.push(entry);
  }
  return removed;
}

/** Replaces the image with the finished temporary file in one rename. */
export function publishImage(temporaryPath: string, imagePath: string): void {
  renameSync(temporaryPath, imagePath);
}

export function discardImage(temporaryPath: string): void {
  rmSync(temporaryPath, { force: true, recursive: true });
}
