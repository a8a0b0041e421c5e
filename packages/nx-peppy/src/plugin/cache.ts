import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { logger } from '@nx/devkit';

/**
 * A JSON file of inferred results keyed by the hash of what they were inferred
 * from, so a warm graph neither parses manifests nor definition files. One
 * file per plugin options, as a change of options changes every result.
 */
export class InferenceCache<T> {
  private readonly entries: Record<string, T>;
  private readonly used = new Set<string>();
  private changed = false;

  constructor(private readonly file: string) {
    this.entries = InferenceCache.load<T>(file);
  }

  private static load<T>(file: string): Record<string, T> {
    if (!existsSync(file)) return {};
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as Record<string, T>;
    } catch {
      // A torn or foreign file only costs one cold graph.
      return {};
    }
  }

  get(key: string): T | undefined {
    const value = this.entries[key];
    if (value !== undefined) this.used.add(key);
    return value;
  }

  set(key: string, value: T): void {
    this.entries[key] = value;
    this.used.add(key);
    this.changed = true;
  }

  /** Writes the entries used in this run, dropping stale ones, through a rename. */
  write(): void {
    const stale = Object.keys(this.entries).some((key) => !this.used.has(key));
    if (!this.changed && !stale) return;

    const kept = Object.fromEntries([...this.used].map((key) => [key, this.entries[key]]));
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      const temporary = `${this.file}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify(kept));
      renameSync(temporary, this.file);
    } catch (error) {
      logger.verbose(`nx-peppy: cannot write the inference cache ${this.file}: ${(error as Error).message}`);
    }
  }
}

export function hashText(...parts: (string | undefined)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part ?? '\u0000absent').update('\u0000');
  return hash.digest('hex');
}

/** Nx's folder for plugin data (`.nx/workspace-data` unless configured). */
export function workspaceDataFolder(workspaceRoot: string): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const internals = require('nx/src/devkit-internals') as { workspaceDataDirectory?: string };
    if (internals.workspaceDataDirectory) return internals.workspaceDataDirectory;
  } catch {
    // Older or newer Nx without that export: use its documented default.
  }
  return process.env.NX_WORKSPACE_DATA_DIRECTORY ?? join(workspaceRoot, '.nx', 'workspace-data');
}

/** Reads a text file, or returns undefined when it does not exist. */
export function readIfPresent(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}
