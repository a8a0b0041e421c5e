import { existsSync, readdirSync, readFileSync, statfsSync, statSync } from 'node:fs';
import { homedir, tmpdir, userInfo } from 'node:os';
import { delimiter, join } from 'node:path';

import { runCommandSync } from '../runtime/spawn';

/** Result of a command the checks run. */
export interface CommandOutput {
  /** Exit status; null when the command could not start or timed out. */
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Reader of the machine for the checks. Tests pass a fake, so each failure is
 * a unit test without touching the real system.
 */
export interface SystemProbe {
  platform: NodeJS.Platform;
  uid: number;
  userName: string;
  homeDir: string;
  tempDir: string;
  env: NodeJS.ProcessEnv;
  /** File text, or undefined when it cannot be read. */
  readFile(path: string): string | undefined;
  exists(path: string): boolean;
  /** Entries of a folder; empty when it cannot be read. */
  listDir(path: string): string[];
  /** File mode bits, or undefined when the file cannot be read. */
  fileMode(path: string): number | undefined;
  /** Absolute path of a command found on PATH. */
  which(command: string): string | undefined;
  /** Runs a command with the probe's environment plus `extraEnv`, bounded in time. */
  run(file: string, args: readonly string[], extraEnv?: Record<string, string>): CommandOutput;
  /** Free bytes for an unprivileged user on the file system of `path`. */
  freeBytes(path: string): number | undefined;
}

/** Bounds every command a check runs; a hung `limactl` must not hang the doctor. */
const COMMAND_TIMEOUT_MS = 15_000;

export function nodeSystemProbe(env: NodeJS.ProcessEnv = process.env): SystemProbe {
  const user = userInfo();
  return {
    platform: process.platform,
    uid: user.uid,
    userName: user.username,
    homeDir: homedir(),
    tempDir: tmpdir(),
    env,
    readFile: (path) => {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return undefined;
      }
    },
    exists: (path) => existsSync(path),
    listDir: (path) => {
      try {
        return readdirSync(path);
      } catch {
        return [];
      }
    },
    fileMode: (path) => {
      try {
        return statSync(path).mode;
      } catch {
        return undefined;
      }
    },
    which: (command) => {
      if (command.includes('/')) return existsSync(command) ? command : undefined;
      for (const dir of (env.PATH ?? '').split(delimiter)) {
        if (dir && existsSync(join(dir, command))) return join(dir, command);
      }
      return undefined;
    },
    run: (file, args, extraEnv = {}) => runCommandSync(file, args, { env: { ...env, ...extraEnv }, timeoutMs: COMMAND_TIMEOUT_MS }),
    freeBytes: (path) => {
      try {
        const stats = statfsSync(path);
        return stats.bavail * stats.bsize;
      } catch {
        return undefined;
      }
    },
  };
}
