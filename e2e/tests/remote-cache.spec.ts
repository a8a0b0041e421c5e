import { appendFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';

import { pathWithoutApptainer } from '../support/apptainer';
import { CacheServer, nxWhileServing, taskOutcomes, unreachableCacheUrl, type TaskOutcome } from '../support/cache-server';
import { TestWorkspace, type CommandResult } from '../support/workspace';

// Jest takes testTimeout only from the global config, so the e2e project's
// setting does not reach these asynchronous tests.
jest.setTimeout(10 * 60 * 1000);

const NODES = ['arm', 'base', 'camera', 'lidar'];
const TOKEN = 'e2e-remote-cache-token';
const READ_ONLY_TOKEN = 'e2e-remote-cache-read-only-token';

function imagePath(node: string): string {
  return `dist/nodes/${node}/${node}_v1.sif`;
}

function outcomesOf(output: string): Record<string, TaskOutcome> {
  const outcomes: Record<string, TaskOutcome> = {};
  for (const [taskId, outcome] of Object.entries(taskOutcomes(output))) outcomes[taskId.replace(/:build$/, '')] = outcome;
  return outcomes;
}

/** Fails with the end of the output, where Nx and npm print why the command failed. */
function expectSuccess(result: CommandResult, command = 'nx'): void {
  if (result.status !== 0) throw new Error(`${command} exited with ${result.status}:\n${result.output.slice(-4000)}`);
}

function allNodes(outcome: TaskOutcome): Record<string, TaskOutcome> {
  return Object.fromEntries(NODES.map((node) => [node, outcome]));
}

/**
 * Workspace A builds four container nodes against a self-hosted remote cache
 * on 127.0.0.1. A fresh clone B, with an empty local cache and no Apptainer,
 * then gets every image from that cache.
 */
describe('remote cache', () => {
  const origin = new TestWorkspace('nx-peppy-remote-a-');
  const clone = new TestWorkspace('nx-peppy-remote-b-');
  const scratch = mkdtempSync(join(tmpdir(), 'nx-peppy-remote-scratch-'));
  const apptainerCalls = join(scratch, 'apptainer-calls.log');
  const originImages: Record<string, string> = {};
  let server: CacheServer;

  /** Environment of every run in A, with a local cache folder that no other checkout shares. */
  function originEnv(): Record<string, string> {
    return { ...server.env(), NX_CACHE_DIRECTORY: join(scratch, 'cache-a') };
  }

  /** Environment of every run in B, with another local cache folder, empty at the start. */
  function cloneEnv(extra: Record<string, string> = {}): Record<string, string> {
    return { ...server.env(), NX_CACHE_DIRECTORY: join(scratch, 'cache-b'), ...extra };
  }

  /** PATH without Apptainer, but with a stand-in `apptainer` that logs its arguments and fails. */
  function pathWithFailingApptainer(): string {
    const bin = join(scratch, 'failing-apptainer-bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'apptainer'), `#!/bin/sh\nprintf '%s\\n' "apptainer $*" >> '${apptainerCalls}'\nexit 1\n`);
    chmodSync(join(bin, 'apptainer'), 0o755);
    return [bin, pathWithoutApptainer()].join(delimiter);
  }

  beforeAll(async () => {
    server = await CacheServer.start({ token: TOKEN, readOnlyToken: READ_ONLY_TOKEN });
    origin.copyFixture('remote-cache').installWithNxAdd();
    origin.commitAll();
  });

  afterAll(async () => {
    await server?.close();
    origin.remove();
    clone.remove();
    if (!process.env.NX_PEPPY_KEEP_E2E) rmSync(scratch, { recursive: true, force: true });
  });

  it('workspace A builds and uploads every image', async () => {
    const result = await nxWhileServing(origin, ['run-many', '-t', 'build'], originEnv());
    expectSuccess(result);
    expect(outcomesOf(result.output)).toEqual(allNodes('ran'));

    expect(server.counters.getMisses).toBe(NODES.length);
    expect(server.counters.puts).toBe(NODES.length);
    expect(server.counters.unauthorized).toBe(0);
    expect(server.entries()).toHaveLength(NODES.length);
    for (const node of NODES) originImages[node] = origin.sha256(imagePath(node));
  });

  it('clone B installs from the committed lockfile', () => {
    expectSuccess(origin.run('git', ['clone', '-q', origin.root, clone.root]), 'git clone');
    expect(existsSync(clone.path('.nx'))).toBe(false);
    expect(existsSync(clone.path('dist'))).toBe(false);

    // npm stores the tarball as a path relative to the workspace. Both
    // workspaces are in the same temp folder, so the path resolves from B too.
    const spec = (JSON.parse(clone.read('package.json')) as { devDependencies: Record<string, string> }).devDependencies['nx-peppy'];
    expect(spec).toMatch(/^file:/);
    expect(existsSync(resolve(clone.root, spec.slice('file:'.length)))).toBe(true);

    expectSuccess(clone.run('npm', ['ci', '--no-audit', '--no-fund']), 'npm ci');
  });

  it('clone B restores every image without Apptainer', async () => {
    server.resetCounters();
    const result = await nxWhileServing(clone, ['run-many', '-t', 'build'], cloneEnv({ PATH: pathWithFailingApptainer() }));
    expectSuccess(result);
    expect(outcomesOf(result.output)).toEqual(allNodes('remote cache'));
    expect(result.output).toMatch(/\[remote cache\]/);

    expect(existsSync(apptainerCalls) ? readFileSync(apptainerCalls, 'utf8') : '').toBe('');
    expect(server.counters.getHits).toBe(NODES.length);
    expect(server.counters.getMisses).toBe(0);
    expect(server.counters.puts).toBe(0);
    for (const node of NODES) {
      expect({ node, sha256: clone.sha256(imagePath(node)) }).toEqual({ node, sha256: originImages[node] });
    }
  });

  it('base change in B rebuilds base and its dependents', async () => {
    appendFileSync(clone.path('nodes/base/apptainer.def'), '\n%help\n    Base image, second version.\n');
    server.resetCounters();

    const result = await nxWhileServing(clone, ['run-many', '-t', 'build'], cloneEnv());
    expectSuccess(result);
    expect(outcomesOf(result.output)).toEqual({ base: 'ran', camera: 'ran', arm: 'ran', lidar: 'local cache' });

    // The three new images are uploaded for the next machine.
    expect(server.counters.puts).toBe(3);
    for (const node of ['base', 'camera', 'arm']) {
      expect({ node, changed: clone.sha256(imagePath(node)) !== originImages[node] }).toEqual({ node, changed: true });
    }
    expect(clone.sha256(imagePath('lidar'))).toBe(originImages.lidar);
  });

  it('read-only token downloads but uploads nothing', async () => {
    appendFileSync(clone.path('nodes/camera/src/main.txt'), 'second camera driver line\n');
    const entries = server.entries().length;
    server.resetCounters();

    const result = await nxWhileServing(clone, ['run-many', '-t', 'build'], cloneEnv(server.env(READ_ONLY_TOKEN)));
    expectSuccess(result);
    expect(outcomesOf(result.output)).toEqual({ base: 'local cache', camera: 'ran', arm: 'local cache', lidar: 'local cache' });
    expect(server.counters.getMisses).toBe(1);
    expect(server.counters.forbidden).toBe(1);
    expect(server.counters.puts).toBe(0);
    expect(server.entries()).toHaveLength(entries);
  });

  it('second upload of a hash gets 409 and the run succeeds', async () => {
    // A makes the base change that B has already built and uploaded, but its
    // lookup misses, as if B's upload had landed while A was building.
    appendFileSync(origin.path('nodes/base/apptainer.def'), '\n%help\n    Base image, second version.\n');
    server.resetCounters();
    server.getAlwaysMisses = true;
    try {
      const result = await nxWhileServing(origin, ['run-many', '-t', 'build', '-p', 'base'], originEnv());
      expectSuccess(result);
      expect(outcomesOf(result.output)).toEqual({ base: 'ran' });
    } finally {
      server.getAlwaysMisses = false;
    }
    expect(server.counters.putConflicts).toBe(1);
    expect(server.counters.puts).toBe(0);
  });

  it('wrong token fails the run with Unauthorized', async () => {
    appendFileSync(clone.path('nodes/arm/src/main.txt'), 'second arm driver line\n');
    server.resetCounters();

    const result = await nxWhileServing(clone, ['run-many', '-t', 'build', '-p', 'arm'], cloneEnv(server.env('not-the-token')));
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('Unauthorized: Missing or invalid bearer token');
    expect(server.counters.unauthorized).toBe(1);
  });

  it('image larger than maxCacheSize fails its upload', async () => {
    // Nx uploads from the local cache entry, which it has already evicted
    // because the image alone is over the cap.
    writeFileSync(clone.path('nodes/lidar/config.txt'), 'range: 35\n');
    const before = clone.sha256(imagePath('lidar'));
    server.resetCounters();

    const result = await nxWhileServing(clone, ['run-many', '-t', 'build', '-p', 'lidar'], cloneEnv({ NX_MAX_CACHE_SIZE: '100KB' }));
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('No such file or directory (os error 2)');
    expect(result.output).toMatch(/Failed tasks:\s+- lidar:build/);
    expect(server.counters.getMisses).toBe(1);
    expect(server.counters.puts).toBe(0);
    expect(clone.sha256(imagePath('lidar'))).not.toBe(before);
  });

  // Nx 24.0 does not fall back to a local build when the remote cache fails. A
  // lookup that gets an unexpected status or no connection stops the run
  // before any task starts, and an upload that keeps failing fails its task.
  // These tests pin that behaviour, so an Nx upgrade that changes it fails
  // here, and docs/ci.md then needs the same update.
  describe('remote cache failures', () => {
    let failingServer: CacheServer;

    beforeAll(async () => {
      failingServer = await CacheServer.start({ token: TOKEN });
      failingServer.failing = true;
    });

    afterAll(async () => {
      await failingServer?.close();
    });

    /** Writes a new lidar config, so the next lidar build misses the local cache and queries the remote one. */
    function changeLidar(range: number): void {
      writeFileSync(clone.path('nodes/lidar/config.txt'), `range: ${range}\n`);
    }

    it('server answering 500 fails the run', async () => {
      changeLidar(40);
      const before = clone.sha256(imagePath('lidar'));
      const env = cloneEnv(failingServer.env());

      const result = await nxWhileServing(clone, ['run-many', '-t', 'build', '-p', 'lidar'], env);
      expect(result.status).not.toBe(0);
      expect(result.output).toContain('Misconfigured remote cache endpoint: Unexpected response status: 500');
      expect(failingServer.counters.failures).toBeGreaterThan(0);
      expect(clone.sha256(imagePath('lidar'))).toBe(before);
    });

    it('--skip-remote-cache builds past a server answering 500', async () => {
      failingServer.resetCounters();
      const env = cloneEnv(failingServer.env());

      const result = await nxWhileServing(clone, ['run-many', '-t', 'build', '-p', 'lidar', '--skip-remote-cache'], env);
      expectSuccess(result);
      expect(outcomesOf(result.output)).toEqual({ lidar: 'ran' });
      expect(failingServer.counters.failures).toBe(0);
    });

    it('server failing uploads fails the task after retries', async () => {
      changeLidar(45);
      const before = clone.sha256(imagePath('lidar'));
      failingServer.failing = false;
      failingServer.failingUploads = true;
      failingServer.resetCounters();
      try {
        const result = await nxWhileServing(clone, ['run-many', '-t', 'build', '-p', 'lidar'], cloneEnv(failingServer.env()));
        expect(result.status).not.toBe(0);
        expect(result.output).toContain('Misconfigured remote cache endpoint: Unexpected response status: 500');
        expect(result.output).toMatch(/Failed tasks:\s+- lidar:build/);
      } finally {
        failingServer.failing = true;
        failingServer.failingUploads = false;
      }

      // The image was built and kept. Only its upload failed, six times.
      expect(clone.sha256(imagePath('lidar'))).not.toBe(before);
      expect(failingServer.counters.getMisses).toBe(1);
      expect(failingServer.counters.failures).toBe(6);
    });

    it('unreachable server fails the run', async () => {
      changeLidar(50);
      const before = clone.sha256(imagePath('lidar'));
      const url = await unreachableCacheUrl();
      const env = cloneEnv({ NX_SELF_HOSTED_REMOTE_CACHE_SERVER: url });

      const result = await nxWhileServing(clone, ['run-many', '-t', 'build', '-p', 'lidar'], env);
      expect(result.status).not.toBe(0);
      expect(result.output).toContain(`Failed to send request: error sending request for url (${url}/v1/cache/`);
      expect(clone.sha256(imagePath('lidar'))).toBe(before);
    });

    it('NX_SKIP_REMOTE_CACHE builds past an unreachable server', async () => {
      const url = await unreachableCacheUrl();
      const env = cloneEnv({ NX_SELF_HOSTED_REMOTE_CACHE_SERVER: url, NX_SKIP_REMOTE_CACHE: 'true' });

      const result = await nxWhileServing(clone, ['run-many', '-t', 'build', '-p', 'lidar'], env);
      expectSuccess(result);
      expect(outcomesOf(result.output)).toEqual({ lidar: 'ran' });
    });
  });
});
