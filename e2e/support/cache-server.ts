import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

import type { CommandResult, TestWorkspace } from './workspace';

/**
 * Options of the self-hosted Nx remote cache that the e2e tests run.
 *
 * The server implements the HTTP protocol that Nx 20.8 and later use when
 * NX_SELF_HOSTED_REMOTE_CACHE_SERVER is set. Nx sends `PUT` and `GET` on
 * `/v1/cache/{hash}` with a gzipped tar archive as the body, and every request
 * carries `Authorization: Bearer <token>`.
 *
 * The Nx 24.0 client reads the status codes like this. `200` stores or returns
 * an entry, and `404` is a miss. `409` rejects a second upload of a hash, and
 * Nx keeps going. `401` with a `text/plain` body rejects a bad token. Entries are
 * files in a temp folder, and bodies stream to and from disk, so a test can
 * send multi-GiB images through without the server keeping them in memory.
 *
 * The server listens on 127.0.0.1 only. It is test support, not part of the plugin.
 */
export interface CacheServerOptions {
  /** Bearer token every request must carry. */
  token: string;
  /** A second token that may download but not upload: its PUTs get 403, which Nx 24 skips silently. */
  readOnlyToken?: string;
  /** Folder for the entries. By default a new temp folder, which `close()` removes. */
  storageDir?: string;
}

/** Counts of the server's responses since it started or since `resetCounters()`. */
export interface CacheServerCounters {
  /** GETs that returned a stored entry. */
  getHits: number;
  /** GETs that returned 404. */
  getMisses: number;
  /** PUTs that stored a new entry. */
  puts: number;
  /** PUTs rejected with 409 because the hash was already stored. */
  putConflicts: number;
  /** Requests rejected with 401 because the token was missing or wrong. */
  unauthorized: number;
  /** PUTs with the read-only token, rejected with 403. */
  forbidden: number;
  /** Requests that got 500 while `failing` or `failingUploads` was set. */
  failures: number;
  /** Bytes stored by PUTs and bytes sent by GETs. */
  bytesStored: number;
  bytesSent: number;
}

/** Nx task hashes are decimal digits. A hash with any other character is rejected, so no request path reaches the disk. */
const ENTRY_PATH = /^\/v1\/cache\/([A-Za-z0-9_-]{1,128})$/;

function emptyCounters(): CacheServerCounters {
  return { getHits: 0, getMisses: 0, puts: 0, putConflicts: 0, unauthorized: 0, forbidden: 0, failures: 0, bytesStored: 0, bytesSent: 0 };
}

function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

/** Reads and discards a request body, so the client sees the response to an upload instead of a reset connection. */
async function drain(request: IncomingMessage): Promise<void> {
  request.resume();
  if (request.readableEnded) return;
  await new Promise<void>((resolve) => {
    request.on('end', resolve);
    request.on('error', () => resolve());
    request.on('close', () => resolve());
  });
}

export class CacheServer {
  readonly url: string;
  readonly token: string;
  readonly readOnlyToken: string | undefined;
  readonly storageDir: string;
  /** When set, every request gets 500, as from a broken cache server. */
  failing = false;
  /** When set, every PUT gets 500 and GETs work as usual, as on a server whose disk is full. */
  failingUploads = false;
  /**
   * When set, GETs return 404 even for stored entries. A machine gets this
   * when another one uploads the same hash between its lookup and its upload.
   */
  getAlwaysMisses = false;
  counters: CacheServerCounters = emptyCounters();

  private uploadCount = 0;

  private constructor(
    private readonly server: Server,
    options: CacheServerOptions & { storageDir: string },
    private readonly ownsStorage: boolean,
  ) {
    const { port } = server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    this.token = options.token;
    this.readOnlyToken = options.readOnlyToken;
    this.storageDir = options.storageDir;
  }

  /** Starts a server on 127.0.0.1 with a port the kernel picks. */
  static async start(options: CacheServerOptions): Promise<CacheServer> {
    const ownsStorage = options.storageDir === undefined;
    const storageDir = options.storageDir ?? mkdtempSync(join(tmpdir(), 'nx-peppy-remote-cache-'));
    let instance: CacheServer | undefined;
    const server = createServer((request, response) => {
      instance!.handle(request, response).catch((error: unknown) => {
        console.error(`cache server: ${request.method} ${request.url} failed:`, error);
        if (!response.headersSent) sendText(response, 500, 'Internal server error');
        else response.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    instance = new CacheServer(server, { ...options, storageDir }, ownsStorage);
    return instance;
  }

  /** Returns the environment that points Nx at this server, with the full token unless another one is given. */
  env(token = this.token): Record<string, string> {
    return { NX_SELF_HOSTED_REMOTE_CACHE_SERVER: this.url, NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: token };
  }

  /** Hashes of the stored entries. */
  entries(): string[] {
    return readdirSync(this.storageDir).filter((name) => !name.startsWith('.'));
  }

  /** Size in bytes of a stored entry. */
  entrySize(hash: string): number {
    return statSync(join(this.storageDir, hash)).size;
  }

  resetCounters(): void {
    this.counters = emptyCounters();
  }

  /** Stops listening, ends open connections and removes the storage folder it created. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.ownsStorage) rmSync(this.storageDir, { recursive: true, force: true });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (this.failing || (this.failingUploads && request.method === 'PUT')) {
      this.counters.failures += 1;
      await drain(request);
      sendText(response, 500, 'Internal server error (failing on purpose)');
      return;
    }

    const authorization = request.headers.authorization;
    const readOnly = this.readOnlyToken !== undefined && authorization === `Bearer ${this.readOnlyToken}`;
    if (authorization !== `Bearer ${this.token}` && !readOnly) {
      this.counters.unauthorized += 1;
      await drain(request);
      // Nx 24 reports a 401 as "Unauthorized" only with a text/plain body.
      sendText(response, 401, 'Missing or invalid bearer token');
      return;
    }

    const match = ENTRY_PATH.exec(request.url ?? '');
    if (!match) {
      await drain(request);
      sendText(response, 404, 'Not found');
      return;
    }
    const hash = match[1];

    if (request.method === 'GET') await this.retrieve(hash, response);
    else if (request.method === 'PUT' && readOnly) {
      this.counters.forbidden += 1;
      await drain(request);
      sendText(response, 403, 'Access forbidden: this token may only download');
    } else if (request.method === 'PUT') await this.store(hash, request, response);
    else {
      await drain(request);
      response.setHeader('Allow', 'GET, PUT');
      sendText(response, 405, 'Method not allowed');
    }
  }

  private async retrieve(hash: string, response: ServerResponse): Promise<void> {
    const file = join(this.storageDir, hash);
    if (this.getAlwaysMisses || !existsSync(file)) {
      this.counters.getMisses += 1;
      sendText(response, 404, 'The record was not found');
      return;
    }

    const size = statSync(file).size;
    this.counters.getHits += 1;
    response.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': size });
    await pipeline(createReadStream(file), response);
    this.counters.bytesSent += size;
  }

  /**
   * Streams the body into a temporary file and renames it into place only when
   * the whole declared length arrived, so an interrupted upload never becomes
   * an entry that later restores a truncated archive.
   */
  private async store(hash: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const file = join(this.storageDir, hash);
    if (existsSync(file)) {
      this.counters.putConflicts += 1;
      await drain(request);
      sendText(response, 409, 'Cannot override an existing record');
      return;
    }

    const declared = Number(request.headers['content-length']);
    if (!Number.isSafeInteger(declared) || declared < 0) {
      await drain(request);
      sendText(response, 411, 'A Content-Length header is required');
      return;
    }

    this.uploadCount += 1;
    const partial = join(this.storageDir, `.${hash}.upload-${this.uploadCount}`);
    try {
      await pipeline(request, createWriteStream(partial));
      const received = statSync(partial).size;
      if (received !== declared) {
        sendText(response, 400, `Received ${received} bytes but Content-Length was ${declared}`);
        return;
      }
      renameSync(partial, file);
    } finally {
      rmSync(partial, { force: true });
    }

    this.counters.puts += 1;
    this.counters.bytesStored += declared;
    sendText(response, 200, 'Stored');
  }
}

/** Returns a loopback URL on which nothing listens: a port that the kernel handed out and that was closed again. */
export async function unreachableCacheUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/**
 * Runs the workspace's `nx` without blocking the event loop. The cache server
 * lives in the test process, so `TestWorkspace.nx` (a synchronous spawn) would
 * block it from responding to the requests that `nx` waits for.
 */
export function nxWhileServing(workspace: TestWorkspace, args: string[], extraEnv: Record<string, string> = {}): Promise<CommandResult> {
  const child = spawn(workspace.path('node_modules', '.bin', 'nx'), args, {
    cwd: workspace.root,
    env: workspace.env(extraEnv),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, output: Buffer.concat(chunks).toString('utf8') }));
  });
}

/** How Nx finished one task: it ran the executor, or it restored the outputs from a cache. */
export type TaskOutcome = 'ran' | 'local cache' | 'remote cache' | 'failed';

const ANSI_ESCAPE = /\x1b\[[0-9;]*m/g;

/**
 * Reads the per-task lines of Nx 24's run summary (`✔  nx run base:build  [remote cache]`),
 * printed without the terminal UI (`NX_TUI=false`), into task id → outcome.
 */
export function taskOutcomes(output: string): Record<string, TaskOutcome> {
  const outcomes: Record<string, TaskOutcome> = {};
  const summaryLine = /^\s*([✔✖×])\s+nx run (\S+)(?:\s+\[([^\]]+)\])?\s*$/gm;
  for (const match of output.replace(ANSI_ESCAPE, '').matchAll(summaryLine)) {
    const [, mark, taskId, cacheNote] = match;
    if (mark !== '✔') outcomes[taskId] = 'failed';
    else if (cacheNote === undefined) outcomes[taskId] = 'ran';
    else if (cacheNote.startsWith('remote cache')) outcomes[taskId] = 'remote cache';
    else outcomes[taskId] = 'local cache';
  }
  return outcomes;
}
