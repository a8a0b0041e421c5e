import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, mkdtempSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

import { pathWithoutApptainer } from '../support/apptainer';
import { CacheServer, taskOutcomes } from '../support/cache-server';
import { TestWorkspace } from '../support/workspace';
import { folderBytes, measure, type Measurement } from './measure';

// Jest takes testTimeout only from the global config, so the e2e project's
// setting does not reach these asynchronous tests.
jest.setTimeout(30 * 60 * 1000);

const MIB = 1024 * 1024;
/** Payload size in bytes: 1 GiB, or NX_PEPPY_LARGE_IMAGE_MIB mebibytes to measure other sizes. */
const PAYLOAD_BYTES = Number(process.env.NX_PEPPY_LARGE_IMAGE_MIB ?? 1024) * MIB;
const IMAGE = 'dist/nodes/large/large_v1.sif';

const MANIFEST = `{
  peppy_schema: "node/v1",
  manifest: { name: "large", tag: "v1" },
  execution: {
    language: "python",
    container: { def_file: "apptainer.def" },
  },
}
`;

// Random bytes do not compress, so neither squashfs nor Nx's gzip shrinks the
// image or the cache archive below the payload size.
const DEFINITION = `Bootstrap: scratch

%files
    payload.bin /opt/payload.bin

%labels
    Name large
`;

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

function writeRandomFile(file: string, bytes: number): void {
  const fd = openSync(file, 'w');
  try {
    const result = spawnSync('head', ['-c', String(bytes), '/dev/urandom'], { stdio: ['ignore', fd, 'pipe'] });
    if (result.status !== 0) throw new Error(`head -c ${bytes} /dev/urandom failed: ${result.stderr}`);
  } finally {
    closeSync(fd);
  }
}

/** Fails with the end of the output, which is where Nx puts the reason. */
function expectSuccess(run: Measurement): void {
  if (run.status !== 0) throw new Error(`nx exited with ${run.status}:\n${run.output.slice(-4000)}`);
}

function mib(bytes: number): string {
  return `${Math.round(bytes / MIB)} MiB`;
}

function describeRun(name: string, run: Measurement): string {
  const top = run.topProcesses.map((peak) => `      ${mib(peak.rssBytes)}  pid ${peak.pid}  ${peak.command}`).join('\n');
  const gnuTime = run.gnuTimeMaxRssBytes === undefined ? 'n/a (/usr/bin/time missing)' : mib(run.gnuTimeMaxRssBytes);
  return [
    `  ${name}: ${run.seconds.toFixed(1)} s`,
    `    peak RSS of the process tree (sum, sampled): ${mib(run.peakTreeRssBytes)}`,
    `    peak RSS of the largest process (GNU time):  ${gnuTime}`,
    `    largest processes (sampled):`,
    top,
  ].join('\n');
}

/**
 * A container image of at least 1 GiB goes through the local cache and the
 * self-hosted remote cache and comes back byte for byte, with the time and
 * peak memory of each run recorded.
 */
describe('large image', () => {
  const workspace = new TestWorkspace('nx-peppy-large-');
  const scratch = mkdtempSync(join(tmpdir(), 'nx-peppy-large-scratch-'));
  const runs: Record<string, Measurement> = {};
  let server: CacheServer;
  let builtImage = '';

  function nx(args: string[], env: Record<string, string>): Promise<Measurement> {
    return measure(workspace.path('node_modules', '.bin', 'nx'), args, {
      cwd: workspace.root,
      env: workspace.env(env),
      reportFile: join(scratch, 'gnu-time.txt'),
    });
  }

  beforeAll(async () => {
    server = await CacheServer.start({ token: 'e2e-large-token' });
    workspace.installWithNxAdd();
    workspace.write('nodes/large/peppy.json5', MANIFEST);
    workspace.write('nodes/large/apptainer.def', DEFINITION);
    writeRandomFile(workspace.path('nodes/large/payload.bin'), PAYLOAD_BYTES);
  });

  afterAll(async () => {
    const sizes = [
      `  payload: ${mib(PAYLOAD_BYTES)}`,
      builtImage ? `  image: ${mib(statSync(builtImage).size)}` : '',
      server ? `  remote cache entries: ${server.entries().map((hash) => mib(server.entrySize(hash))).join(', ')}` : '',
    ].filter(Boolean);
    const report = [`large image: ${process.arch}, Node ${process.version}`, ...sizes, ...Object.entries(runs).map(([name, run]) => describeRun(name, run))].join('\n');
    console.log(report);
    if (process.env.NX_PEPPY_LARGE_REPORT) writeFileSync(process.env.NX_PEPPY_LARGE_REPORT, `${report}\n`);

    await server?.close();
    workspace.remove();
    rmSync(scratch, { recursive: true, force: true });
  });

  /** Removes the image and every trace of a local cache, so the next run starts cold. */
  function forgetLocalState(cacheFolder: string): void {
    rmSync(workspace.path(IMAGE), { force: true });
    rmSync(join(scratch, cacheFolder), { recursive: true, force: true });
    rmSync(workspace.path('.nx'), { recursive: true, force: true });
  }

  it('build without the remote cache sets the baseline', async () => {
    const run = await nx(['run-many', '-t', 'build', '-p', 'large', '--skip-remote-cache'], { ...server.env(), NX_CACHE_DIRECTORY: join(scratch, 'cache-0') });
    runs['build, store locally only (--skip-remote-cache)'] = run;
    expectSuccess(run);
    expect(taskOutcomes(run.output)).toEqual({ 'large:build': 'ran' });
    expect(server.counters.getMisses + server.counters.puts).toBe(0);
  });

  it('build stores the image in both caches', async () => {
    forgetLocalState('cache-0');

    const run = await nx(['run-many', '-t', 'build', '-p', 'large'], { ...server.env(), NX_CACHE_DIRECTORY: join(scratch, 'cache-1') });
    runs['build, store locally and upload'] = run;
    expectSuccess(run);
    expect(taskOutcomes(run.output)).toEqual({ 'large:build': 'ran' });

    builtImage = workspace.path(IMAGE);
    expect(statSync(builtImage).size).toBeGreaterThanOrEqual(PAYLOAD_BYTES);
    expect(folderBytes(join(scratch, 'cache-1'))).toBeGreaterThanOrEqual(PAYLOAD_BYTES);
    expect(server.counters.puts).toBe(1);
    expect(server.entrySize(server.entries()[0])).toBeGreaterThanOrEqual(PAYLOAD_BYTES);
  });

  it('deleted image comes back from the local cache', async () => {
    const expected = await sha256(workspace.path(IMAGE));
    rmSync(workspace.path(IMAGE));

    const run = await nx(['run-many', '-t', 'build', '-p', 'large'], { ...server.env(), NX_CACHE_DIRECTORY: join(scratch, 'cache-1'), PATH: pathWithoutApptainer() });
    runs['restore from the local cache'] = run;
    expectSuccess(run);
    expect(taskOutcomes(run.output)).toEqual({ 'large:build': 'local cache' });
    expect(await sha256(workspace.path(IMAGE))).toBe(expected);
  });

  it('deleted image comes back from the remote cache', async () => {
    const expected = await sha256(workspace.path(IMAGE));
    forgetLocalState('cache-1');
    server.resetCounters();

    const run = await nx(['run-many', '-t', 'build', '-p', 'large'], { ...server.env(), NX_CACHE_DIRECTORY: join(scratch, 'cache-2'), PATH: pathWithoutApptainer() });
    runs['restore from the remote cache'] = run;
    expectSuccess(run);
    expect(taskOutcomes(run.output)).toEqual({ 'large:build': 'remote cache' });
    expect(server.counters.getHits).toBe(1);
    expect(await sha256(workspace.path(IMAGE))).toBe(expected);
  });
});
