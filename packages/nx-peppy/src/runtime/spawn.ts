import { constants } from 'node:os';

import { execa, execaSync } from 'execa';

import { NxPeppyError } from '../errors';

export interface SpawnOptions {
  cwd: string;
  /** Environment of the child; with `extendEnv: false` it is the whole environment. */
  env?: Record<string, string | undefined>;
  extendEnv?: boolean;
  /** How many trailing output lines to keep for error messages. */
  tailLines?: number;
  /** Time between forwarding SIGINT or SIGTERM and killing the process group. */
  killGraceMs?: number;
  /**
   * Stop requests to forward. The serve executor passes one that it created
   * before the run, so that a signal arriving before the spawn or after the
   * exit cannot end it before it has recorded the node's status. Default: one
   * that lives only as long as the command.
   */
  stop?: StopSignals;
  /** Shown in "not found" errors, with the fix. */
  missingCommandFix?: string;
}

export interface SpawnResult {
  /** The child's exit status, or 128 + N when signal N ended it, as shells report it. */
  exitCode: number;
  signal?: NodeJS.Signals;
  /** The last lines of stdout and stderr, interleaved as they arrived. */
  tail: string[];
}

const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Keeps the last `limit` lines of a stream without holding the whole output. */
class LineTail {
  private readonly lines: string[] = [];
  private partial = '';

  constructor(private readonly limit: number) {}

  push(chunk: Buffer | string): void {
    const parts = (this.partial + chunk.toString()).split(/\r?\n/);
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.add(line);
  }

  finish(): string[] {
    if (this.partial) this.add(this.partial);
    this.partial = '';
    return [...this.lines];
  }

  private add(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.limit) this.lines.shift();
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

/**
 * The stop requests that reach this process: SIGINT, SIGTERM or SIGHUP, and
 * SIGTERM when its IPC channel to nx closes (nx killed with SIGKILL cannot
 * signal its tasks). Only the first request is passed on, because a later
 * one could reach Apptainer just after the runscript exited. Apptainer then
 * ends with 128 + N instead of the runscript's status. Examples are the
 * SIGINT that `nx-peppy serve` forwards after a terminal's Ctrl-C already
 * reached this process, and nx's own SIGTERM. The grace period after the
 * first request covers a node that ignores it.
 *
 * While listening, the signals do not end this process, so it always gets
 * to record the node's status.
 */
export class StopSignals {
  private first: NodeJS.Signals | undefined;
  private readonly subscribers = new Set<(signal: NodeJS.Signals) => void>();
  private readonly onSignal = (signal: NodeJS.Signals) => this.request(signal);
  private readonly onDisconnect = () => this.request('SIGTERM');
  private listening = true;

  constructor() {
    for (const signal of FORWARDED_SIGNALS) process.on(signal, this.onSignal);
    process.on('disconnect', this.onDisconnect);
  }

  /** The first stop request, if any. */
  get requested(): NodeJS.Signals | undefined {
    return this.first;
  }

  /** Calls `callback` on the first request. Returns the function that unsubscribes it. */
  subscribe(callback: (signal: NodeJS.Signals) => void): () => void {
    this.subscribers.add(callback);
    return () => this.subscribers.delete(callback);
  }

  request(signal: NodeJS.Signals): void {
    if (this.first) return;
    this.first = signal;
    for (const callback of this.subscribers) callback(signal);
  }

  /** Stops listening, so the signals have their default effect again. */
  dispose(): void {
    if (!this.listening) return;
    this.listening = false;
    for (const signal of FORWARDED_SIGNALS) process.off(signal, this.onSignal);
    process.off('disconnect', this.onDisconnect);
  }
}

function signalStatus(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

/**
 * Runs a command with an argument array (never through a shell) in its own
 * process group, with stdin closed and its output streamed live. The first
 * SIGINT, SIGTERM or SIGHUP sent to this process reaches the whole group, and
 * the group is killed once the grace period after it has passed. A stop
 * requested before the spawn starts nothing and returns 128 + N.
 */
export async function spawnCommand(file: string, args: readonly string[], options: SpawnOptions): Promise<SpawnResult> {
  const stop = options.stop ?? new StopSignals();
  try {
    const early = stop.requested;
    if (early) return { exitCode: signalStatus(early), signal: early, tail: [] };
    return await runInGroup(file, args, options, stop);
  } finally {
    if (!options.stop) stop.dispose();
  }
}

async function runInGroup(file: string, args: readonly string[], options: SpawnOptions, stop: StopSignals): Promise<SpawnResult> {
  const tail = new LineTail(options.tailLines ?? 40);

  const child = execa(file, args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: options.extendEnv ?? true,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
    reject: false,
    detached: true,
    cleanup: false,
  });

  child.stdout?.on('data', (chunk: Buffer) => {
    process.stdout.write(chunk);
    tail.push(chunk);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    tail.push(chunk);
  });

  let killTimer: NodeJS.Timeout | undefined;
  const unsubscribe = stop.subscribe((signal) => {
    if (child.pid === undefined) return;
    killGroup(child.pid, signal);
    killTimer = setTimeout(() => killGroup(child.pid as number, 'SIGKILL'), options.killGraceMs ?? 5000);
  });
  const killOnExit = () => {
    if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
  };
  process.on('exit', killOnExit);

  try {
    const result = await child;

    if (result.exitCode === undefined && !result.signal) {
      const notFound = (result as { code?: string }).code === 'ENOENT';
      throw new NxPeppyError({
        file,
        message: notFound ? `command not found: ${file}` : `failed to start ${file}: ${result.shortMessage ?? result.message}`,
        fix: options.missingCommandFix ?? `install ${file} or put it on PATH`,
      });
    }

    const signal = result.signal as NodeJS.Signals | undefined;
    const exitCode = signal ? signalStatus(signal) : (result.exitCode ?? 1);
    return { exitCode, signal, tail: tail.finish() };
  } finally {
    if (killTimer) clearTimeout(killTimer);
    unsubscribe();
    process.off('exit', killOnExit);
  }
}

export interface SyncResult {
  /** Exit status, or null when the command could not start or timed out. */
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a short command with an argument array and waits for it, for probes
 * such as `apptainer --version`. A command that cannot start reports its
 * error in `stderr` with a null status.
 */
export function runCommandSync(file: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): SyncResult {
  const result = execaSync(file, [...args], {
    env: options.env,
    extendEnv: options.env === undefined,
    timeout: options.timeoutMs,
    stdin: 'ignore',
    reject: false,
  });
  const started = result.exitCode !== undefined && !result.timedOut;
  return {
    status: started ? result.exitCode ?? null : null,
    stdout: typeof result.stdout === 'string' ? result.stdout : '',
    stderr: (typeof result.stderr === 'string' && result.stderr) || (started ? '' : (result.shortMessage ?? '')),
  };
}

/** Subprocess of `spawnWithTerminal`: a Node ChildProcess that is also a promise of its result. */
export type TerminalProcess = ReturnType<typeof spawnWithTerminal>;

/** Starts a command with an argument array that shares this process's terminal. */
export function spawnWithTerminal(file: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
  return execa(file, [...args], { cwd: options.cwd, env: options.env, extendEnv: options.env === undefined, stdio: 'inherit', reject: false });
}
